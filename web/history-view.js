// The dashboard's call history: GET /api/calls pages in a table, GET /api/calls/<id> in a detail panel.
import { apiJson } from './api.js';
import { formatDateTime, formatDuration, safeHttpUrl } from './format.js';
import { TranscriptView } from './transcript-view.js';

const PAGE_SIZE = 25;
const STATUS_LABEL = { connecting: 'Connecting', ringing: 'Ringing', in_progress: 'In progress', ended: 'Ended', failed: 'Failed' };
const EMPTY_SIGNED_IN = 'No calls yet. Start a test call or point a Vapi assistant at /api/webhooks/vapi.';
const EMPTY_SIGNED_OUT = "Sign in to see your organization's calls.";
const DETAIL_HINT = 'Select a call in the history to read its transcript.';

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function text(value) {
  return value == null || value === '' ? '—' : String(value);
}

function failureSentence(err, what) {
  if (err.status === 401) return `The gateway refused your token (${err.message}): sign in again.`;
  if (err.status === 404) return 'This call is not in your organization\'s history.';
  if (err.status === 503) return `The gateway's call store is unavailable (${err.message}); try again shortly.`;
  return `Could not load ${what}: ${err.message}`;
}

export class HistoryView {
  #el;
  #getToken;
  #cursor = null;
  #loadSeq = 0; // answers to an older load are ignored
  #detailSeq = 0;
  #signedIn = false;

