// The dashboard's live calls: one card per vapiCallId, built from /ws/live-calls events.
import { formatClock, formatDuration, safeHttpUrl } from './format.js';
import { TranscriptView } from './transcript-view.js';

const STATUS_LABEL = {
  connecting: 'Connecting',
  ringing: 'Ringing',
  in_progress: 'In progress',
  ended: 'Ended',
  failed: 'Failed',
};
const MAX_CARDS = 30; // older ended calls leave the board; the history keeps them
const MAX_OTHER_EVENTS = 50;

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function fact(label, className) {
  const wrap = make('div', className);
  wrap.append(make('dt', null, label), make('dd'));
  return wrap;
}

export class LiveCallsView {
  #list;
  #empty;
  #others;
  #othersCount;
  #calls = new Map(); // vapiCallId → { card, transcript }
  #otherTotal = 0;

  constructor({ list, empty, others, othersCount }) {
    this.#list = list;
    this.#empty = empty;
    this.#others = others;
    this.#othersCount = othersCount;
  }

  clear() {
    this.#calls.clear();
    this.#list.replaceChildren();
    this.#others.replaceChildren();
    this.#otherTotal = 0;
    this.#othersCount.textContent = '0';
    this.#updateEmpty();
  }

  // One server event; returns true when it belonged to a call card.
  handle(event) {
    const callId = typeof event.vapiCallId === 'string' && event.vapiCallId ? event.vapiCallId : null;
    const known = ['call_status', 'transcript', 'transcript_delta', 'call_ended', 'recording_ready'];
    if (!callId || !known.includes(event.type)) {
      this.#logOther(event);
      return false;
    }
    const call = this.#call(callId, event);
    switch (event.type) {
      case 'call_status':
        this.#setStatus(call, event.status);
        break;
      case 'transcript':
        call.transcript.add(event.speaker, event.text, event.is_final === true);
        break;
      case 'transcript_delta':
        call.transcript.appendDelta(event.speaker, event.text);
        break;
      case 'call_ended': {
        this.#setStatus(call, 'ended');
        const parts = [];
        if (typeof event.durationSeconds === 'number') parts.push(`after ${formatDuration(event.durationSeconds)}`);
        if (event.reason) parts.push(String(event.reason));
        const ended = call.card.querySelector('.ended');
        ended.querySelector('dd').textContent = parts.join(' · ') || 'yes';
        ended.hidden = false;
        break;
      }
      case 'recording_ready': {
        const href = safeHttpUrl(event.recordingUrl);
        const link = call.card.querySelector('.recording a');
        if (href) {
          link.href = href;
          link.parentElement.hidden = false;
        }
        break;
      }
    }
    return true;
  }

  #call(callId, event) {
    let call = this.#calls.get(callId);
    if (!call) {
      call = this.#newCard(callId, event);
      this.#calls.set(callId, call);
      this.#list.prepend(call.card);
      this.#trim();
      this.#updateEmpty();
    }
    if (event.trackingId && call.card.querySelector('.tracking').hidden) {
      const tracking = call.card.querySelector('.tracking');
      tracking.querySelector('dd').textContent = String(event.trackingId);
      tracking.hidden = false;
    }
    return call;
  }

  #newCard(callId, event) {
    const card = make('li', 'call-card');
    card.dataset.callId = callId;
    card.dataset.status = 'connecting';

    const head = make('div', 'call-head');
    const id = make('code', 'call-id', callId);
    id.title = callId;
    head.append(make('span', 'status-badge', STATUS_LABEL.connecting), id);

    const facts = make('dl', 'call-facts');
    const started = fact('Started', 'started');
    started.querySelector('dd').textContent = formatClock(typeof event.ts === 'number' ? event.ts : Date.now());
    const tracking = fact('Test call', 'tracking');
    tracking.hidden = true;
    const ended = fact('Ended', 'ended');
    ended.hidden = true;
    facts.append(started, tracking, ended);

    const recording = make('p', 'recording');
    const link = make('a', null, 'Listen to the recording');
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    recording.append(link);
    recording.hidden = true;

    const lines = make('ol', 'transcript');
    const waiting = make('p', 'transcript-empty', 'No words yet.');
    card.append(head, facts, recording, lines, waiting);
    return { card, transcript: new TranscriptView(lines) };
  }

  #setStatus(call, status) {
    const value = typeof status === 'string' && status ? status : 'unknown';
    call.card.dataset.status = value;
    call.card.querySelector('.status-badge').textContent = STATUS_LABEL[value] || value;
  }

  #trim() {
    if (this.#calls.size <= MAX_CARDS) return;
    for (const card of [...this.#list.children].reverse()) {
      if (this.#calls.size <= MAX_CARDS) break;
      if (card.dataset.status === 'ended' || card.dataset.status === 'failed') {
        this.#calls.delete(card.dataset.callId);
        card.remove();
      }
    }
  }

  #updateEmpty() {
    this.#empty.hidden = this.#calls.size > 0;
  }

  #logOther(event) {
    const item = make('li');
    item.append(make('code', 'event-type', String(event.type ?? '(no type)')));
    if (event.id != null) item.append(make('span', 'event-id', `#${event.id}`));
    if (event.vapiCallId != null) item.append(make('span', 'event-call', String(event.vapiCallId)));
    item.dataset.type = String(event.type ?? '');
    this.#others.prepend(item);
    while (this.#others.childElementCount > MAX_OTHER_EVENTS) this.#others.lastElementChild.remove();
    this.#otherTotal += 1;
    this.#othersCount.textContent = String(this.#otherTotal);
  }
}
