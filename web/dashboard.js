// The live-calls dashboard: sign-in, the /ws/live-calls subscription, live cards and the history.
import { LiveCallsClient, lowerFirst } from './client.js';
import { HistoryView } from './history-view.js';
import { LiveCallsView } from './live-calls-view.js';
import { setupSignIn } from './signin.js';

const HISTORY_REFRESH_DELAY_MS = 1500; // lets the webhook's record land before re-reading the history

const $ = (id) => document.getElementById(id);
const connection = $('connection');
const warning = $('live-warning');

const live = new LiveCallsView({
  list: $('live-calls'),
  empty: $('live-empty'),
  others: $('other-events'),
  othersCount: $('other-events-count'),
});

let session = null; // set by setupSignIn below; the views only ask it once signed in
const history = new HistoryView({
  table: $('history'),
  empty: $('history-empty'),
  more: $('history-more'),
  refresh: $('history-refresh'),
  message: $('history-message'),
  detail: $('call-detail'),
  getToken: () => session.getToken(),
});

let countdown = 0;
function showConnection({ state, reason, retryInMs }) {
  clearInterval(countdown);
  connection.dataset.state = state;
  const words = connection;
  switch (state) {
    case 'connecting':
      words.textContent = 'Connecting…';
      break;
    case 'connected':
      words.textContent = 'Connected';
      break;
    case 'reconnecting': {
      const until = Date.now() + retryInMs;
      const tick = () => {
        const seconds = Math.max(0, Math.ceil((until - Date.now()) / 1000));
        words.textContent = `Reconnecting in ${seconds} s: ${lowerFirst(reason)}`;
      };
      tick();
      countdown = setInterval(tick, 1000);
      break;
    }
    case 'failed':
      words.textContent = reason || 'Connection failed.';
      break;
    default:
      words.textContent = 'Not connected: sign in to see live calls.';
  }
}

function showWarning(sentence) {
  warning.textContent = sentence;
  warning.hidden = !sentence;
}

let historyTimer = 0;
function refreshHistorySoon() {
  clearTimeout(historyTimer);
  historyTimer = setTimeout(() => history.reload(), HISTORY_REFRESH_DELAY_MS);
}

let client = null;
function connect(getToken) {
  client = new LiveCallsClient({ getToken });
  client.addEventListener('state', (ev) => showConnection(ev.detail));
  client.addEventListener('warning', (ev) => {
    const { kind, message } = ev.detail;
    showWarning(kind === 'history-gap' ? 'Some events from while this page was disconnected are no longer kept by the gateway; the call history below was reloaded.' : message);
  });
  client.addEventListener('subscribed', () => showWarning(''));
  client.addEventListener('event', (ev) => {
    live.handle(ev.detail);
    if (ev.detail.type === 'call_ended') refreshHistorySoon();
  });
  client.addEventListener('recovered', (ev) => {
    if (ev.detail.complete === false) history.reload(); // the stream alone is no longer the full story
  });
  client.start();
}

function disconnect() {
  if (client) client.stop();
  client = null;
  clearTimeout(historyTimer);
}

session = setupSignIn({
  onChange({ token, cause }) {
    if (cause === 'refresh') return; // the live client picks the new token up itself
    disconnect();
    live.clear();
    showWarning('');
    if (!token) {
      history.signedOut();
      showConnection({ state: 'stopped', reason: '', retryInMs: 0 });
      return;
    }
    connect(session.getToken);
    history.signedIn();
  },
});
