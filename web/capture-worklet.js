// AudioWorklet: microphone at the context's rate → 20 ms frames of PCM s16le mono 16 kHz for the bridge.
// Posts {pcm: ArrayBuffer(640 bytes), rms: 0..1} per frame, the buffer transferred (no copy).

const TARGET_RATE = 16000;
const FRAME_SAMPLES = 320; // 20 ms at 16 kHz, the pacing Vapi prefers

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / TARGET_RATE; // input samples per output sample, e.g. 3 or 2.75625
    this.acc = 0; // weighted sum of the input covering the output sample in progress
    this.covered = 0; // how much input (in samples, fractional) that sum already covers
    this.frame = new Float32Array(FRAME_SAMPLES);
    this.filled = 0;
    this.running = true;
    this.port.onmessage = (ev) => {
      if (ev.data?.type === 'stop') this.running = false;
    };
  }

  // Box-filter decimation: each output sample is the mean of exactly `ratio` input samples,
  // fractional edges weighted, which low-passes enough for speech and works for 44.1 kHz too.
  push(x) {
    let remaining = 1;
    while (this.covered + remaining >= this.ratio) {
      const take = this.ratio - this.covered;
      this.acc += x * take;
      this.emit(this.acc / this.ratio);
      remaining -= take;
      this.acc = 0;
      this.covered = 0;
    }
    this.acc += x * remaining;
    this.covered += remaining;
  }

  emit(sample) {
    this.frame[this.filled++] = sample;
    if (this.filled < FRAME_SAMPLES) return;
    const pcm = new ArrayBuffer(FRAME_SAMPLES * 2);
    const view = new DataView(pcm);
    let squares = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const s = Math.max(-1, Math.min(1, this.frame[i]));
      squares += s * s;
      view.setInt16(i * 2, Math.round(s * 32767), true); // little-endian whatever the CPU
    }
    this.filled = 0;
    this.port.postMessage({ pcm, rms: Math.sqrt(squares / FRAME_SAMPLES) }, [pcm]);
  }

  process(inputs) {
    const channels = inputs[0];
    if (!this.running) return false;
    if (!channels || channels.length === 0) return true; // no input connected yet
    const n = channels[0].length;
    for (let i = 0; i < n; i++) {
      let x = channels[0][i];
      // A stereo microphone is averaged down to mono.
      for (let c = 1; c < channels.length; c++) x += channels[c][i];
      this.push(channels.length > 1 ? x / channels.length : x);
    }
    return true;
  }
}

registerProcessor('capture-processor', CaptureProcessor);
