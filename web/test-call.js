// The test-call page: microphone → gateway bridge → agent, with the agent's audio and transcript back.
import { ApiError, apiJson } from './api.js';
import { setupSignIn } from './signin.js';
import { TestCallConnection } from './test-call-connection.js';
import { TranscriptView } from './transcript-view.js';

const MIC_CONSTRAINTS = { audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true } };
const STATE_WORDS = {
  idle: 'Ready',
  starting: 'Starting…',
  connecting: 'Connecting…',
  live: 'Live',
  ended: 'Ended',
  failed: 'Failed',
};

const $ = (id) => document.getElementById(id);
const el = {
  start: $('start-call'),
  end: $('end-call'),
  state: $('call-state'),
  message: $('call-message'),
  meter: $('mic-level'),
  trackingId: $('tracking-id'),
  bytesSent: $('bytes-sent'),
  bytesReceived: $('bytes-received'),
  framesSent: $('frames-sent'),
  framesReceived: $('frames-received'),
  bufferedMs: $('buffered-ms'),
  underruns: $('underruns'),
  transcript: $('transcript'),
};
const transcript = new TranscriptView(el.transcript);

let call = null; // the call in progress: audio graph, microphone, bridge connection
let signedIn = false;

function say(sentence, kind = 'error') {
  el.message.textContent = sentence;
  el.message.dataset.kind = kind;
}

function setState(state, words = STATE_WORDS[state]) {
  el.state.dataset.state = state;
  el.state.textContent = words;
  const busy = state === 'starting' || state === 'connecting' || state === 'live';
  el.start.disabled = busy || !signedIn;
  el.end.disabled = !(state === 'connecting' || state === 'live') || !call?.conn;
}

function showCount(node, n, attribute) {
  node.textContent = String(n);
  node.dataset[attribute] = String(n);
}

function showStats(stats = { bytesSent: 0, bytesReceived: 0, framesSent: 0, framesReceived: 0 }) {
  showCount(el.bytesSent, stats.bytesSent, 'bytes');
  showCount(el.bytesReceived, stats.bytesReceived, 'bytes');
  showCount(el.framesSent, stats.framesSent, 'count');
  showCount(el.framesReceived, stats.framesReceived, 'count');
}

function showPlayback({ bufferedMs = 0, underruns = 0 } = {}) {
  showCount(el.bufferedMs, bufferedMs, 'ms');
  showCount(el.underruns, underruns, 'count');
}

// What the user can do about a microphone that did not open.
function micProblem(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'Microphone access is blocked for this site. Allow it in the site settings (the icon left of the address bar → Microphone → Allow), then start the call again.';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return "No microphone was found. Connect one (or pick an input device in your system's sound settings), then start the call again.";
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return "The microphone could not be opened: another application may be using it, or the system's privacy settings block the browser. Close the other application or allow the browser, then try again.";
    default:
      return `The microphone could not be opened (${err?.name || 'error'}: ${err?.message || err}).`;
  }
}

// What a refused POST /api/web-voice/start means, in words.
function startProblem(err) {
  if (!(err instanceof ApiError)) return `Starting the call failed: ${err?.message || err}`;
  switch (err.status) {
    case 0:
      return err.message;
    case 401:
      return `The gateway refused your token (${err.message}). Sign in again.`;
    case 400:
      return `The gateway rejected the start request: ${err.message}`;
    case 403:
      return `Refused: this page's origin ${location.origin} may not start calls. The gateway says: ${err.message}`;
    case 502:
      return `The voice provider refused to start the call: ${err.message}`;
    case 503:
      return `The gateway cannot start calls right now: ${err.message}`;
    case 504:
      return `The voice provider did not answer in time (${err.message}). Try again in a moment.`;
    default:
      return `Starting the call failed (HTTP ${err.status}): ${err.message}`;
  }
}

// The bridge URL as a ws(s) URL, whatever form the gateway answered in.
function bridgeUrl(value) {
  const url = new URL(String(value), location.href);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`unexpected bridge URL ${url.href}`);
  return url.href;
}

// Releases the microphone, the worklets and the audio context: the browser's mic indicator goes off.
function teardown(c) {
  if (!c || c.tornDown) return;
  c.tornDown = true;
  c.capture?.port.postMessage({ type: 'stop' });
  c.playback?.port.postMessage({ type: 'stop' });
  c.source?.disconnect();
  c.capture?.disconnect();
  c.playback?.disconnect();
  c.stream?.getTracks().forEach((track) => track.stop());
  c.ctx.close().catch((err) => console.warn('voxgate: closing the audio context failed', err));
  el.meter.value = 0;
  if (call === c) call = null;
}

function fail(c, sentence, state = 'failed') {
  const current = call === c || call === null; // a late close of an earlier call must not touch the page
  teardown(c);
  if (!current) return;
  say(sentence, state === 'failed' ? 'error' : 'info');
  setState(state);
}

function onBridgeMessage(msg) {
  const type = String(msg?.type ?? '');
  if (type === 'transcript' || type.startsWith('transcript[')) {
    transcript.add(msg.role, msg.transcript, msg.transcriptType === 'final');
  }
}

