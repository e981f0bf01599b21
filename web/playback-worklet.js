// AudioWorklet: the agent's PCM s16le 16 kHz chunks → speakers at the context's rate, through a jitter buffer.
// Port in: {type:'pcm', buffer: ArrayBuffer} (transferred), {type:'stop'}.
// Port out, every 250 ms: {type:'stats', bufferedMs, underruns, droppedMs, playing}.

const SOURCE_RATE = 16000;
const START_SAMPLES = SOURCE_RATE * 0.07; // 70 ms buffered before playing absorbs network jitter
const MAX_SAMPLES = SOURCE_RATE * 0.4; // beyond 400 ms queued the oldest audio goes: latency stays bounded
const STATS_EVERY_SECONDS = 0.25;

class PlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.chunks = []; // Float32Array chunks at 16 kHz
    this.head = 0; // read offset into chunks[0]
    this.queued = 0; // samples available from head on
    this.frac = 0; // position between the current sample and the next, 0..1
    this.step = SOURCE_RATE / sampleRate; // source samples per output sample
    this.playing = false;
    this.underruns = 0;
    this.dropped = 0;
    this.running = true;
    this.nextStats = 0;
    this.port.onmessage = (ev) => this.receive(ev.data);
  }

  receive(msg) {
    if (msg?.type === 'stop') {
      this.running = false;
      return;
    }
    if (msg?.type !== 'pcm' || !(msg.buffer instanceof ArrayBuffer)) return;
    const view = new DataView(msg.buffer);
    const samples = new Float32Array(msg.buffer.byteLength >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
    if (samples.length === 0) return;
    this.chunks.push(samples);
    this.queued += samples.length;
    while (this.queued > MAX_SAMPLES) this.advance(Math.min(this.queued - MAX_SAMPLES, this.chunks[0].length - this.head), true);
  }

  // Moves the read position n samples forward (n never crosses the head chunk).
  advance(n, dropping = false) {
    this.head += n;
    this.queued -= n;
    if (dropping) this.dropped += n;
    if (this.head >= this.chunks[0].length) {
      this.chunks.shift();
      this.head = 0;
    }
  }

  // Sample k positions after the read head (k is 0 or 1).
  peek(k) {
    const first = this.chunks[0];
    const at = this.head + k;
    return at < first.length ? first[at] : this.chunks[1][at - first.length];
  }

  process(_inputs, outputs) {
    if (!this.running) return false;
    const out = outputs[0];
    const left = out[0];
    for (let i = 0; i < left.length; i++) {
      if (!this.playing && this.queued >= START_SAMPLES) this.playing = true;
      if (!this.playing || this.queued < 2) {
        // Underrun: silence, then wait for the buffer to refill rather than stutter sample by sample.
        if (this.playing) this.underruns += 1;
        this.playing = false;
        left[i] = 0;
        continue;
      }
      const a = this.peek(0);
      left[i] = a + (this.peek(1) - a) * this.frac; // linear interpolation 16 kHz → context rate
      this.frac += this.step;
      while (this.frac >= 1 && this.queued > 0) {
        this.frac -= 1;
        this.advance(1);
      }
    }
    for (let c = 1; c < out.length; c++) out[c].set(left);
    if (currentTime >= this.nextStats) {
      this.nextStats = currentTime + STATS_EVERY_SECONDS;
      this.port.postMessage({
        type: 'stats',
        bufferedMs: Math.round((this.queued / SOURCE_RATE) * 1000),
        underruns: this.underruns,
        droppedMs: Math.round((this.dropped / SOURCE_RATE) * 1000),
        playing: this.playing,
      });
    }
    return true;
  }
}

registerProcessor('playback-processor', PlaybackProcessor);
