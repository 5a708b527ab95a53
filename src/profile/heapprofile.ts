/**
 * Allocations: reading a `.heapprofile` (V8's sampling heap profile, as Hotpath's agent, `node
 * --heap-prof` and DevTools write it) and the bytes each function allocated, self and total,
 * by category and package, in the original sources. V8 records the allocating *function*, never
 * the line: there are no line figures here. Everything is checked before use; anything
 * inconsistent is a `ProfileError` that names the field. Pure but for the `readFile` given.
 */
import type { HeapCallFrame } from '../record/heap';
import { describe, isObject, type Json, jsonObject, ProfileError, text } from './cpuprofile';
import { type Category, categorize } from './model';
import { createSourceMapper, type OriginalPosition, type ReadFile } from './sourcemaps';

export interface HeapNode {
  callFrame: HeapCallFrame;
  selfSize: number;
  id: number;
  children: HeapNode[];
}

/** A checked heap profile. */
export interface HeapProfile {
  head: HeapNode;
  /** Sample counts by node id (empty when the file has no `samples`). */
  sampleCounts: Map<number, number>;
  samples: number;
  /**
   * 'allocated': Hotpath's agent kept the objects collected during the window too. 'unknown': a
   * foreign file, which does not say whether its bytes were allocated or only the live ones.
   */
  mode: 'allocated' | 'unknown';
  samplingIntervalBytes?: number;
  droppedSamples: number;
  /**
   * Samples that name no node of the tree: a real `node --heap-prof` file has some (a sample
   * taken as V8 wrote the tree). Left out of the counts; the bytes are the tree's, so none lost.
   */
  straySamples?: number;
}

function count(value: Json, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new ProfileError(field, `must be a number not below 0, got ${describe(value)}`);
  return value;
}

function whole(value: Json, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new ProfileError(field, `must be a whole number, got ${describe(value)}`);
  return value;
}

function callFrame(raw: Json, field: string): HeapCallFrame {
  if (!isObject(raw)) throw new ProfileError(field, `must be an object, got ${describe(raw)}`);
  const scriptId = raw.scriptId;
  if (typeof scriptId !== 'string' && typeof scriptId !== 'number')
    throw new ProfileError(
      `${field}.scriptId`,
      `must be a string or a number, got ${describe(scriptId)}`,
    );
  return {
    functionName: text(raw.functionName, `${field}.functionName`),
    scriptId,
    url: text(raw.url, `${field}.url`),
    lineNumber: whole(raw.lineNumber, `${field}.lineNumber`),
    columnNumber: whole(raw.columnNumber, `${field}.columnNumber`),
  };
}

/** Parses a `.heapprofile`'s text (or its parsed value) into a checked HeapProfile. */
export function parseHeapProfile(input: string | Json): HeapProfile {
  const raw = jsonObject(input);
  if (!isObject(raw.head))
    throw new ProfileError('head', `must be an object, got ${describe(raw.head)}`);
  const ids = new Set<number>();
  const pending = new Map<HeapNode, { children: Json[]; field: string }>();
  const parse = (node: Json, field: string): HeapNode => {
    if (!isObject(node)) throw new ProfileError(field, `must be an object, got ${describe(node)}`);
    const id = whole(node.id, `${field}.id`);
    if (ids.has(id)) throw new ProfileError(`${field}.id`, `repeats id ${id}`);
    ids.add(id);
    const children = node.children === undefined ? [] : node.children;
    if (!Array.isArray(children))
      throw new ProfileError(`${field}.children`, `must be an array, got ${describe(children)}`);
    const parsed: HeapNode = {
      callFrame: callFrame(node.callFrame, `${field}.callFrame`),
      selfSize: count(node.selfSize, `${field}.selfSize`),
      id,
      children: [],
    };
    pending.set(parsed, { children, field });
    return parsed;
  };
  // Without recursion: a deep tree must not overflow the stack.
  const head = parse(raw.head, 'head');
  const stack = [head];
  while (stack.length > 0) {
    const node = stack.pop() as HeapNode;
    const { children, field } = pending.get(node) as { children: Json[]; field: string };
    pending.delete(node);
    children.forEach((child, i) => {
      const parsed = parse(child, `${field}.children[${i}]`);
      node.children.push(parsed);
      stack.push(parsed);
    });
  }
  const sampleCounts = new Map<number, number>();
  let samples = 0;
  let strays = 0;
  if (raw.samples !== undefined) {
    if (!Array.isArray(raw.samples))
      throw new ProfileError('samples', `must be an array, got ${describe(raw.samples)}`);
    raw.samples.forEach((sample, i) => {
      if (!isObject(sample))
        throw new ProfileError(`samples[${i}]`, `must be an object, got ${describe(sample)}`);
      count(sample.size, `samples[${i}].size`);
      const nodeId = whole(sample.nodeId, `samples[${i}].nodeId`);
      whole(sample.ordinal, `samples[${i}].ordinal`);
      if (!ids.has(nodeId)) {
        strays++;
        return;
      }
      sampleCounts.set(nodeId, (sampleCounts.get(nodeId) ?? 0) + 1);
      samples++;
    });
  }
  const note = raw.hotpath;
  const ours = isObject(note) && note.mode === 'allocated';
  return {
    head,
    sampleCounts,
    samples,
    mode: ours ? 'allocated' : 'unknown',
    ...(ours
      ? {
          samplingIntervalBytes: count(note.samplingIntervalBytes, 'hotpath.samplingIntervalBytes'),
        }
      : {}),
    droppedSamples:
      ours && note.droppedSamples !== undefined
        ? count(note.droppedSamples, 'hotpath.droppedSamples')
        : 0,
    ...(strays > 0 ? { straySamples: strays } : {}),
  };
}

