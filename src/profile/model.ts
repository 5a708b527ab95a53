/**
 * The profile model: self and total time per function, self time per source line, the merged
 * call tree and the share of each category. A pure function of a checked `CpuProfile`.
 *
 * Time rule (as Chrome DevTools): sample i lasts until sample i+1; the last one until
 * `endTime`. The profile's duration is the sum of those spans, so self times per function, per
 * line (with the categories that have no line) and per category each add up to it exactly.
 */
import { FLAME_CATEGORIES, type FlameCategory } from '../protocol/flame';
import type { CpuProfile } from './cpuprofile';
import { isPacked, type PackedProfile, packProfile } from './packedProfile';
import { TupleIds } from './tupleIds';

/** Whose code a frame is: the protocol's categories, shared with the flamegraph. */
export type Category = FlameCategory;

export const CATEGORIES: readonly Category[] = FLAME_CATEGORIES;

/** A function: one (url, name, line, column). */
export interface FunctionStats {
  /** Index in `ProfileModel.functions`. */
  id: number;
  name: string;
  url: string;
  /** 1-based line and column of the function's start in `url`; 0 when unknown. */
  line: number;
  column: number;
  category: Category;
  /** For `node_modules`: the package, such as `fastify` or `@scope/name`. */
  packageName?: string;
  selfUs: number;
  /** Time with the function on the stack, recursion counted once. */
  totalUs: number;
}

/** Self time of one function on one line of one script. */
export interface LineStats {
  url: string;
  /** 1-based; 0 for time of a function the profile gives no line ticks for. */
  line: number;
  selfUs: number;
  /** The function the time was sampled in. */
  functionId: number;
}

/** A node of the call tree, merged by function along each path. */
export interface CallTreeNode {
  functionId: number;
  selfUs: number;
  totalUs: number;
  /** Heaviest first. */
  children: CallTreeNode[];
}

/**
 * A model's figures and its merged tree: what an analysis keeps of it (the analysis has its own
 * functions and lines, in the original sources).
 */
export interface ModelSummary {
  durationUs: number;
  sampleCount: number;
  /** Mean time between samples, from the time deltas (the interval asked for is not what you get). */
  meanIntervalUs: number;
  categories: Record<Category, number>;
  /**
   * The file had weighted stacks and no times (a pprof): durations are sums of weights, and
   * there is no window, no interval, nothing in time to show (views say so).
   */
  noTimeline?: true;
  /** The merged call tree, flat; made when first read (only the flamegraph needs it). */
  readonly frames: MergedFrames;
  /** The same tree as objects; the root's `functionId` is the (root) function. */
  readonly tree: CallTreeNode;
}

export interface ProfileModel extends ModelSummary {
  functions: FunctionStats[];
  /** Only lines of scripts with a URL; V8's own entries appear in `categories`. */
  lines: LineStats[];
}

/**
 * A summary as plain data, to cross to another thread: no getters (a structured clone would
 * call them), the tree only as columns, whose buffers can be transferred.
 */
export type PlainSummary = Omit<ModelSummary, 'frames' | 'tree'> & { frames: MergedFrames };

export function plainSummary(model: ModelSummary): PlainSummary {
  const { durationUs, sampleCount, meanIntervalUs, categories, frames, noTimeline } = model;
  return {
    durationUs,
    sampleCount,
    meanIntervalUs,
    categories,
    frames,
    ...(noTimeline ? { noTimeline } : {}),
  };
}

/** A plain summary as a model's summary again: the tree of objects made on first use. */
export function summaryOf(plain: PlainSummary): ModelSummary {
  let tree: CallTreeNode | undefined;
  return {
    ...plain,
    get tree() {
      tree ??= treeOf(plain.frames);
      return tree;
    },
  };
}

/**
 * The merged call tree as columns: frames in pre-order, each frame's children heaviest first;
 * frame 0 is the root. What the flamegraph draws, without an object per frame.
 */
export interface MergedFrames {
  fn: Int32Array;
  /** -1 for the root. */
  parent: Int32Array;
  self: Float64Array;
  total: Float64Array;
}

const META: Record<string, Category> = {
  '(root)': 'root',
  '(program)': 'program',
  '(idle)': 'idle',
  '(garbage collector)': 'gc',
};

