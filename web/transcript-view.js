// A live transcript in a list element: one partial line per speaker, updated in place, then made final.

const SPEAKER_LABEL = { agent: 'Agent', customer: 'Caller', other: 'Other' };

// Provider roles (assistant/user) and gateway speakers (agent/customer) onto one vocabulary.
export function normalizeSpeaker(value) {
  const s = String(value ?? '').toLowerCase();
  if (s === 'agent' || s === 'assistant' || s === 'bot') return 'agent';
  if (s === 'customer' || s === 'user' || s === 'caller') return 'customer';
  return 'other';
}

export class TranscriptView {
  #list;
  #partials = new Map(); // speaker → the line element still being spoken

  constructor(listElement) {
    this.#list = listElement;
  }

  get isEmpty() {
    return this.#list.childElementCount === 0;
  }

  // A transcript line; a partial replaces that speaker's previous partial, a final settles it.
  add(speakerValue, text, isFinal) {
    const speaker = normalizeSpeaker(speakerValue);
    const follow = this.#atEnd();
    const line = this.#partials.get(speaker) || this.#newLine(speaker);
    line.querySelector('.text').textContent = String(text ?? '');
    this.#settle(line, speaker, isFinal, follow);
  }

  // A transcript_delta: words appended to the speaker's line in progress.
  appendDelta(speakerValue, text) {
    const speaker = normalizeSpeaker(speakerValue);
    const follow = this.#atEnd();
    const line = this.#partials.get(speaker) || this.#newLine(speaker);
    line.querySelector('.text').textContent += String(text ?? '');
    this.#settle(line, speaker, false, follow);
  }

  clear() {
    this.#partials.clear();
    this.#list.replaceChildren();
  }

  #settle(line, speaker, isFinal, follow) {
    line.dataset.final = isFinal ? 'true' : 'false';
    line.classList.toggle('partial', !isFinal);
    if (isFinal) this.#partials.delete(speaker);
    else this.#partials.set(speaker, line);
    // Follow the conversation unless the reader scrolled up to read earlier lines.
    if (follow) this.#list.scrollTop = this.#list.scrollHeight;
  }

  #newLine(speaker) {
    const line = document.createElement('li');
    line.className = `line speaker-${speaker}`;
    line.dataset.speaker = speaker;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = SPEAKER_LABEL[speaker];
    const text = document.createElement('span');
    text.className = 'text';
    line.append(who, text);
    this.#list.append(line);
    return line;
  }

  #atEnd() {
    const l = this.#list;
    return l.scrollHeight - l.scrollTop - l.clientHeight < 24;
  }
}
