/**
 * The profile model: self and total time per function, self time per source line, the merged
 * call tree and the share of each category. A pure function of a checked `CpuProfile`.
 *
 * Time rule (as Chrome DevTools): sample i lasts until sample i+1; the last one until
 * `endTime`. The profile's duration is the sum of those spans, so self times per function, per
 * line (with the categories that have no line) and per category each add up to it exactly.
 */
import type { FlameCategory } from '../protocol/flame';
import { type CpuProfile, NodeIndex } from './cpuprofile';

/** Whose code a frame is: the protocol's categories, shared with the flamegraph. */
export type Category = FlameCategory;

export const CATEGORIES: readonly Category[] = [
  'user',
  'node_modules',
  'node',
  'v8',
  'program',
  'idle',
  'gc',
  'root',
  'hotpath',
];

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

/** Self time of one line of one script. */
export interface LineStats {
  url: string;
  /** 1-based. */
  line: number;
  selfUs: number;
  /** The function the time was sampled in (most time, when several share the line). */
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

export interface ProfileModel {
  durationUs: number;
  sampleCount: number;
  /** Mean time between samples, from the time deltas (the interval asked for is not what you get). */
  meanIntervalUs: number;
  functions: FunctionStats[];
  /** Only lines of scripts with a URL; V8's own entries appear in `categories`. */
  lines: LineStats[];
  categories: Record<Category, number>;
  /** The root's `functionId` is the (root) function. */
  tree: CallTreeNode;
}

const META: Record<string, Category> = {
  '(root)': 'root',
  '(program)': 'program',
  '(idle)': 'idle',
  '(garbage collector)': 'gc',
};

/** The category of a script URL (or an original source path) and a function name. */
export function categorize(url: string, name = ''): { category: Category; packageName?: string } {
  if (url === '') return { category: META[name] ?? 'v8' };
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

export function buildModel(profile: CpuProfile): ProfileModel {
  const { nodes } = profile;
  const n = nodes.length;
  const index = new NodeIndex(nodes.map((node) => node.id));
  // Children as positions, resolved once (compressed rows): every walk below reads these.
  const childStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) childStart[i + 1] = childStart[i] + nodes[i].children.length;
  const childList = new Int32Array(childStart[n]);
  for (let i = 0, k = 0; i < n; i++) {
    const children = nodes[i].children;
    for (let c = 0; c < children.length; c++) childList[k++] = index.get(children[c]);
  }

  // Sample spans.
  const selfUs = new Float64Array(n);
  const count = profile.samples.length;
  const { samples, timeDeltas } = profile;
  let durationUs = 0;
  let firstTime = profile.startTime;
  let lastTime = profile.startTime;
  if (count > 0) {
    let time = profile.startTime + timeDeltas[0];
    firstTime = time;
    for (let i = 0; i < count; i++) {
      const end = i + 1 < count ? time + timeDeltas[i + 1] : Math.max(profile.endTime, time);
      const span = Math.max(0, end - time);
      selfUs[index.get(samples[i])] += span;
      durationUs += span;
      lastTime = time;
      time = end;
    }
  }

  // Functions: keyed by url, then by position, then by name; the long url is hashed once and
  // nothing is concatenated per node.
  const functions: FunctionStats[] = [];
  const functionOf = new Int32Array(n);
  const byUrl = new Map<string, Map<number, Map<string, number>>>();
  for (let i = 0; i < n; i++) {
    const frame = nodes[i].callFrame;
    let inScript = byUrl.get(frame.url);
    if (!inScript) {
      inScript = new Map();
      byUrl.set(frame.url, inScript);
    }
    // One number per (line, column); where two positions share it (columns of 2^22 and more),
    // the check below tells them apart.
    const position = frame.lineNumber * 4_194_304 + (frame.columnNumber % 4_194_304);
    let byName = inScript.get(position);
    if (!byName) {
      byName = new Map();
      inScript.set(position, byName);
    }
    let id = byName.get(frame.functionName);
    if (
      id === undefined ||
      functions[id].line !== frame.lineNumber + 1 ||
      functions[id].column !== frame.columnNumber + 1
    ) {
      id = functions.length;
      byName.set(frame.functionName, id);
      const { category, packageName } = categorize(frame.url, frame.functionName);
      functions.push({
        id,
        name: frame.functionName || '(anonymous)',
        url: frame.url,
        line: frame.lineNumber + 1,
        column: frame.columnNumber + 1,
        category,
        ...(packageName ? { packageName } : {}),
        selfUs: 0,
        totalUs: 0,
      });
    }
    functionOf[i] = id;
  }
  const fnSelf = new Float64Array(functions.length);
  for (let i = 0; i < n; i++) fnSelf[functionOf[i]] += selfUs[i];

  // Totals per node (post-order) and per function (recursion once), iteratively.
  const totalUs = Float64Array.from(selfUs);
  const order = new Int32Array(n);
  const parent = new Int32Array(n).fill(-1);
  const stack = new Int32Array(2 * n + 1);
  {
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
  }
  const fnTotal = new Float64Array(functions.length);
  {
    // A function's total is the sum over its outermost nodes: those with no ancestor of the same function.
    // The stack holds i to enter node i and ~i (negative) to leave it.
    const onPath = new Int32Array(functions.length);
    let top = 0;
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
  }
  for (let f = 0; f < functions.length; f++) {
    functions[f].selfUs = fnSelf[f];
    functions[f].totalUs = fnTotal[f];
  }

  // Lines: each node's self time shared out by its position ticks.
  interface LineEntry {
    url: string;
    line: number;
    selfUs: number;
    /** The function with the most time on the line; others only when a line has several. */
    functionId: number;
    byFunction?: Map<number, number>;
  }
  const linesByUrl = new Map<string, Map<number, LineEntry>>();
  const addLine = (url: string, line: number, us: number, fn: number) => {
    let byLine = linesByUrl.get(url);
    if (!byLine) {
      byLine = new Map();
      linesByUrl.set(url, byLine);
    }
    const entry = byLine.get(line);
    if (!entry) {
      byLine.set(line, { url, line, selfUs: us, functionId: fn });
      return;
    }
    if (entry.functionId !== fn || entry.byFunction) {
      entry.byFunction ??= new Map([[entry.functionId, entry.selfUs]]);
      entry.byFunction.set(fn, (entry.byFunction.get(fn) ?? 0) + us);
    }
    entry.selfUs += us;
  };
  const categories = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    const us = selfUs[i];
    const fn = functions[functionOf[i]];
    categories[fn.category] += us;
    if (us === 0 || node.callFrame.url === '') continue;
    const ticks = node.positionTicks;
    let tickSum = 0;
    let last = -1;
    for (let k = 0; k < ticks.length; k++) {
      if (ticks[k].ticks > 0 && ticks[k].line > 0) {
        tickSum += ticks[k].ticks;
        last = k;
      }
    }
    if (tickSum === 0) {
      addLine(node.callFrame.url, Math.max(1, fn.line), us, fn.id);
      continue;
    }
    let given = 0;
    for (let k = 0; k <= last; k++) {
      const t = ticks[k];
      if (t.ticks <= 0 || t.line <= 0) continue;
      // The last share takes the rounding remainder, so that the node's time is kept exactly.
      const share = k === last ? us - given : (us * t.ticks) / tickSum;
      given += share;
      addLine(node.callFrame.url, t.line, share, fn.id);
    }
  }
  const lines: LineStats[] = [];
  for (const byLine of linesByUrl.values()) {
    for (const entry of byLine.values()) {
      let functionId = entry.functionId;
      if (entry.byFunction) {
        let most = -1;
        for (const [fn, us] of entry.byFunction) {
          if (us > most) {
            most = us;
            functionId = fn;
          }
        }
      }
      lines.push({ url: entry.url, line: entry.line, selfUs: entry.selfUs, functionId });
    }
  }

