/**
 * Reading a `.cpuprofile` from its bytes. The modern flat format (what `node:inspector`, `node
 * --cpu-prof` and Chrome DevTools write) is scanned straight into a `PackedProfile`: no string
 * of the whole file, no object per node or per sample, so a profile of hundreds of MB is read
 * in about the time `JSON.parse` takes and a fraction of its memory.
 *
 * The scanner accepts only what it can prove valid: strict JSON, every field of the type the
 * checked parser requires. Anything else (an error, the old nested format, `timestamps`
 * instead of `timeDeltas`, ids beyond 32 bits) goes to `parseProfile`, which reads it or names
 * what is wrong. So both ways in give the same result or the same `ProfileError`. Pure.
 */
import { finiteTimes, NodeIndex, parseProfile, timeOrder } from './cpuprofile';
import { type PackedProfile, packProfile } from './packedProfile';

/** A profile from a file's bytes: scanned when it can be, else parsed and checked. */
export function readProfile(bytes: Uint8Array): PackedProfile {
  return scanProfile(bytes) ?? packProfile(parseProfile(new TextDecoder().decode(bytes)));
}

/** Thrown inside the scanner when the input is not something it reads; never escapes. */
const GIVE_UP = Symbol('give up');

function giveUp(): never {
  throw GIVE_UP;
}

/**
 * The profile, or undefined when the bytes are not a valid modern-format profile the scanner
 * reads (then `parseProfile` decides). Exported for the tests that hold the two ways equal.
 */
