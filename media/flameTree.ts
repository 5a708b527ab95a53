/**
 * The flamegraph's tree as the page reads it: each frame's children, its width (idle left out on
 * request), its name, place and figures in words, and the frames that match a search.
 */
import type { FlameCategory, FlameData } from '../src/protocol/flame';

const CATEGORY_LABELS: Record<FlameCategory, string> = {
  user: 'your code',
  node_modules: 'package',
  node: 'Node.js',
  v8: 'V8',
  program: 'V8 (program)',
  idle: 'idle',
  gc: 'garbage collector',
  root: 'root',
  hotpath: 'Hotpath agent',
};

function formatAmount(value: number, unit: FlameData['unit']): string {
  if (unit === 'share') return `${(value * 100).toFixed(1)} %`;
  if (unit === 'bytes' || unit === 'bytes-per-request') {
    const per = unit === 'bytes-per-request' ? ' per request' : '';
    if (value >= 2 ** 30) return `${(value / 2 ** 30).toFixed(1)} GB${per}`;
    if (value >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MB${per}`;
    if (value >= 2 ** 10) return `${(value / 2 ** 10).toFixed(0)} KB${per}`;
    return `${value.toFixed(0)} B${per}`;
  }
  const suffix = unit === 'us-per-request' ? ' per request' : '';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} s${suffix}`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} ms${suffix}`;
  return `${value.toFixed(0)} µs${suffix}`;
}

export class FlameTree {
  readonly frames: FlameData['frames'];
  readonly functions: FlameData['functions'];
  readonly count: number;
  readonly children: number[][];
  readonly rootTotal: number;
  /** In a comparison, idle is left out of the widths (what waited is not what worked). */
  hideIdle = false;
  /** Each frame's idle time, its own and its callees' (frames are in pre-order: children after). */
  #idleUnder: Float64Array | undefined;

  constructor(readonly data: FlameData) {
    const { frames, functions } = data;
    this.frames = frames;
    this.functions = functions;
    this.count = frames.fn.length;
    this.children = Array.from({ length: this.count }, () => []);
    for (let i = 1; i < this.count; i++) this.children[frames.parent[i]].push(i);
    this.rootTotal = frames.total[0] || 1;
  }

  widthOf(frame: number): number {
    const { frames, functions, count } = this;
    if (!this.hideIdle) return frames.total[frame];
    if (!this.#idleUnder) {
      const idleUnder = new Float64Array(count);
      for (let i = count - 1; i >= 0; i--) {
        if (functions.categories[frames.fn[i]] === 'idle') idleUnder[i] = frames.total[i];
        const parent = frames.parent[i];
        if (parent >= 0) idleUnder[parent] += idleUnder[i];
      }
      this.#idleUnder = idleUnder;
    }
    return Math.max(0, frames.total[frame] - this.#idleUnder[frame]);
  }

  labelOf(frame: number): string {
    return this.functions.names[this.frames.fn[frame]] || '(anonymous)';
  }

  locationOf(frame: number): string {
    const { functions } = this;
    const fn = this.frames.fn[frame];
    const file = functions.shown?.[fn] || functions.files[fn];
    return file ? `${file}:${functions.lines[fn]}` : CATEGORY_LABELS[functions.categories[fn]];
  }

  /** A frame in lines of words: its name, place, self and total time, and in a comparison the change. */
  describe(frame: number): string[] {
    const { frames, data, rootTotal } = this;
    const self = frames.self[frame];
    const total = frames.total[frame];
    const lines = [
      this.labelOf(frame),
      this.locationOf(frame),
      `self ${formatAmount(self, data.unit)} (${((self / rootTotal) * 100).toFixed(1)} %)`,
      `total ${formatAmount(total, data.unit)} (${((total / rootTotal) * 100).toFixed(1)} %)`,
    ];
    if (data.mode === 'diff' && frames.before) {
      lines.push(
        `before ${formatAmount(frames.before[frame], data.unit)} → after ${formatAmount(total, data.unit)}`,
      );
    }
    return lines;
  }

  /** The source of a frame's function, when it has a file. */
  sourceOf(frame: number): { file: string; line: number } | undefined {
    const fn = this.frames.fn[frame];
    const file = this.functions.files[fn];
    return file ? { file, line: this.functions.lines[fn] } : undefined;
  }

  /** The heaviest frame of a function by name (and file, when given); -1 when none. */
  heaviest(name: string, file?: string): number {
    const { frames, functions } = this;
    let best = -1;
    for (let i = 0; i < this.count; i++) {
      const fn = frames.fn[i];
      if (functions.names[fn] !== name || (file !== undefined && functions.files[fn] !== file))
        continue;
      if (best < 0 || frames.total[i] > frames.total[best]) best = i;
    }
    return best;
  }

  /**
   * The frames whose function or file contains `needle` (lower case, not empty), and the share
   * of the time that matches: frames that match, counted once where a matching frame calls another.
   */
  match(needle: string): { matched: Uint8Array; share: number } {
    const { frames, functions, count } = this;
    const hit = new Uint8Array(functions.names.length);
    functions.names.forEach((name, fn) => {
      if (
        name.toLowerCase().includes(needle) ||
        (functions.shown?.[fn] ?? functions.files[fn]).toLowerCase().includes(needle)
      )
        hit[fn] = 1;
    });
    const matched = new Uint8Array(count);
    let matchedTotal = 0;
    const covered = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      const parent = frames.parent[i];
      const inside = parent >= 0 && (covered[parent] === 1 || matched[parent] === 1);
      if (hit[frames.fn[i]]) {
        matched[i] = 1;
        if (!inside) matchedTotal += frames.total[i];
      }
      covered[i] = inside || matched[i] === 1 ? 1 : 0;
    }
    return { matched, share: matchedTotal / this.rootTotal };
  }
}