/** The category of a script URL (or an original source path) and a function name. */
export function categorize(url: string, name = ''): { category: Category; packageName?: string } {
  // A thread's frame, above its tree, when several threads are read as one (formats/threads.ts).
  if (url === '') return { category: META[name] ?? (name.startsWith('(thread ') ? 'root' : 'v8') };
  // The agent's bundle, or its sources once mapped.
  if (/[\\/]dist[\\/]agent\.js$|[\\/]src[\\/]runner[\\/]agent[\\/]/.test(url)) {
    return { category: 'hotpath' };
  }
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    const packageName =
      rest[0]?.startsWith('@') && rest.length > 1 ? `${rest[0]}/${rest[1]}` : rest[0];
    return packageName ? { category: 'node_modules', packageName } : { category: 'node_modules' };
  }
  // Node's own modules: `node:internal/…` today, `internal/…` and bare `events.js` before Node 16.
  if (url.startsWith('node:') || url.startsWith('internal/') || /^[\w.-]+\.js$/.test(url)) {
    return { category: 'node' };
  }
  return { category: 'user' };
}

export function buildModel(input: CpuProfile | PackedProfile): ProfileModel {
  const profile = isPacked(input) ? input : packProfile(input);
  // Each step is its own function: a few hot loops each, which V8 optimises one by one.
  const spans = sampleSpans(profile);
  const { functions, functionOf } = functionsOf(profile);
  functionTimes(profile, functions, functionOf, spans.selfUs);
  const { lines, categories } = linesOf(profile, functions, functionOf, spans.selfUs);
  const count = profile.samples.length;
  let frames: MergedFrames | undefined;
  let tree: CallTreeNode | undefined;
  return {
    durationUs: spans.durationUs,
    sampleCount: count,
    meanIntervalUs:
      count > 1 && !profile.noTimeline ? (spans.lastTime - spans.firstTime) / (count - 1) : 0,
    ...(profile.noTimeline ? { noTimeline: true as const } : {}),
    functions,
    lines,
    categories,
    // Only the flamegraph and the comparison read the tree: made on first use, then kept.
    get frames() {
      frames ??= mergedFrames(profile, functionOf, functions.length, spans.selfUs);
      return frames;
    },
    get tree() {
      tree ??= treeOf(this.frames);
      return tree;
    },
  };
}

/** Self time per node: sample i lasts until sample i+1, the last one until the end. */
export function sampleSpans(profile: PackedProfile): {
  selfUs: Float64Array;
  durationUs: number;
  firstTime: number;
  lastTime: number;
} {
  const selfUs = new Float64Array(profile.nodeCount);
  const { samples, timeDeltas, endTime } = profile;
  const count = samples.length;
  let durationUs = 0;
  let firstTime = profile.startTime;
  let lastTime = profile.startTime;
  if (count > 0) {
    let time = profile.startTime + timeDeltas[0];
    firstTime = time;
    for (let i = 0; i < count; i++) {
      const end = i + 1 < count ? time + timeDeltas[i + 1] : Math.max(endTime, time);
      const span = Math.max(0, end - time);
      selfUs[samples[i]] += span;
      durationUs += span;
      lastTime = time;
      time = end;
    }
  }
  return { selfUs, durationUs, firstTime, lastTime };
}

/** Functions: one per (script, name, line, column), all numbers by now. */
export function functionsOf(profile: PackedProfile): {
  functions: FunctionStats[];
  functionOf: Int32Array;
} {
  const n = profile.nodeCount;
  const { urls, urlOf, names, nameOf, lineNumber, columnNumber } = profile;
  const functions: FunctionStats[] = [];
  const functionOf = new Int32Array(n);
  const ids = new TupleIds(n);
  for (let i = 0; i < n; i++) {
    const id = ids.id(urlOf[i], nameOf[i], lineNumber[i], columnNumber[i]);
    functionOf[i] = id;
    if (id < functions.length) continue;
    const url = urls[urlOf[i]];
    const name = names[nameOf[i]];
    const { category, packageName } = categorize(url, name);
    functions.push({
      id,
      name: name || '(anonymous)',
      url,
      line: lineNumber[i] + 1,
      column: columnNumber[i] + 1,
      category,
      ...(packageName ? { packageName } : {}),
      selfUs: 0,
      totalUs: 0,
    });
  }
  return { functions, functionOf };
}