function goLive(c) {
  c.source = c.ctx.createMediaStreamSource(c.stream);
  c.source.connect(c.capture);
  c.capture.connect(c.ctx.destination); // pulls the worklet along; it outputs silence
  c.capture.port.onmessage = ({ data }) => {
    c.conn.sendAudio(data.pcm);
    // dBFS from -60 to 0 onto the meter: raw RMS of speech would barely move it.
    el.meter.value = data.rms > 0 ? Math.max(0, Math.min(1, (20 * Math.log10(data.rms) + 60) / 60)) : 0;
    el.meter.dataset.rms = data.rms.toFixed(4);
    showStats(c.conn.stats);
  };
  say('Live: talk to your agent. (The built-in echo agent plays you back and says what it heard.)', 'info');
  setState('live');
}

async function startCall(c) {
  say('', 'info');
  transcript.clear();
  showStats();
  showPlayback();
  el.trackingId.textContent = '—';
  setState('starting', 'Opening the microphone…');

  if (!navigator.mediaDevices?.getUserMedia) {
    return fail(c, 'This page cannot use the microphone: browsers allow it only on https:// pages or http://localhost. Open the gateway over HTTPS.');
  }
  try {
    c.stream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
  } catch (err) {
    console.warn('voxgate: getUserMedia failed', err?.name, err?.message);
    return fail(c, micProblem(err));
  }
  if (c.tornDown) return teardown(c);

  try {
    await c.ctx.audioWorklet.addModule('/capture-worklet.js');
    await c.ctx.audioWorklet.addModule('/playback-worklet.js');
    c.capture = new AudioWorkletNode(c.ctx, 'capture-processor', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
    c.playback = new AudioWorkletNode(c.ctx, 'playback-processor', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
    c.playback.connect(c.ctx.destination);
    c.playback.port.onmessage = ({ data }) => {
      if (data?.type === 'stats') showPlayback(data);
    };
  } catch (err) {
    console.warn('voxgate: audio worklets failed', err);
    return fail(c, `This browser could not set up audio processing (${err.message}). Use a current Chrome, Firefox or Safari.`);
  }

  setState('starting', 'Starting the call…');
  let started;
  let token;
  try {
    token = await session.getToken();
    started = await apiJson('/api/web-voice/start', { method: 'POST', token, body: {} });
    if (!started?.bridgeWebsocketUrl) throw new Error('the gateway answered without a bridgeWebsocketUrl');
  } catch (err) {
    console.warn('voxgate: starting the call failed', err.message);
    return fail(c, startProblem(err));
  }
  if (c.tornDown) return;
  el.trackingId.textContent = String(started.trackingId ?? '—');
  c.trackingId = started.trackingId;

  let url;
  try {
    url = bridgeUrl(started.bridgeWebsocketUrl);
  } catch (err) {
    return fail(c, `The gateway answered an unusable bridge address: ${err.message}`);
  }
  c.conn = new TestCallConnection({ url, token });
  c.conn.addEventListener('ready', () => goLive(c));
  c.conn.addEventListener('audio', (ev) => {
    c.playback.port.postMessage({ type: 'pcm', buffer: ev.detail }, [ev.detail]);
    showStats(c.conn.stats);
  });
  c.conn.addEventListener('message', (ev) => onBridgeMessage(ev.detail));
  c.conn.addEventListener('close', (ev) => {
    showStats(c.conn.stats);
    fail(c, ev.detail.message, ev.detail.ended ? 'ended' : 'failed');
  });
  setState('connecting', 'Connecting to the agent…');
  c.conn.open();
}

el.start.addEventListener('click', () => {
  if (call) return;
  let ctx;
  try {
    ctx = new AudioContext(); // inside the click: browsers only let a user gesture start audio
  } catch (err) {
    say(`This browser cannot play audio here (${err.message}).`);
    setState('failed');
    return;
  }
  call = { ctx, tornDown: false };
  startCall(call);
});

el.end.addEventListener('click', () => {
  if (!call?.conn) return;
  el.end.disabled = true;
  el.state.textContent = 'Ending the call…';
  // Before ready the bridge may not act on end-call: the REST route ends the session for sure.
  if (!call.conn.ready && call.trackingId) {
    apiJson(`/api/web-voice/${encodeURIComponent(call.trackingId)}/end`, { method: 'POST', token: session.token, body: {} })
      .catch((err) => console.warn('voxgate: ending the call at the gateway failed', err.message));
  }
  call.conn.endCall();
});

// Leaving the page ends the call cleanly instead of as "browser-disconnected".
addEventListener('pagehide', () => call?.conn?.endCall());

const session = setupSignIn({
  onChange({ token, cause }) {
    if (cause === 'refresh') return;
    signedIn = Boolean(token);
    if (!token && call) {
      call.conn?.endCall();
      fail(call, 'You signed out, so the call was ended.', 'ended');
    } else if (!token) {
      say('Sign in to start a test call.', 'info');
    } else if (el.message.textContent === 'Sign in to start a test call.') {
      say('', 'info');
    }
    setState(el.state.dataset.state || 'idle');
  },
});