  return {
    durationUs,
    sampleCount: count,
    meanIntervalUs: count > 1 ? (lastTime - firstTime) / (count - 1) : 0,
    functions,
    lines,
    categories,
    tree: mergedTree(childStart, childList, functionOf, selfUs),
  };
}

/** The call tree with siblings of the same function merged (V8 splits them by call line). */
function mergedTree(
  childStart: Int32Array,
  childList: Int32Array,
  functionOf: Int32Array,
  selfUs: Float64Array,
): CallTreeNode {
  const root: CallTreeNode = {
    functionId: functionOf[0],
    selfUs: selfUs[0],
    totalUs: 0,
    children: [],
  };
  // Most frames have a few children: look them up by scanning, with a Map only for wide ones.
  const wide = new Map<CallTreeNode, Map<number, CallTreeNode>>();
  const stack: number[] = [0];
  const targets: CallTreeNode[] = [root];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const merged = targets.pop() as CallTreeNode;
    let byFunction = wide.get(merged);
    for (let k = childStart[i]; k < childStart[i + 1]; k++) {
      const c = childList[k];
      const fn = functionOf[c];
      let target: CallTreeNode | undefined;
      if (byFunction) target = byFunction.get(fn);
      else {
        const siblings = merged.children;
        for (let s = 0; s < siblings.length; s++) {
          if (siblings[s].functionId === fn) {
            target = siblings[s];
            break;
          }
        }
      }
      if (!target) {
        target = { functionId: fn, selfUs: 0, totalUs: 0, children: [] };
        merged.children.push(target);
        if (byFunction) byFunction.set(fn, target);
        else if (merged.children.length > 16) {
          byFunction = new Map(merged.children.map((m) => [m.functionId, m]));
          wide.set(merged, byFunction);
        }
      }
      target.selfUs += selfUs[c];
      stack.push(c);
      targets.push(target);
    }
  }
  // Totals bottom-up and heaviest-first children, without recursion.
  const order = preOrder(root);
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    let total = node.selfUs;
    const children = node.children;
    for (let c = 0; c < children.length; c++) total += children[c].totalUs;
    node.totalUs = total;
    if (children.length > 1) children.sort((a, b) => b.totalUs - a.totalUs);
  }
  return root;
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