/** Self and total time per function; a function's total counts recursion once. */
function functionTimes(
  profile: PackedProfile,
  functions: FunctionStats[],
  functionOf: Int32Array,
  selfUs: Float64Array,
): void {
  const n = profile.nodeCount;
  const { childStart, childList } = profile;
  const fnSelf = new Float64Array(functions.length);
  for (let i = 0; i < n; i++) fnSelf[functionOf[i]] += selfUs[i];

  // Totals per node, children before parents, without recursion (trees may be very deep).
  const totalUs = Float64Array.from(selfUs);
  const order = new Int32Array(n);
  const parent = new Int32Array(n).fill(-1);
  const stack = new Int32Array(2 * n + 1);
  let top = 0;
  let k = 0;
  stack[top++] = 0;
  while (top > 0) {
    const i = stack[--top];
    order[k++] = i;
    for (let c = childStart[i]; c < childStart[i + 1]; c++) {
      parent[childList[c]] = i;
      stack[top++] = childList[c];
    }
  }
  for (let j = n - 1; j > 0; j--) totalUs[parent[order[j]]] += totalUs[order[j]];

  // A function's total is the sum over its outermost nodes: those with no ancestor of the same
  // function. The stack holds i to enter node i and ~i (negative) to leave it.
  const fnTotal = new Float64Array(functions.length);
  const onPath = new Int32Array(functions.length);
  top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const entry = stack[--top];
    if (entry < 0) {
      onPath[functionOf[~entry]]--;
      continue;
    }
    const fn = functionOf[entry];
    if (onPath[fn] === 0) fnTotal[fn] += totalUs[entry];
    onPath[fn]++;
    stack[top++] = ~entry;
    for (let c = childStart[entry]; c < childStart[entry + 1]; c++) stack[top++] = childList[c];
  }
  for (let f = 0; f < functions.length; f++) {
    functions[f].selfUs = fnSelf[f];
    functions[f].totalUs = fnTotal[f];
  }
}

/** Self time per (script, line), from each node's position ticks; and per category. */
function linesOf(
  profile: PackedProfile,
  functions: FunctionStats[],
  functionOf: Int32Array,
  selfUs: Float64Array,
): { lines: LineStats[]; categories: Record<Category, number> } {
  const { urls, urlOf, tickStart, tickLine, tickCount } = profile;
  // Per line and function: two functions on one generated line (a minified build, a file tsx
  // runs as one line) keep their own time, for the analysis to tell them apart.
  const ids = new TupleIds(1024);
  const lineUs: number[] = [];
  const add = (url: number, line: number, us: number, fn: number) => {
    const id = ids.id(url, line, fn);
    if (id === lineUs.length) lineUs.push(us);
    else lineUs[id] += us;
  };
  const categoryUs = new Float64Array(CATEGORIES.length);
  const categoryOf = functions.map((f) => CATEGORIES.indexOf(f.category));
  for (let i = 0; i < profile.nodeCount; i++) {
    const us = selfUs[i];
    const fn = functions[functionOf[i]];
    categoryUs[categoryOf[fn.id]] += us;
    if (us === 0 || fn.url === '') continue;
    let tickSum = 0;
    let last = -1;
    for (let k = tickStart[i]; k < tickStart[i + 1]; k++) {
      if (tickCount[k] > 0 && tickLine[k] > 0) {
        tickSum += tickCount[k];
        last = k;
      }
    }
    if (tickSum === 0) {
      // No line ticks (an old profile): the function's, on no line (0), never its declaration.
      add(urlOf[i], 0, us, fn.id);
      continue;
    }
    let given = 0;
    for (let k = tickStart[i]; k <= last; k++) {
      if (tickCount[k] <= 0 || tickLine[k] <= 0) continue;
      // The last share takes the rounding remainder, so that the node's time is kept exactly.
      const share = k === last ? us - given : (us * tickCount[k]) / tickSum;
      given += share;
      add(urlOf[i], tickLine[k], share, fn.id);
    }
  }
  const lines: LineStats[] = new Array(lineUs.length);
  for (let id = 0; id < lineUs.length; id++) {
    lines[id] = {
      url: urls[ids.part(id, 0)],
      line: ids.part(id, 1),
      selfUs: lineUs[id],
      functionId: ids.part(id, 2),
    };
  }
  const categories = Object.fromEntries(CATEGORIES.map((c, i) => [c, categoryUs[i]])) as Record<
    Category,
    number
  >;
  return { lines, categories };
}

