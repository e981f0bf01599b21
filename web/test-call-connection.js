// The browser side of one test call's bridge socket (protocol section 5): auth, ready, PCM both ways.
import { closeQuietly, diagnoseFailedUpgrade, explainClose, lowerFirst } from './client.js';

const MAX_BUFFERED_BYTES = 256 * 1024; // ~8 s of audio: beyond it the network is not keeping up
const END_GRACE_MS = 3000; // how long the gateway gets to close after end-call before we close ourselves

// Events: 'open', 'ready', 'audio' (detail: ArrayBuffer of PCM s16le 16 kHz), 'message' (detail: parsed JSON),
// 'close' (detail: {code, reason, opened, ended, message, diagnosis}).
export class TestCallConnection extends EventTarget {
  #url;
  #token;
  #ws = null;
  #opened = false;
  #ready = false;
  #ending = false; // end-call sent: audio after it would reach a call that is over
  #endTimer = 0;
  stats = { bytesSent: 0, bytesReceived: 0, framesSent: 0, framesReceived: 0, framesDropped: 0 };

  constructor({ url, token }) {
    super();
    this.#url = url;
    this.#token = token;
  }

  get ready() {
    return this.#ready;
  }

  open() {
    const ws = new WebSocket(this.#url);
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    ws.onopen = () => {
      this.#opened = true;
      ws.send(JSON.stringify({ type: 'auth', token: this.#token }));
      this.#emit('open');
    };
    ws.onmessage = (ev) => this.#onMessage(ev.data);
    ws.onclose = (ev) => this.#onClose(ev.code, ev.reason);
  }

  // One frame of microphone audio; dropped (and counted) when the socket is backed up.
  sendAudio(buffer) {
    const ws = this.#ws;
    if (!this.#ready || this.#ending || !ws || ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.stats.framesDropped += 1;
      return false;
    }
    ws.send(buffer);
    this.stats.bytesSent += buffer.byteLength;
    this.stats.framesSent += 1;
    return true;
  }

  // Asks the gateway to end the call; it closes with 1000 "Session ended".
  endCall() {
    const ws = this.#ws;
    if (!ws) return;
    if (ws.readyState !== WebSocket.OPEN) {
      this.close();
      this.#emit('close', { code: 1000, reason: '', opened: this.#opened, ended: true, message: 'The call was cancelled before it connected.', diagnosis: null });
      return;
    }
    this.#ending = true;
    ws.send(JSON.stringify({ type: 'end-call' }));
    clearTimeout(this.#endTimer);
    this.#endTimer = setTimeout(() => ws.close(1000, 'Session ended'), END_GRACE_MS);
  }

  // Drops the socket without a 'close' event: the caller already knows why.
  close() {
    clearTimeout(this.#endTimer);
    const ws = this.#ws;
    this.#ws = null;
    this.#ready = false;
    if (ws) closeQuietly(ws, 'Session ended');
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #onMessage(data) {
    if (data instanceof ArrayBuffer) {
      this.stats.bytesReceived += data.byteLength;
      this.stats.framesReceived += 1;
      this.#emit('audio', data);
      return;
    }
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      console.warn('voxgate: the bridge sent a text frame that is not JSON; ignored');
      return;
    }
    if (msg?.type === 'ready' && !this.#ready) {
      this.#ready = true;
      this.#emit('ready', msg);
      return;
    }
    this.#emit('message', msg);
  }

  async #onClose(code, reason) {
    clearTimeout(this.#endTimer);
    this.#ws = null;
    this.#ready = false;
    let diagnosis = null;
    let message;
    if (!this.#opened) {
      diagnosis = await diagnoseFailedUpgrade(this.#url);
      message = diagnosis.kind === 'origin' ? `Refused: ${lowerFirst(diagnosis.message)}` : diagnosis.message;
    } else {
      message = explainClose(code, reason, 'bridge');
    }
    // A normal end, or another tab took the call over: neither is a failure of this page.
    const ended = this.#opened && (code === 1000 || /new client attached/i.test(reason));
    this.#emit('close', { code, reason, opened: this.#opened, ended, message, diagnosis });
  }
}
