// voxgate browser client: the /ws/live-calls subscription, JWT helpers and close-code explanations.
// Plain ES module with no dependencies, so any frontend can import it as is.

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30000, stableMs: 10000 };
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout overflows beyond this and fires at once

// The claims of a JWT without verifying it (the gateway verifies; the page only reads exp, sub, org).
export function decodeJwtClaims(jwt) {
  if (typeof jwt !== 'string') return null;
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? claims : null;
  } catch {
    return null;
  }
}

// Unix seconds at which the token expires, or null when it has no usable exp.
export function tokenExpiry(jwt) {
  const exp = decodeJwtClaims(jwt)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
}

// How many seconds before exp to fetch a new token: 60 s, or 20 % of the lifetime of short tokens.
export function refreshLeadSeconds(jwt) {
  const claims = decodeJwtClaims(jwt);
  if (!claims || typeof claims.exp !== 'number') return 60;
  const lifetime = typeof claims.iat === 'number' ? claims.exp - claims.iat : Infinity;
  return Math.max(1, Math.min(60, lifetime * 0.2));
}

// The default live-calls URL: same host as the page, wss on https pages.
export function defaultLiveCallsUrl() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws/live-calls`;
}

// "Refused: this page's…" reads as one sentence; acronyms (TLS) keep their case.
export function lowerFirst(sentence) {
  return /^[A-Z][a-z]/.test(sentence) ? sentence[0].toLowerCase() + sentence.slice(1) : sentence;
}

// Closing a socket still connecting makes browsers log an error; let it open, then close it.
export function closeQuietly(ws, reason) {
  ws.onmessage = null;
  ws.onclose = null;
  if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close(1000, reason);
  else if (ws.readyState === WebSocket.OPEN) ws.close(1000, reason);
}

function hasReason(reason, words) {
  return String(reason || '').toLowerCase().includes(words);
}

// A sentence a user can act on, for a WebSocket close. context: 'live' (dashboard) or 'bridge' (test call).
export function explainClose(code, reason = '', context = 'live') {
  const bridge = context === 'bridge';
  const said = reason ? ` (“${reason}”)` : '';
  switch (code) {
    case 1000:
      if (hasReason(reason, 'session ended')) return 'The call ended.';
      if (hasReason(reason, 'vapi connection closed')) return 'The voice agent ended the call (the provider closed its connection).';
      return bridge ? `The call ended${said}.` : `The gateway closed the connection${said}; reconnecting.`;
    case 1001:
      if (hasReason(reason, 'idle timeout')) {
        return 'The gateway heard nothing from this browser for 60 s (a sleeping tab or a stalled network).';
      }
      return bridge
        ? 'The gateway went away (restarting or shutting down) during the call; start a new call once it is back.'
        : 'The gateway went away (restarting or shutting down); events missed meanwhile are recovered on reconnect.';
    case 1006:
      return 'The connection dropped without a closing handshake (network loss, a proxy timeout, or the gateway stopped).';
    case 1008:
      if (hasReason(reason, 'no subscribe message')) return 'The gateway did not receive the subscribe message within 5 s.';
      if (hasReason(reason, 'no auth message')) return 'The gateway did not receive the auth message within 5 s; start the call again.';
      if (hasReason(reason, 'invalid token')) return 'Token invalid: the gateway refused your token; sign in again.';
      if (hasReason(reason, 'token expired')) return 'Token expired: sign in again with a fresh token.';
      if (hasReason(reason, 'new client attached')) return 'This call was opened in another tab or browser, which took it over.';
      if (hasReason(reason, 'session not found')) {
        return 'The gateway does not know this call for your user: it ended or expired, or your token is invalid or belongs to another user. Start a new call (and sign in again if it repeats).';
      }
      if (hasReason(reason, 'invalid trackingid')) return 'The call address has a malformed trackingId; start a new call from this page.';
      if (hasReason(reason, 'too many connections for this user')) {
        return 'Your user has too many dashboards or calls open on this gateway ([limits] connections_per_user); close some tabs and reload.';
      }
      if (hasReason(reason, 'too many subscribe attempts')) return 'This page sent subscribe or refresh messages too often ([limits] subscribes_per_connection); reload it.';
      return `The gateway refused the connection by policy${said}.`;
    case 1009:
      return 'A message was larger than the gateway accepts ([limits] ws_message_bytes, 64 KiB by default).';
    case 1011:
      if (hasReason(reason, 'event history unavailable')) return "The gateway's event store failed; retrying.";
      return `The gateway hit an internal error${said}; try again in a moment.`;
    case 1013:
      return 'This browser fell too far behind the event stream (more than 1 MiB queued); reconnecting loses nothing.';
    case 1015:
      return "The TLS handshake failed: the gateway's certificate is not trusted by this browser.";
    default:
      return `The connection closed with code ${code}${said}.`;
  }
}

// Why a WebSocket closed before it opened: the browser hides the HTTP answer, so ask the gateway.
export async function diagnoseFailedUpgrade(wsUrl) {
  const ws = new URL(wsUrl, location.href);
  const http = ws.protocol === 'wss:' || ws.protocol === 'https:' ? 'https:' : 'http:';
  const origin = location.origin;
  const checkUrl = `${http}//${ws.host}/api/origin-check?origin=${encodeURIComponent(origin)}`;
  let answer;
  try {
    const res = await fetch(checkUrl, { cache: 'no-store' });
    answer = res.ok ? await res.json() : null;
  } catch {
    return { kind: 'unreachable', message: `Cannot reach the gateway at ${ws.host}: is it running, is the URL right?` };
  }
  if (answer && answer.allowed === false) {
    const detail = typeof answer.message === 'string' && answer.message ? ` The gateway says: ${answer.message}` : '';
    return { kind: 'origin', message: `This page's origin ${origin} is not on the gateway's allow list.${detail}` };
  }
  return {
    kind: 'upgrade',
    message: `The gateway refused the WebSocket upgrade for another reason (path, proxy, TLS). Run \`voxgate doctor ${ws.href} --origin ${origin}\`.`,
  };
}