/**
 * The call tree with siblings of the same function merged (V8 splits them by call line). A
 * merged frame is a (merged parent, function) pair, numbered as first met in a walk from the
 * root, so parents come before their children; siblings are found by walking a short list, by a
 * Map for the rare frame with many children. Then totals, children heaviest first, pre-order.
 */
function mergedFrames(
  profile: PackedProfile,
  functionOf: Int32Array,
  functionCount: number,
  selfUs: Float64Array,
): MergedFrames {
  const { nodeCount: n, childStart, childList } = profile;
  // At most one merged frame per node.
  const fn = new Int32Array(n);
  const parent = new Int32Array(n);
  const self = new Float64Array(n);
  const firstChild = new Int32Array(n).fill(-1);
  const nextSibling = new Int32Array(n).fill(-1);
  const childCount = new Int32Array(n);
  const wide = new Map<number, number>();
  const mergedOf = new Int32Array(n);
  fn[0] = functionOf[0];
  parent[0] = -1;
  self[0] = selfUs[0];
  let count = 1;
  const stack = new Int32Array(n);
  let top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const i = stack[--top];
    const m = mergedOf[i];
    for (let k = childStart[i]; k < childStart[i + 1]; k++) {
      const c = childList[k];
      const f = functionOf[c];
      let id = -1;
      if (childCount[m] > 16) id = wide.get(m * functionCount + f) ?? -1;
      else
        for (let s = firstChild[m]; s >= 0 && id < 0; s = nextSibling[s]) if (fn[s] === f) id = s;
      if (id < 0) {
        id = count++;
        fn[id] = f;
        parent[id] = m;
        nextSibling[id] = firstChild[m];
        firstChild[m] = id;
        if (++childCount[m] === 17) {
          for (let s = firstChild[m]; s >= 0; s = nextSibling[s])
            wide.set(m * functionCount + fn[s], s);
        } else if (childCount[m] > 17) wide.set(m * functionCount + f, id);
      }
      self[id] += selfUs[c];
      mergedOf[c] = id;
      stack[top++] = c;
    }
  }
  const total = self.slice(0, count);
  for (let id = count - 1; id > 0; id--) total[parent[id]] += total[id];

  // Children of each frame in a row, heaviest first (the first met first among equals).
  const start = new Int32Array(count + 1);
  for (let id = 1; id < count; id++) start[parent[id] + 1]++;
  for (let id = 0; id < count; id++) start[id + 1] += start[id];
  const children = new Int32Array(Math.max(0, count - 1));
  const fill = start.slice(0, count);
  for (let id = 1; id < count; id++) children[fill[parent[id]]++] = id;
  for (let id = 0; id < count; id++) {
    if (start[id + 1] - start[id] > 1) {
      children.subarray(start[id], start[id + 1]).sort((a, b) => total[b] - total[a] || a - b);
    }
  }

  // Pre-order.
  const out: MergedFrames = {
    fn: new Int32Array(count),
    parent: new Int32Array(count),
    self: new Float64Array(count),
    total: new Float64Array(count),
  };
  const position = new Int32Array(count);
  let k = 0;
  top = 0;
  stack[top++] = 0;
  while (top > 0) {
    const id = stack[--top];
    position[id] = k;
    out.fn[k] = fn[id];
    out.parent[k] = id === 0 ? -1 : position[parent[id]];
    out.self[k] = self[id];
    out.total[k] = total[id];
    k++;
    // Pushed in reverse, so that the heaviest child comes out first.
    for (let c = start[id + 1] - 1; c >= start[id]; c--) stack[top++] = children[c];
  }
  return out;
}

/** The flat tree as objects: a frame's children are in pre-order, heaviest first already. */
function treeOf(frames: MergedFrames): CallTreeNode {
  const nodes: CallTreeNode[] = new Array(frames.fn.length);
  for (let k = 0; k < nodes.length; k++) {
    nodes[k] = {
      functionId: frames.fn[k],
      selfUs: frames.self[k],
      totalUs: frames.total[k],
      children: [],
    };
    if (k > 0) nodes[frames.parent[k]].children.push(nodes[k]);
  }
  return nodes[0];
}

/** The nodes of a tree, each before its children, without recursion (trees may be very deep). */
export function preOrder<T extends { children: T[] }>(root: T): T[] {
  const order: T[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop() as T;
    order.push(node);
    for (const child of node.children) stack.push(child);
  }
  return order;
}
