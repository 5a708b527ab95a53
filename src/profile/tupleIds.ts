/**
 * Numbers for tuples of numbers: the same (a, b, c, d), the same id, in the order first seen.
 * An open-addressing table over typed arrays: for the model's hundreds of thousands of nodes,
 * where nested Maps spend their time hashing and allocating. Pure.
 */
export class TupleIds {
  /** The tuples, four numbers each, by id. */
  #tuples: Float64Array;
  /** Slot -> id + 1; 0 is free. */
  #slots: Int32Array;
  #hashes: Int32Array;
  size = 0;

  /** @param expected how many tuples to make room for at once (more still fit). */
  constructor(expected = 256) {
    const room = Math.max(16, expected);
    this.#tuples = new Float64Array(4 * room);
    this.#hashes = new Int32Array(room);
    this.#slots = new Int32Array(2 ** Math.ceil(Math.log2(2 * room + 1)));
  }

  /** The id of (a, b, c, d), made when new. */
  id(a: number, b: number, c = 0, d = 0): number {
    const hash = finish(mix(mix(mix(mix(0x2545f491, a), b), c), d));
    const mask = this.#slots.length - 1;
    const tuples = this.#tuples;
    let slot = hash & mask;
    for (;;) {
      const id = this.#slots[slot] - 1;
      if (id < 0) break;
      const at = 4 * id;
      if (
        this.#hashes[id] === hash &&
        tuples[at] === a &&
        tuples[at + 1] === b &&
        tuples[at + 2] === c &&
        tuples[at + 3] === d
      ) {
        return id;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.size++;
    if (4 * this.size > this.#tuples.length) {
      const tuplesBigger = new Float64Array(this.#tuples.length * 2);
      tuplesBigger.set(this.#tuples);
      this.#tuples = tuplesBigger;
      const hashesBigger = new Int32Array(this.#hashes.length * 2);
      hashesBigger.set(this.#hashes);
      this.#hashes = hashesBigger;
    }
    const at = 4 * id;
    this.#tuples[at] = a;
    this.#tuples[at + 1] = b;
    this.#tuples[at + 2] = c;
    this.#tuples[at + 3] = d;
    this.#hashes[id] = hash;
    this.#slots[slot] = id + 1;
    if (2 * this.size > this.#slots.length) this.#rehash();
    return id;
  }

  /** The i-th number (0..3) of the tuple with this id. */
  part(id: number, i: number): number {
    return this.#tuples[4 * id + i];
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.#hashes[id] & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.#slots = slots;
  }
}

/** One number into a 32-bit hash (murmur3's mixing); any double, also beyond 32 bits. */
function mix(hash: number, value: number): number {
  let k = (value | 0) === value ? value : (value | 0) ^ Math.floor(value / 4294967296);
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  const h = hash ^ k;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

/** murmur3's finaliser: every input bit moves the low bits, which pick the slot. */
function finish(hash: number): number {
  let h = hash ^ (hash >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