// One /ws/live-calls subscription that survives reconnects, slow networks and token expiry.
export class LiveCallsClient extends EventTarget {
  #url;
  #getToken;
  #backoff;
  #lastEventId;
  #state = 'stopped';
  #reason = '';
  #running = false;
  #generation = 0; // bumps on start/stop so a stale async step does nothing
  #ws = null;
  #token = null;
  #attempt = 0;
  #subscribedAt = 0;
  #expiredCloses = 0;
  #retryTimer = 0;
  #refreshTimer = 0;
  #pendingRefresh = null;
  #onOnline = () => {
    if (this.#state === 'reconnecting') this.#connectNow();
  };

  constructor({ url, getToken, since, backoff } = {}) {
    super();
    if (typeof getToken !== 'function') throw new TypeError('LiveCallsClient needs getToken: async () => jwt');
    this.#url = url || defaultLiveCallsUrl();
    this.#getToken = getToken;
    this.#lastEventId = since ?? null;
    this.#backoff = { ...DEFAULT_BACKOFF, ...backoff };
  }

  get state() {
    return this.#state;
  }
  get reason() {
    return this.#reason;
  }
  get lastEventId() {
    return this.#lastEventId;
  }
  get url() {
    return this.#url;
  }

  start() {
    if (this.#running) return;
    this.#running = true;
    this.#generation += 1;
    this.#attempt = 0;
    this.#expiredCloses = 0;
    addEventListener('online', this.#onOnline);
    this.#connect();
  }

  stop() {
    this.#running = false;
    this.#generation += 1;
    removeEventListener('online', this.#onOnline);
    this.#clearTimers();
    const ws = this.#ws;
    this.#ws = null;
    if (ws) closeQuietly(ws, 'client stopped');
    this.#setState('stopped', '');
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #warn(kind, message) {
    this.#emit('warning', { kind, message });
  }

  #setState(state, reason, retryInMs = 0) {
    this.#state = state;
    this.#reason = reason;
    this.#emit('state', { state, reason, retryInMs });
  }

  #clearTimers() {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#refreshTimer);
    this.#retryTimer = 0;
    this.#refreshTimer = 0;
    this.#pendingRefresh = null;
  }

  #connectNow() {
    clearTimeout(this.#retryTimer);
    this.#connect();
  }

  #current(generation) {
    return this.#running && generation === this.#generation;
  }

