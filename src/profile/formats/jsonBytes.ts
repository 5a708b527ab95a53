/**
 * JSON read as bytes, without a string of the whole file (V8's strings end near 512 MB): the
 * keys of a top-level object, to tell formats apart without parsing them, and the elements of a
 * trace's event array one by one, from chunks, so that a trace of any size is read in the memory
 * of its largest event. Only what a reader keeps is parsed (`JSON.parse` of one event); the rest
 * is walked through, brackets and strings counted.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Past a byte-order mark and whitespace: the first byte's position (length when none). */
export function firstByte(bytes: Uint8Array): number {
  let p = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (p < bytes.length && isSpace(bytes[p])) p++;
  return p;
}

/**
 * The keys of the top-level object, in order, until `enough` says the format is known (the rest
 * is not walked). Undefined when the bytes are not an object or end in it.
 */
export function topKeys(bytes: Uint8Array, enough: (key: string) => boolean): string[] | undefined {
  let p = firstByte(bytes);
  if (bytes[p] !== OPEN_OBJECT) return undefined;
  p++;
  const keys: string[] = [];
  const decoder = new TextDecoder();
  for (;;) {
    while (p < bytes.length && (isSpace(bytes[p]) || bytes[p] === 0x2c)) p++;
    if (p >= bytes.length) return undefined;
    if (bytes[p] === CLOSE_OBJECT) return keys;
    if (bytes[p] !== QUOTE) return undefined;
    const end = stringEnd(bytes, p);
    if (end < 0) return undefined;
    let key: string;
    try {
      key = JSON.parse(decoder.decode(bytes.subarray(p, end)));
    } catch {
      return undefined;
    }
    keys.push(key);
    if (enough(key)) return keys;
    p = end;
    while (p < bytes.length && isSpace(bytes[p])) p++;
    if (bytes[p] !== COLON) return undefined;
    p = valueEnd(bytes, p + 1);
    if (p < 0) return undefined;
  }
}

/** The position after the string that opens at `p` (a quote), or -1 at the end of the bytes. */
function stringEnd(bytes: Uint8Array, p: number): number {
  for (let i = p + 1; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/** The position after the value at `p` (brackets and strings counted, nothing checked), or -1. */
function valueEnd(bytes: Uint8Array, p: number): number {
  while (p < bytes.length && isSpace(bytes[p])) p++;
  let depth = 0;
  for (let i = p; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      i = stringEnd(bytes, i) - 1;
      if (i < 0) return -1;
      if (depth === 0) return i + 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth === 0) return i; // a scalar ended by its container
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && (c === 0x2c || isSpace(c))) return i;
  }
  return depth === 0 ? bytes.length : -1;
}

/**
 * The objects of a trace's event array, from its bytes in chunks: a bare array (`[{…},{…}`, the
 * closing bracket optional, as Chrome's format allows) or an object's `traceEvents` array. Each
 * event goes to `onEvent` as its bytes (a view valid during the call) and its index.
 */
export class TraceEventSplitter {
  /** Nesting depth before the next byte. */
  #depth = 0;
  #inString = false;
  #escape = false;
  /** 'array': a bare array; 'object': events are in the `traceEvents` value; undefined: not yet known. */
  #top: 'array' | 'object' | undefined;
  /** The depth at which an event's `{` opens; 0 until the events' array is entered. */
  #eventDepth = 0;
  /** A top-level key being read (its bytes), and the last one read. */
  #key: number[] | undefined;
  #lastKey = '';
  /** The bytes of an event that began in an earlier chunk. */
  #held: Uint8Array[] = [];
  #eventStart = -1;
  #count = 0;
  #sawEvents = false;
  #started = false;

  constructor(private readonly onEvent: (bytes: Uint8Array, index: number) => void) {}

  /** Whether an event array was found. */
  get sawEvents(): boolean {
    return this.#sawEvents;
  }

  get count(): number {
    return this.#count;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    if (!this.#started) {
      i = firstByte(chunk);
      if (i >= chunk.length) return;
      this.#started = true;
      const c = chunk[i];
      if (c === OPEN_ARRAY) this.#top = 'array';
      else if (c === OPEN_OBJECT) this.#top = 'object';
      else throw new SyntaxError('a trace is a JSON array or object');
    }
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escape;
    const eventDepth = () => (this.#top === 'array' ? 1 : this.#eventDepth);
    for (; i < chunk.length; i++) {
      const c = chunk[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) {
          inString = false;
          if (this.#key) {
            this.#lastKey = new TextDecoder().decode(Uint8Array.from(this.#key));
            this.#key = undefined;
          }
        } else if (this.#key && this.#key.length < 64) this.#key.push(c);
        continue;
      }
      if (c === QUOTE) {
        inString = true;
        // A string at depth 1 of the object: a key (or a value, read and forgotten alike).
        if (this.#top === 'object' && depth === 1) this.#key = [];
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (
          c === OPEN_ARRAY &&
          this.#top === 'object' &&
          depth === 1 &&
          this.#lastKey === 'traceEvents'
        ) {
          this.#eventDepth = 2;
          this.#sawEvents = true;
        }
        if (c === OPEN_OBJECT && depth === eventDepth() && depth > 0) this.#eventStart = i;
        depth++;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (depth < 0) throw new SyntaxError('a closing bracket that closes nothing');
        if (c === CLOSE_OBJECT && depth === eventDepth() && depth > 0) this.#emit(chunk, i + 1);
        if (c === CLOSE_ARRAY && this.#top === 'object' && depth === 1 && this.#eventDepth === 2)
          this.#eventDepth = -1; // the events' array closed
      }
    }
    if (this.#top === 'array') this.#sawEvents = true;
    if (this.#eventStart >= 0) {
      this.#held.push(chunk.slice(this.#eventStart));
      this.#eventStart = 0;
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escape = escaped;
  }

  #emit(chunk: Uint8Array, end: number): void {
    let bytes: Uint8Array;
    if (this.#held.length > 0) {
      const parts = [...this.#held, chunk.subarray(0, end)];
      bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
      let at = 0;
      for (const part of parts) {
        bytes.set(part, at);
        at += part.length;
      }
      this.#held = [];
    } else bytes = chunk.subarray(this.#eventStart, end);
    this.#eventStart = -1;
    this.onEvent(bytes, this.#count++);
  }

  /** At the end of the input: throws when it ends inside an event (a truncated file). */
  end(): void {
    if (this.#held.length > 0 || this.#inString)
      throw new SyntaxError(`the input ends inside event ${this.#count}`);
    // A bare array may stay open (Chrome's format allows it); an object must close.
    if (this.#top === 'object' && this.#depth !== 0)
      throw new SyntaxError('the input ends inside the trace');
  }
}