  constructor({ table, empty, more, refresh, message, detail, getToken }) {
    this.#el = { table, body: table.tBodies[0], empty, more, refresh, message, detail };
    this.#getToken = getToken;
    more.addEventListener('click', () => this.#loadPage(false));
    refresh.addEventListener('click', () => this.reload());
    this.#el.body.addEventListener('click', (ev) => this.#onRowActivated(ev.target));
    this.#el.body.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        this.#onRowActivated(ev.target);
      }
    });
    this.signedOut();
  }

  reload() {
    return this.#loadPage(true);
  }

  signedOut() {
    this.#signedIn = false;
    this.#loadSeq += 1;
    this.#detailSeq += 1;
    this.#cursor = null;
    this.#el.body.replaceChildren();
    this.#el.empty.textContent = EMPTY_SIGNED_OUT;
    this.#el.empty.hidden = false;
    this.#el.more.hidden = true;
    this.#el.refresh.disabled = true;
    this.#say('');
    this.#showDetailHint();
  }

  signedIn() {
    this.#signedIn = true;
    this.#el.refresh.disabled = false;
    this.#el.empty.textContent = 'Loading…';
    return this.reload();
  }

  #say(sentence) {
    this.#el.message.textContent = sentence;
    this.#el.message.hidden = !sentence;
  }

  async #loadPage(reset) {
    if (!this.#signedIn) return;
    const seq = ++this.#loadSeq;
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (!reset && this.#cursor) params.set('cursor', this.#cursor);
    this.#el.table.setAttribute('aria-busy', 'true');
    this.#el.more.disabled = true;
    try {
      const page = await apiJson(`/api/calls?${params}`, { token: await this.#getToken() });
      if (seq !== this.#loadSeq) return;
      if (reset) this.#el.body.replaceChildren();
      this.#appendRows(Array.isArray(page?.calls) ? page.calls : []);
      this.#cursor = typeof page?.nextCursor === 'string' && page.nextCursor ? page.nextCursor : null;
      this.#say('');
    } catch (err) {
      if (seq !== this.#loadSeq) return;
      console.warn('voxgate: loading the call history failed', err.message);
      this.#say(failureSentence(err, 'the call history'));
    } finally {
      if (seq === this.#loadSeq) {
        this.#el.table.removeAttribute('aria-busy');
        this.#el.more.disabled = false;
        this.#el.more.hidden = !this.#cursor;
        this.#el.empty.textContent = EMPTY_SIGNED_IN;
        this.#el.empty.hidden = this.#el.body.childElementCount > 0;
      }
    }
  }

  #appendRows(calls) {
    const selected = this.#el.detail.dataset.callId;
    for (const call of calls) {
      if (!call || typeof call.vapiCallId !== 'string') continue;
      const existing = this.#el.body.querySelector(`tr[data-call-id="${CSS.escape(call.vapiCallId)}"]`);
      const row = this.#row(call);
      if (selected === call.vapiCallId) row.classList.add('selected');
      if (existing) existing.replaceWith(row);
      else this.#el.body.append(row);
    }
  }

  #row(call) {
    const row = make('tr');
    row.dataset.callId = call.vapiCallId;
    row.dataset.status = call.status ?? '';
    if (call.trackingId) row.dataset.trackingId = call.trackingId;
    row.tabIndex = 0;
    row.title = `Show the transcript of ${call.vapiCallId}`;
    const status = make('span', 'status-badge', STATUS_LABEL[call.status] || text(call.status));
    const kind = make('td', 'col-type');
    kind.append(make('span', null, text(call.type ?? (call.trackingId ? 'Test call' : null))));
    if (call.trackingId) kind.append(make('code', 'tracking', String(call.trackingId)));
    const statusCell = make('td', 'col-status');
    statusCell.append(status);
    row.append(
      make('td', 'col-started', formatDateTime(call.startedAt ?? call.createdAt)),
      statusCell,
      make('td', 'col-duration', formatDuration(call.durationSeconds)),
      make('td', 'col-reason', text(call.endedReason)),
      kind,
    );
    return row;
  }

  #onRowActivated(target) {
    const row = target instanceof Element ? target.closest('tr[data-call-id]') : null;
    if (row) this.showDetail(row.dataset.callId);
  }

  #showDetailHint() {
    const d = this.#el.detail;
    delete d.dataset.callId;
    delete d.dataset.loaded;
    d.replaceChildren(make('h3', null, 'Call details'), make('p', 'muted', DETAIL_HINT));
  }

  async showDetail(callId) {
    const seq = ++this.#detailSeq;
    const d = this.#el.detail;
    for (const row of this.#el.body.rows) row.classList.toggle('selected', row.dataset.callId === callId);
    d.dataset.callId = callId;
    d.dataset.loaded = 'false';
    d.replaceChildren(make('h3', null, 'Call details'), make('p', 'muted', 'Loading…'));
    let call;
    try {
      call = await apiJson(`/api/calls/${encodeURIComponent(callId)}`, { token: await this.#getToken() });
    } catch (err) {
      if (seq !== this.#detailSeq) return;
      console.warn('voxgate: loading a call failed', err.message);
      d.replaceChildren(make('h3', null, 'Call details'), make('p', 'message', failureSentence(err, 'this call')));
      d.dataset.loaded = 'error';
      return;
    }
    if (seq !== this.#detailSeq) return;
    this.#renderDetail(call ?? {}, callId);
  }

  #renderDetail(call, callId) {
    const d = this.#el.detail;
    const title = make('h3', null, 'Call details');
    const id = make('code', 'call-id', callId);
    id.title = callId;

    const facts = make('dl', 'detail-facts');
    const add = (label, value) => {
      const wrap = make('div');
      wrap.append(make('dt', null, label), make('dd', null, value));
      facts.append(wrap);
    };
    add('Status', STATUS_LABEL[call.status] || text(call.status));
    add('Started', formatDateTime(call.startedAt ?? call.createdAt));
    add('Ended', formatDateTime(call.endedAt));
    add('Duration', formatDuration(call.durationSeconds));
    add('Ended reason', text(call.endedReason));
    add('Type', text(call.type));
    if (call.customerNumber) add('Customer', String(call.customerNumber));
    if (call.assistantId) add('Assistant', String(call.assistantId));
    if (call.trackingId) add('Test call', String(call.trackingId));

    const parts = [title, id, facts];
    const recording = safeHttpUrl(call.recordingUrl);
    if (recording) {
      const link = make('a', null, 'Listen to the recording');
      link.href = recording;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      const p = make('p', 'recording');
      p.append(link);
      parts.push(p);
    }
    if (call.summary) parts.push(make('h4', null, 'Summary'), make('p', 'summary', String(call.summary)));

    parts.push(make('h4', null, 'Transcript'));
    const lines = make('ol', 'transcript transcript-full');
    const view = new TranscriptView(lines);
    for (const line of Array.isArray(call.transcript) ? call.transcript : []) view.add(line?.speaker, line?.text, true);
    parts.push(view.isEmpty ? make('p', 'muted', 'No transcript was stored for this call.') : lines);

    d.replaceChildren(...parts);
    d.dataset.loaded = 'true';
  }
}