  async #connect() {
    const generation = this.#generation;
    this.#setState('connecting', '');
    let token;
    try {
      token = await this.#getToken();
    } catch (err) {
      if (this.#current(generation)) this.#setState('failed', `Could not get a token: ${err?.message || err}`);
      return;
    }
    if (!this.#current(generation)) return;
    if (!token) {
      this.#setState('failed', 'Not signed in: sign in to see live calls.');
      return;
    }
    this.#token = token;
    let ws;
    try {
      ws = new WebSocket(this.#url);
    } catch (err) {
      this.#setState('failed', `Invalid gateway URL ${this.#url}: ${err.message}`);
      return;
    }
    this.#ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      const subscribe = { type: 'subscribe', token };
      if (this.#lastEventId != null && this.#lastEventId !== '') subscribe.since = this.#lastEventId;
      ws.send(JSON.stringify(subscribe));
    };
    ws.onmessage = (msg) => {
      if (this.#ws === ws) this.#onMessage(msg.data);
    };
    ws.onclose = (ev) => {
      if (this.#ws !== ws) return; // a socket we already replaced or stopped
      this.#ws = null;
      this.#onClose(ev.code, ev.reason, opened);
    };
  }

  #onMessage(data) {
    if (typeof data !== 'string') return; // the live-calls protocol has no binary frames
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.#warn('bad-message', 'The gateway sent a message that is not JSON; ignored.');
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'subscribed':
        this.#subscribedAt = Date.now();
        this.#expiredCloses = 0;
        // Without a since of our own, the server's latest id is where a reconnect resumes.
        if ((this.#lastEventId == null || this.#lastEventId === '') && msg.lastEventId) {
          this.#lastEventId = String(msg.lastEventId);
        }
        this.#setState('connected', '');
        this.#emit('subscribed', msg);
        this.#scheduleRefresh();
        return;
      case 'recovered':
        this.#emit('recovered', msg);
        if (msg.complete === false) {
          this.#warn('history-gap', 'Some events from while this client was disconnected are no longer kept by the gateway: reload the calls from GET /api/calls.');
        }
        return;
      case 'refreshed':
        this.#pendingRefresh = null;
        this.#scheduleRefresh();
        return;
      case 'pong':
        return;
      case 'error': {
        const text = typeof msg.message === 'string' ? msg.message : 'unknown error';
        if (this.#pendingRefresh) {
          this.#token = this.#pendingRefresh.previous; // the old token stays in force
          this.#pendingRefresh = null;
          this.#warn('refresh-refused', `The gateway refused the new token (${text}); the connection ends when the current one expires.`);
        } else {
          this.#warn('server-error', `The gateway answered: ${text}`);
        }
        return;
      }
      default:
        if (msg.id != null) this.#lastEventId = String(msg.id);
        this.#emit('event', msg);
    }
  }

  #scheduleRefresh() {
    clearTimeout(this.#refreshTimer);
    const exp = tokenExpiry(this.#token);
    if (exp == null) return;
    const due = (exp - refreshLeadSeconds(this.#token)) * 1000 - Date.now();
    this.#refreshTimer = setTimeout(() => this.#refresh(), Math.min(MAX_TIMER_MS, Math.max(0, due)));
  }

  async #refresh() {
    const ws = this.#ws;
    const previous = this.#token;
    let fresh;
    try {
      fresh = await this.#getToken();
    } catch (err) {
      fresh = null;
      console.warn('voxgate: getToken failed during refresh', err);
    }
    if (this.#ws !== ws || !ws || ws.readyState !== WebSocket.OPEN) return;
    if (fresh && fresh !== previous) {
      this.#token = fresh;
      this.#pendingRefresh = { previous };
      ws.send(JSON.stringify({ type: 'refresh', token: fresh }));
      return;
    }
    const exp = tokenExpiry(previous);
    const when = exp ? new Date(exp * 1000).toLocaleTimeString() : 'soon';
    this.#warn('token-expiring', `Your token expires at ${when}; sign in with a new token to keep receiving events.`);
  }

  async #onClose(code, reason, opened) {
    const generation = this.#generation;
    clearTimeout(this.#refreshTimer);
    this.#pendingRefresh = null;
    if (!this.#running) return;
    if (this.#subscribedAt && Date.now() - this.#subscribedAt >= this.#backoff.stableMs) this.#attempt = 0;
    this.#subscribedAt = 0;

    if (!opened) {
      const diagnosis = await diagnoseFailedUpgrade(this.#url);
      if (!this.#current(generation)) return;
      if (diagnosis.kind === 'origin') return this.#setState('failed', `Refused: ${lowerFirst(diagnosis.message)}`);
      return this.#retry(diagnosis.message);
    }
    const explanation = explainClose(code, reason, 'live');
    if (code === 1008 && hasReason(reason, 'token expired')) return this.#onTokenExpired(explanation);
    if (code === 1008 && hasReason(reason, 'no subscribe message')) return this.#retry(explanation);
    if (code === 1008 || code === 1009) return this.#setState('failed', explanation);
    this.#retry(explanation);
  }

  async #onTokenExpired(explanation) {
    const generation = this.#generation;
    const used = this.#token;
    this.#expiredCloses += 1;
    let fresh = null;
    try {
      fresh = await this.#getToken();
    } catch (err) {
      console.warn('voxgate: getToken failed after expiry', err);
    }
    if (!this.#current(generation)) return;
    // One retry with a new token; a second expiry in a row means the clocks or the token are wrong.
    if (fresh && fresh !== used && this.#expiredCloses < 2) return this.#connectNow();
    this.#setState('failed', explanation);
  }

  #retry(reason) {
    const { initialMs, maxMs } = this.#backoff;
    const base = Math.min(maxMs, initialMs * 2 ** this.#attempt);
    const delay = Math.round(base / 2 + (Math.random() * base) / 2); // equal jitter spreads a crowd of reconnects
    this.#attempt += 1;
    this.#setState('reconnecting', reason, delay);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }
}