export function scanProfile(bytes: Uint8Array): PackedProfile | undefined {
  try {
    return scan(bytes);
  } catch (error) {
    // A nesting too deep for the stack is left to JSON.parse, which has none.
    if (error === GIVE_UP || error instanceof RangeError) return undefined;
    throw error;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

const isDigit = (c: number) => c >= ZERO && c <= NINE;

const NO_INTS = new Int32Array(0);
const NO_DOUBLES = new Float64Array(0);

const keys = (...names: string[]) => names.map((name) => new TextEncoder().encode(name));
const TOP_KEYS = keys(
  'nodes',
  'startTime',
  'endTime',
  'samples',
  'timeDeltas',
  'head',
  'timestamps',
);
const NODE_KEYS = keys('id', 'callFrame', 'children', 'positionTicks');
const FRAME_KEYS = keys('functionName', 'url', 'lineNumber', 'columnNumber');
const TICK_KEYS = keys('line', 'ticks');
const LITERALS = keys('true', 'false', 'null');

/** A growing Int32Array. (Two classes, not one generic: each store stays of one kind, fast.) */
class Ints {
  length = 0;
  constructor(public data = new Int32Array(1024)) {}

  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }

  grow(): void {
    const bigger = new Int32Array(Math.max(1024, this.data.length * 2));
    bigger.set(this.data);
    this.data = bigger;
  }

  /** The values (a view: no copy of a large column). */
  done(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

/** A growing Float64Array. */
class Doubles {
  length = 0;
  constructor(public data = new Float64Array(1024)) {}

  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }

  grow(): void {
    const bigger = new Float64Array(Math.max(1024, this.data.length * 2));
    bigger.set(this.data);
    this.data = bigger;
  }

  done(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  /** Integers read so far, as doubles: for the first value an Int32Array cannot hold. */
  static from(ints: Ints): Doubles {
    const doubles = new Doubles(new Float64Array(ints.data.length));
    doubles.data.set(ints.done());
    doubles.length = ints.length;
    return doubles;
  }
}

/**
 * Distinct texts of one kind (URLs, names) in first-seen order, found by the scanner's string
 * numbers: a typed lookup per node instead of a Map.
 */
class Distinct {
  readonly list: string[] = [];
  /** String number + 1 -> position in `list`, or -1. */
  #at = new Int32Array(1024).fill(-1);
  #empty = -1;

  /** The position of string `string` (-1: none, the same as ""). */
  of(string: number, strings: string[]): number {
    const key = string + 1;
    if (key >= this.#at.length) {
      const bigger = new Int32Array(Math.max(2 * this.#at.length, key + 1)).fill(-1);
      bigger.set(this.#at);
      this.#at = bigger;
    }
    let at = this.#at[key];
    if (at < 0) {
      const text = string < 0 ? '' : strings[string];
      if (text === '' && this.#empty >= 0) at = this.#empty;
      else {
        at = this.list.push(text) - 1;
        if (text === '') this.#empty = at;
      }
      this.#at[key] = at;
    }
    return at;
  }
}

class Scanner {
  p = 0;
  /** The last string's content: bytes [start, end). */
  start = 0;
  end = 0;
  /** Whether the last string had escapes, or bytes beyond ASCII. */
  escaped = false;
  ascii = true;
  /** A hash of the last string's bytes. */
  hash = 0;
  readonly decoder = new TextDecoder();
  /** Strings seen, each decoded once: URLs and names repeat on every node of their script. */
  readonly strings: string[] = [];
  readonly #byText = new Map<string, number>();
  /** Open addressing by the bytes' hash: slot -> entry + 1; an entry is a run of bytes and its string. */
  #slots = new Int32Array(4096);
  readonly #entryStart = new Ints();
  readonly #entryEnd = new Ints();
  readonly #entryHash = new Ints();
  readonly #entryString = new Ints();

  constructor(readonly b: Uint8Array) {}

  /** Skips whitespace; the next byte, or -1 at the end. */
  next(): number {
    const b = this.b;
    let p = this.p;
    while (p < b.length) {
      const c = b[p];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.p = p;
    return p < b.length ? b[p] : -1;
  }

  expect(c: number): void {
    if (this.next() !== c) giveUp();
    this.p++;
  }

  /** After a value in a container: true for a comma (more follow), false at `close`. */
  more(close: number): boolean {
    const c = this.next();
    this.p++;
    if (c === COMMA) return true;
    if (c !== close) giveUp();
    return false;
  }

  /** At `open`: true when the container is empty (and moves past it). */
  opens(open: number, close: number): boolean {
    this.expect(open);
    if (this.next() !== close) return false;
    this.p++;
    return true;
  }

  /** A string, strictly; its bytes are noted, nothing is decoded. */
  string(): void {
    if (this.next() !== QUOTE) giveUp();
    const b = this.b;
    let p = this.p + 1;
    const start = p;
    let escaped = false;
    let high = 0;
    let hash = 0;
    for (;;) {
      if (p >= b.length) giveUp();
      const c = b[p];
      if (c === QUOTE) break;
      if (c < 0x20) giveUp();
      if (c === BACKSLASH) {
        escaped = true;
        const e = b[p + 1];
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) {
            const h = b[p + k] | 0x20;
            if (!((h >= ZERO && h <= NINE) || (h >= 0x61 && h <= 0x66))) giveUp();
          }
          p += 6;
        } else if (
          e === QUOTE ||
          e === BACKSLASH ||
          e === 0x2f ||
          e === 0x62 ||
          e === 0x66 ||
          e === 0x6e ||
          e === 0x72 ||
          e === 0x74
        ) {
          p += 2;
        } else giveUp();
        continue;
      }
      high |= c;
      hash = (Math.imul(hash, 31) + c) | 0;
      p++;
    }
    this.start = start;
    this.end = p;
    this.escaped = escaped;
    this.ascii = high < 0x80;
    this.hash = hash;
    this.p = p + 1;
  }

  /** The last string's number in `strings`: the same text, the same number. */
  intern(): number {
    if (this.escaped) return this.#byTextOf(this.text());
    const { b, start, end, hash } = this;
    const mask = this.#slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const entry = this.#slots[slot] - 1;
      if (entry < 0) break;
      if (this.#entryHash.data[entry] === hash) {
        const at = this.#entryStart.data[entry];
        if (this.#entryEnd.data[entry] - at === end - start) {
          const length = end - start;
          let i = 0;
          while (i < length && b[at + i] === b[start + i]) i++;
          if (i === length) return this.#entryString.data[entry];
        }
      }
      slot = (slot + 1) & mask;
    }
    const id = this.#byTextOf(this.text());
    const entry = this.#entryStart.length;
    this.#entryStart.push(start);
    this.#entryEnd.push(end);
    this.#entryHash.push(hash);
    this.#entryString.push(id);
    this.#slots[slot] = entry + 1;
    if (2 * (entry + 1) > this.#slots.length) this.#rehash();
    return id;
  }

  #byTextOf(text: string): number {
    let id = this.#byText.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.#byText.set(text, id);
    }
    return id;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let entry = 0; entry < this.#entryHash.length; entry++) {
      let slot = this.#entryHash.data[entry] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.#slots = slots;
  }

  /** The last string, decoded. */
  text(): string {
    const { b, start, end } = this;
    if (this.escaped) return JSON.parse(this.decoder.decode(b.subarray(start - 1, end + 1)));
    if (this.ascii && end - start < 256) {
      return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
    }
    return this.decoder.decode(b.subarray(start, end));
  }

  /** A key and its colon: its index in `known`, or -1 for one to skip. */
  key(known: Uint8Array[]): number {
    if (this.next() !== QUOTE) giveUp();
    // Keys are short and plain: found without the hashing and decoding that values need. A
    // key with an escape or a control character is left to the parser.
    const b = this.b;
    const start = this.p + 1;
    let p = start;
    for (;;) {
      const c = b[p];
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 0x20 || p >= b.length) giveUp();
      p++;
    }
    this.p = p + 1;
    this.expect(COLON);
    const length = p - start;
    for (let k = 0; k < known.length; k++) {
      const name = known[k];
      if (name.length !== length || name[0] !== b[start]) continue;
      let i = 1;
      while (i < length && b[start + i] === name[i]) i++;
      if (i === length) return k;
    }
    return -1;
  }

  /** A JSON number, strictly. */
  number(): number {
    const b = this.b;
    let p = this.p;
    const start = p;
    if (b[p] === MINUS) p++;
    let c = b[p];
    let value = 0;
    let exact = true;
    if (c === ZERO) {
      c = b[++p];
    } else if (c > ZERO && c <= NINE) {
      const first = p;
      while (c >= ZERO && c <= NINE) {
        // Kept a small integer (no boxed double per number); longer ones are read as text.
        value = (value * 10 + (c - ZERO)) | 0;
        c = b[++p];
      }
      if (p - first > 9) exact = false;
    } else giveUp();
    if (c === DOT) {
      c = b[++p];
      if (!isDigit(c)) giveUp();
      while (isDigit(c)) c = b[++p];
      exact = false;
    }
    if (c === LOWER_E || c === UPPER_E) {
      c = b[++p];
      if (c === PLUS || c === MINUS) c = b[++p];
      if (!isDigit(c)) giveUp();
      while (isDigit(c)) c = b[++p];
      exact = false;
    }
    this.p = p;
    if (!exact) {
      return Number(String.fromCharCode.apply(null, b.subarray(start, p) as unknown as number[]));
    }
    return b[start] === MINUS ? -value : value;
  }

  /** A number that fits a 32-bit integer. */
  int(): number {
    if (this.next() === -1) giveUp();
    const n = this.number();
    if ((n | 0) !== n) giveUp();
    return n;
  }

  /** A whole number that a double holds exactly. */
  safeInt(): number {
    if (this.next() === -1) giveUp();
    const n = this.number();
    if (!Number.isSafeInteger(n)) giveUp();
    return n;
  }

  finite(): number {
    if (this.next() === -1) giveUp();
    const n = this.number();
    if (!Number.isFinite(n)) giveUp();
    return n;
  }

  /**
   * An array of numbers: 32-bit integers into an integer column, any finite number into a
   * double or a widening one. The loop of the big arrays (samples, deltas): plain integers are
   * read in place, anything else by `number`.
   */
  numbers<T extends Ints | Doubles>(into: T): T;
  numbers(into: Ints, widens: true): Ints | Doubles;
  numbers(into: Ints | Doubles, widens = false): Ints | Doubles {
    if (this.opens(OPEN_ARRAY, CLOSE_ARRAY)) return into;
    const b = this.b;
    let p = this.p;
    // One of the two; each store is of one kind.
    let ints = into instanceof Ints ? into : undefined;
    let doubles = into instanceof Doubles ? into : undefined;
    let intData = ints?.data ?? NO_INTS;
    let doubleData = doubles?.data ?? NO_DOUBLES;
    let length = into.length;
    for (;;) {
      let c = b[p];
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
      const start = p;
      let value = 0;
      if (c === MINUS) c = b[++p];
      const digits = p;
      if (c > ZERO && c <= NINE) {
        do {
          value = value * 10 + (c - ZERO);
          c = b[++p];
        } while (c >= ZERO && c <= NINE);
      } else if (c === ZERO) c = b[++p];
      if (p === digits || p - digits > 15 || c === DOT || c === LOWER_E || c === UPPER_E) {
        // Not a plain integer: the full grammar (or give up).
        this.p = start;
        value = this.number();
        p = this.p;
        c = b[p];
      } else if (b[start] === MINUS) value = -value;
      if (ints && (value | 0) !== value) {
        if (!widens || !Number.isFinite(value)) giveUp();
        ints.length = length;
        doubles = Doubles.from(ints);
        doubleData = doubles.data;
        ints = undefined;
      }
      if (ints) {
        if (length === intData.length) {
          ints.grow();
          intData = ints.data;
        }
        intData[length++] = value;
      } else if (doubles) {
        if (!Number.isFinite(value)) giveUp();
        if (length === doubleData.length) {
          doubles.grow();
          doubleData = doubles.data;
        }
        doubleData[length++] = value;
      }
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++p];
      p++;
      if (c === COMMA) continue;
      if (c !== CLOSE_ARRAY) giveUp();
      break;
    }
    this.p = p;
    const column = ints ?? (doubles as Doubles);
    column.length = length;
    return column;
  }

  /** Any value, checked as strictly as JSON.parse would. */
  skip(): void {
    const c = this.next();
    if (c === QUOTE) this.string();
    else if (c === OPEN_OBJECT) {
      if (this.opens(OPEN_OBJECT, CLOSE_OBJECT)) return;
      do {
        this.string();
        this.expect(COLON);
        this.skip();
      } while (this.more(CLOSE_OBJECT));
    } else if (c === OPEN_ARRAY) {
      if (this.opens(OPEN_ARRAY, CLOSE_ARRAY)) return;
      do this.skip();
      while (this.more(CLOSE_ARRAY));
    } else if (c === MINUS || isDigit(c)) this.number();
    else {
      for (const literal of LITERALS) {
        if (literal[0] !== c) continue;
        for (let i = 0; i < literal.length; i++) if (this.b[this.p + i] !== literal[i]) giveUp();
        this.p += literal.length;
        return;
      }
      giveUp();
    }
  }
}

/** Marks a key as seen; a key seen twice gives up (JSON.parse would keep the last). */
function once(seen: number, k: number): number {
  if (k < 0) return seen;
  if (seen & (1 << k)) giveUp();
  return seen | (1 << k);
}

function scan(bytes: Uint8Array): PackedProfile {
  const s = new Scanner(bytes);
  // A byte-order mark, as TextDecoder drops it.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) s.p = 3;

  const ids = new Ints();
  const urls = new Distinct();
  const urlOf = new Ints();
  const names = new Distinct();
  const nameOf = new Ints();
  const lineNumber = new Doubles();
  const columnNumber = new Doubles();
  const childCount = new Ints();
  const childIds = new Ints();
  const tickCount = new Ints();
  const tickLine = new Doubles();
  const tickTicks = new Doubles();
  // Whichever of samples and deltas comes second is as long as the first.
  let sampleIds = new Ints();
  let deltas: Ints | Doubles = new Ints();
  let startTime = Number.NaN;
  let endTime = Number.NaN;
  let seenTop = 0;

  const readNode = () => {
    let seen = 0;
    let frames = 0;
    let children = 0;
    let ticks = 0;
    if (!s.opens(OPEN_OBJECT, CLOSE_OBJECT)) {
      do {
        const k = s.key(NODE_KEYS);
        seen = once(seen, k);
        if (k === 0) ids.push(s.int());
        else if (k === 1) {
          frames++;
          readFrame();
        } else if (k === 2) {
          const before = childIds.length;
          children = s.numbers(childIds).length - before;
        } else if (k === 3) ticks = readTicks();
        else s.skip();
      } while (s.more(CLOSE_OBJECT));
    }
    // An id and a call frame are required; the checked parser names what is missing.
    if (!(seen & 1) || frames !== 1) giveUp();
    childCount.push(children);
    tickCount.push(ticks);
  };

  const readFrame = () => {
    let seen = 0;
    // The name and URL as their numbers among the strings; -1 for none.
    let name = -1;
    let url = -1;
    let line = -1;
    let column = -1;
    if (!s.opens(OPEN_OBJECT, CLOSE_OBJECT)) {
      do {
        const k = s.key(FRAME_KEYS);
        seen = once(seen, k);
        if (k === 0) {
          s.string();
          name = s.intern();
        } else if (k === 1) {
          s.string();
          url = s.intern();
        } else if (k === 2) line = s.safeInt();
        else if (k === 3) column = s.safeInt();
        else s.skip();
      } while (s.more(CLOSE_OBJECT));
    }
    urlOf.push(urls.of(url, s.strings));
    nameOf.push(names.of(name, s.strings));
    lineNumber.push(line);
    columnNumber.push(column);
  };

  const readTicks = (): number => {
    if (s.opens(OPEN_ARRAY, CLOSE_ARRAY)) return 0;
    let count = 0;
    do {
      let seen = 0;
      if (!s.opens(OPEN_OBJECT, CLOSE_OBJECT)) {
        do {
          const k = s.key(TICK_KEYS);
          seen = once(seen, k);
          if (k === 0) tickLine.push(s.safeInt());
          else if (k === 1) {
            const t = s.safeInt();
            if (t < 0) giveUp();
            tickTicks.push(t);
          } else s.skip();
        } while (s.more(CLOSE_OBJECT));
      }
      if (seen !== 3) giveUp();
      count++;
    } while (s.more(CLOSE_ARRAY));
    return count;
  };

  if (!s.opens(OPEN_OBJECT, CLOSE_OBJECT)) {
    do {
      const k = s.key(TOP_KEYS);
      seenTop = once(seenTop, k);
      if (k === 0) {
        if (!s.opens(OPEN_ARRAY, CLOSE_ARRAY)) {
          do readNode();
          while (s.more(CLOSE_ARRAY));
        }
      } else if (k === 1) startTime = s.finite();
      else if (k === 2) endTime = s.finite();
      else if (k === 3) {
        sampleIds = s.numbers(new Ints(new Int32Array(Math.max(deltas.length, 1 << 16))));
      } else if (k === 4) {
        deltas = s.numbers(new Ints(new Int32Array(Math.max(sampleIds.length, 1 << 16))), true);
      } else if (k >= 5)
        giveUp(); // the old format, or timestamps: the checked parser converts
      else s.skip();
    } while (s.more(CLOSE_OBJECT));
  }
  if (s.next() !== -1) giveUp();

  // What the checked parser requires.
  const n = ids.length;
  // The checked parser says what is wrong with these (and a duration that is not finite).
  if (n === 0 || !(seenTop & 1) || !(endTime >= startTime) || !Number.isFinite(endTime - startTime))
    giveUp();
  if (deltas.length !== sampleIds.length || (!(seenTop & 16) && sampleIds.length > 0)) giveUp();
  const idList = ids.done();
  const index = new NodeIndex(idList);
  for (let i = 0; i < n; i++) if (index.get(idList[i]) !== i) giveUp();

  const childStart = new Int32Array(n + 1);
  const counts = childCount.data;
  for (let i = 0; i < n; i++) childStart[i + 1] = childStart[i] + counts[i];
  const childList = childIds.done();
  const parent = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let c = childStart[i]; c < childStart[i + 1]; c++) {
      const at = index.get(childList[c]);
      if (at < 0 || at === i || parent[at] !== -1) giveUp();
      parent[at] = i;
      childList[c] = at;
    }
  }
  // One root, first, that reaches every node (with one parent each, a cycle is unreached).
  if (parent[0] !== -1) giveUp();
  for (let i = 1; i < n; i++) if (parent[i] === -1) giveUp();
  const stack = new Int32Array(n);
  let top = 0;
  let reached = 0;
  stack[top++] = 0;
  while (top > 0) {
    const i = stack[--top];
    reached++;
    for (let c = childStart[i]; c < childStart[i + 1]; c++) stack[top++] = childList[c];
  }
  if (reached !== n) giveUp();

  const tickStart = new Int32Array(n + 1);
  const perNode = tickCount.data;
  for (let i = 0; i < n; i++) tickStart[i + 1] = tickStart[i] + perNode[i];

  let samples = sampleIds.done();
  for (let i = 0; i < samples.length; i++) {
    const at = index.get(samples[i]);
    if (at < 0) giveUp();
    samples[i] = at;
  }
  let timeDeltas: Int32Array | Float64Array = deltas.done();
  if (!finiteTimes(timeDeltas, startTime)) giveUp();
  const sorted = timeOrder(timeDeltas, startTime);
  if (sorted) {
    const before = samples;
    samples = new Int32Array(before.length);
    for (let k = 0; k < samples.length; k++) samples[k] = before[sorted.order[k]];
    timeDeltas = sorted.timeDeltas;
  }

  return {
    packed: true,
    startTime,
    endTime,
    nodeCount: n,
    urls: urls.list,
    urlOf: urlOf.done(),
    names: names.list,
    nameOf: nameOf.done(),
    lineNumber: lineNumber.done(),
    columnNumber: columnNumber.done(),
    childStart,
    childList,
    tickStart,
    tickLine: tickLine.done(),
    tickCount: tickTicks.done(),
    samples,
    timeDeltas,
  };
}