/** One function's allocations. */
export interface AllocatingFunction {
  name: string;
  category: Category;
  packageName?: string;
  /** Where V8 saw it: the script URL, 1-based line and column (the function's, not a line's). */
  generated: { url: string; line: number; column: number };
  original?: OriginalPosition;
  /** Bytes it allocated itself, and with what it called (recursion counted once). */
  selfBytes: number;
  totalBytes: number;
  /** Heap samples taken in it: what the bytes' uncertainty follows (a Poisson count). */
  selfSamples: number;
  /**
   * JavaScript of a script the file does not name: V8 wrote its script's id but no URL and no
   * line (`node --heap-prof` does so for a main script at exit). Neither native nor anyone's known.
   */
  unnamedScript?: true;
}

/** A row of the allocations by who owns the code: your code, a package, Node, V8, Hotpath. */
export interface AllocationPart {
  kind: 'user' | 'package' | 'node' | 'native' | 'hotpath' | 'script';
  owner?: string;
  bytes: number;
  share: number;
}

/**
 * The allocation call tree, for the flamegraph: frames in pre-order (frame 0 the root), each
 * frame's children heaviest first; `fn` indexes `functions`, bytes in `self` and `total`.
 */
export interface AllocationTree {
  functions: AllocatingFunction[];
  fn: number[];
  parent: number[];
  self: number[];
  total: number[];
}

export interface AllocationAnalysis {
  mode: HeapProfile['mode'];
  samplingIntervalBytes?: number;
  /** All the bytes the profile estimates, and its samples. */
  totalBytes: number;
  samples: number;
  droppedSamples: number;
  /** Heaviest self first. */
  functions: AllocatingFunction[];
  parts: AllocationPart[];
  tree: AllocationTree;
  notes: string[];
}

export interface AllocationOptions {
  readFile?: ReadFile;
  sourceMaps?: Record<string, unknown>;
}

/** Bytes per function (self and total), mapped to the original sources, and by owner. */
export function analyzeAllocations(
  profile: HeapProfile,
  options: AllocationOptions = {},
): AllocationAnalysis {
  const mapper = createSourceMapper(options.readFile ?? (() => undefined), options.sourceMaps);
  const byKey = new Map<string, AllocatingFunction>();
  const fnOf = (frame: HeapCallFrame): AllocatingFunction => {
    // A script without a URL is told apart by its id: two such scripts' functions stay two.
    const unnamedScript =
      frame.url === '' && String(frame.scriptId) !== '0' && !/^\(.*\)$/.test(frame.functionName);
    const key = `${frame.functionName}\u0000${unnamedScript ? `#${frame.scriptId}` : frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
    let f = byKey.get(key);
    if (f) return f;
    const line = frame.lineNumber + 1;
    const column = frame.columnNumber + 1;
    const original =
      frame.url && line > 0
        ? mapper.position(frame.url, line, column, frame.functionName)
        : undefined;
    const { category, packageName } = categorize(original?.source ?? frame.url, frame.functionName);
    f = {
      name:
        original?.name && !frame.functionName ? original.name : frame.functionName || '(anonymous)',
      category,
      ...(packageName ? { packageName } : {}),
      generated: { url: frame.url, line, column },
      ...(original ? { original } : {}),
      selfBytes: 0,
      totalBytes: 0,
      selfSamples: 0,
      ...(unnamedScript ? { unnamedScript: true as const } : {}),
    };
    byKey.set(key, f);
    return f;
  };
  // Depth-first with each function's count on the current stack: a node adds its subtree's
  // bytes to its function's total only when no ancestor is the same function.
  const subtree = new Map<HeapNode, number>();
  const order: HeapNode[] = [];
  const walk = [profile.head];
  while (walk.length > 0) {
    const node = walk.pop() as HeapNode;
    order.push(node);
    walk.push(...node.children);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    subtree.set(
      node,
      node.selfSize + node.children.reduce((sum, c) => sum + (subtree.get(c) ?? 0), 0),
    );
  }
  const onStack = new Map<AllocatingFunction, number>();
  const visit: [HeapNode, boolean][] = [[profile.head, false]];
  while (visit.length > 0) {
    const [node, leaving] = visit.pop() as [HeapNode, boolean];
    const f = fnOf(node.callFrame);
    if (leaving) {
      onStack.set(f, (onStack.get(f) ?? 1) - 1);
      continue;
    }
    f.selfBytes += node.selfSize;
    f.selfSamples += profile.sampleCounts.get(node.id) ?? 0;
    if (!onStack.get(f)) f.totalBytes += subtree.get(node) ?? 0;
    onStack.set(f, (onStack.get(f) ?? 0) + 1);
    visit.push([node, true]);
    for (const child of node.children) visit.push([child, false]);
  }
  const totalBytes = subtree.get(profile.head) ?? 0;
  const tree = treeOf(profile.head, subtree, fnOf, [...byKey.values()]);
  const functions = [...byKey.values()]
    .filter((f) => f.totalBytes > 0 && f.category !== 'root')
    .sort((a, b) => b.selfBytes - a.selfBytes);
  return {
    mode: profile.mode,
    ...(profile.samplingIntervalBytes !== undefined
      ? { samplingIntervalBytes: profile.samplingIntervalBytes }
      : {}),
    totalBytes,
    samples: profile.samples,
    droppedSamples: profile.droppedSamples,
    functions,
    parts: allocationParts(functions, totalBytes),
    tree,
    notes: [
      ...(profile.straySamples
        ? [
            `${profile.straySamples} of the file's samples name no node of its tree (V8 writes some as it writes the tree): left out of the sample counts; the bytes are the tree's`,
          ]
        : []),
      ...mapper.notes,
    ],
  };
}

/** The call tree in pre-order, heaviest child first, over the functions' list. */
function treeOf(
  head: HeapNode,
  subtree: Map<HeapNode, number>,
  fnOf: (frame: HeapCallFrame) => AllocatingFunction,
  functions: AllocatingFunction[],
): AllocationTree {
  const index = new Map(functions.map((f, i) => [f, i]));
  const tree: AllocationTree = { functions, fn: [], parent: [], self: [], total: [] };
  const stack: [HeapNode, number][] = [[head, -1]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop() as [HeapNode, number];
    const at = tree.fn.length;
    tree.fn.push(index.get(fnOf(node.callFrame)) ?? 0);
    tree.parent.push(parent);
    tree.self.push(node.selfSize);
    tree.total.push(subtree.get(node) ?? 0);
    // Pushed lightest first, so that the heaviest comes out first.
    const children = node.children
      .filter((c) => (subtree.get(c) ?? 0) > 0)
      .sort((a, b) => (subtree.get(a) ?? 0) - (subtree.get(b) ?? 0));
    for (const child of children) stack.push([child, at]);
  }
  return tree;
}

function allocationParts(functions: AllocatingFunction[], totalBytes: number): AllocationPart[] {
  const rows = new Map<string, AllocationPart>();
  for (const f of functions) {
    if (f.selfBytes <= 0) continue;
    const kind: AllocationPart['kind'] = f.unnamedScript
      ? 'script'
      : f.category === 'user'
        ? 'user'
        : f.category === 'node_modules'
          ? 'package'
          : f.category === 'node'
            ? 'node'
            : f.category === 'hotpath'
              ? 'hotpath'
              : 'native';
    const owner = kind === 'package' ? (f.packageName ?? 'node_modules') : undefined;
    const key = `${kind}\u0000${owner ?? ''}`;
    const row = rows.get(key) ?? { kind, ...(owner ? { owner } : {}), bytes: 0, share: 0 };
    row.bytes += f.selfBytes;
    rows.set(key, row);
  }
  return [...rows.values()]
    .map((row) => ({ ...row, share: totalBytes > 0 ? row.bytes / totalBytes : 0 }))
    .sort((a, b) => b.bytes - a.bytes);
}

/**
 * A Poisson interval on a count of samples (95 %, the square-root rule with a continuity
 * correction, floored at 0): heap samples carry no times, so a count's uncertainty is its own.
 */
export function poissonInterval(n: number): [number, number] {
  const z = 1.96;
  const low = n > 0 ? Math.max(0, (Math.sqrt(n) - z / 2) ** 2) : 0;
  const high = (Math.sqrt(n + 1) + z / 2) ** 2;
  return [low, high];
}

/** What the diagnosis says of the allocations: the functions that allocate most of the bytes. */
export interface AllocationWords {
  top: { name: string; share: number; perResponseBytes?: number; file?: string; line?: number }[];
}

/**
 * The function that allocated most (the user's heaviest, else the heaviest of all), and a second
 * of the user's when it holds a fifth of the bytes or more. Only what V8 records: the function
 * and its own line, never the allocating line.
 */
export function allocationWords(
  allocations: AllocationAnalysis,
  responses: number | undefined,
): AllocationWords | undefined {
  if (allocations.totalBytes <= 0) return undefined;
  const user = allocations.functions.filter((f) => f.category === 'user');
  const named = [
    ...(user.length > 0 ? [user[0]] : allocations.functions.slice(0, 1)),
    ...user.slice(1, 2).filter((f) => f.selfBytes / allocations.totalBytes >= 0.2),
  ];
  return {
    top: named.map((f) => ({
      name: f.name,
      share: f.selfBytes / allocations.totalBytes,
      ...(responses ? { perResponseBytes: f.selfBytes / responses } : {}),
      ...(f.original
        ? { file: f.original.source, line: f.original.line }
        : f.generated.url
          ? { file: f.generated.url, line: f.generated.line }
          : {}),
    })),
  };
}
