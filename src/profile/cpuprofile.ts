/**
 * Reading a `.cpuprofile`: the output of `node:inspector` (Hotpath's runner), of `node
 * --cpu-prof`, and of Chrome DevTools' "Save profile", including the old nested `head` format
 * with `timestamps`. Everything is checked before use; anything inconsistent is a
 * `ProfileError` that names the field and the index. Nothing else throws. Pure.
 */

export interface CallFrame {
  functionName: string;
  /** Empty for V8's own entries: (root), (program), (idle), (garbage collector), builtins. */
  url: string;
  scriptId: string;
  /** 0-based, as V8 reports them; -1 when unknown. */
  lineNumber: number;
  columnNumber: number;
}

export interface PositionTick {
  /** 1-based source line in the script. */
  line: number;
  ticks: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children: number[];
  positionTicks: PositionTick[];
}

/** A validated profile in the modern flat format, whatever format it came in. */
export interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds, on the profiled process's monotonic clock. */
  startTime: number;
  endTime: number;
  /** Node ids, one per sample, in time order. */
  samples: number[];
  /** Microseconds since the previous sample (the first: since startTime). Never negative. */
  timeDeltas: number[];
}

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  readonly code = 'INVALID_PROFILE';
  constructor(
    /** The field at fault, as a path: `nodes[12].children[0]`. */
    readonly field: string,
    problem: string,
  ) {
    super(`invalid profile: ${field} ${problem}`);
  }
}

export type Json = unknown;

export const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function finite(value: Json, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ProfileError(field, `must be a finite number, got ${describe(value)}`);
  }
  return value;
}

function integer(value: Json, field: string): number {
  const n = finite(value, field);
  if (!Number.isSafeInteger(n)) throw new ProfileError(field, `must be a whole number, got ${n}`);
  return n;
}

export function text(value: Json, field: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string')
    throw new ProfileError(field, `must be a string, got ${describe(value)}`);
  return value;
}

function array(value: Json, field: string): Json[] {
  if (!Array.isArray(value))
    throw new ProfileError(field, `must be an array, got ${describe(value)}`);
  return value;
}

/** A value as an error message names it: null, an array, a short string, a number, a type. */
export function describe(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? 'a long string' : JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  return typeof value;
}

const NO_TICKS: PositionTick[] = [];

function positionTicks(raw: Json, field: string): PositionTick[] {
  if (raw === undefined) return NO_TICKS;
  const ticks = array(raw, field);
  for (let i = 0; i < ticks.length; i++) {
    const tick = ticks[i];
    if (!isObject(tick))
      throw new ProfileError(`${field}[${i}]`, `must be an object, got ${describe(tick)}`);
    if (!isInteger(tick.line)) integer(tick.line, `${field}[${i}].line`);
    if (!isInteger(tick.ticks)) integer(tick.ticks, `${field}[${i}].ticks`);
    if ((tick.ticks as number) < 0) {
      throw new ProfileError(`${field}[${i}].ticks`, `must not be negative, got ${tick.ticks}`);
    }
  }
  return ticks as unknown as PositionTick[];
}

/** A profile file's JSON text (or its parsed value) as an object; a ProfileError otherwise. */
export function jsonObject(input: string | Json): Record<string, Json> {
  let raw: Json = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (error) {
      throw new ProfileError(
        '(file)',
        `is not JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (!isObject(raw))
    throw new ProfileError('(profile)', `must be an object, got ${describe(raw)}`);
  return raw;
}

/**
 * Parses JSON text into a checked CpuProfile. An already parsed value is taken over: it is
 * checked and completed in place, not copied.
 */
export function parseProfile(input: string | Json): CpuProfile {
  const raw = jsonObject(input);
  if (raw.nodes === undefined && isObject(raw.head)) return fromHeadFormat(raw);
  return fromFlatFormat(raw);
}

/**
 * Node id -> position in `nodes`. Ids are small integers in every profile seen, so a typed array
 * serves; a Map takes over for sparse ids.
 */
export class NodeIndex {
  readonly #dense: Int32Array | undefined;
  readonly #sparse: Map<number, number> | undefined;

  constructor(ids: ArrayLike<number>) {
    let max = 0;
    let min = 0;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] > max) max = ids[i];
      if (ids[i] < min) min = ids[i];
    }
    if (min >= 0 && max <= 4 * ids.length + 1024) {
      this.#dense = new Int32Array(max + 1).fill(-1);
      // The first node of an id wins: a repeat is then found where it repeats.
      for (let i = 0; i < ids.length; i++) if (this.#dense[ids[i]] < 0) this.#dense[ids[i]] = i;
    } else {
      this.#sparse = new Map();
      for (let i = 0; i < ids.length; i++)
        if (!this.#sparse.has(ids[i])) this.#sparse.set(ids[i], i);
    }
  }

  /** The node's position, or -1. */
  get(id: number): number {
    if (this.#dense) return id >= 0 && id < this.#dense.length ? this.#dense[id] : -1;
    return this.#sparse?.get(id) ?? -1;
  }
}

const isInteger = (value: Json): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value);

/**
 * Checks the modern format in place: the parsed objects become the profile's nodes (missing
 * optional fields filled in), so a large profile is not copied. Field names are only built for
 * an error.
 */
function fromFlatFormat(raw: Record<string, Json>): CpuProfile {
  const nodesRaw = array(raw.nodes, 'nodes');
  if (nodesRaw.length === 0) throw new ProfileError('nodes', 'must not be empty');
  const ids = new Float64Array(nodesRaw.length);
  for (let i = 0; i < nodesRaw.length; i++) {
    const node = nodesRaw[i];
    if (!isObject(node))
      throw new ProfileError(`nodes[${i}]`, `must be an object, got ${describe(node)}`);
    ids[i] = integer(node.id, `nodes[${i}].id`);
  }
  const index = new NodeIndex(ids);
  for (let i = 0; i < nodesRaw.length; i++) {
    if (index.get(ids[i]) !== i) throw new ProfileError(`nodes[${i}].id`, `repeats id ${ids[i]}`);
    checkNodeInPlace(nodesRaw[i] as Record<string, Json>, i);
  }
  const nodes = nodesRaw as unknown as ProfileNode[];
  checkTree(nodes, index);

  const samples = raw.samples === undefined ? [] : array(raw.samples, 'samples');
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i];
    if (!isInteger(id))
      throw new ProfileError(`samples[${i}]`, `must be a whole number, got ${describe(id)}`);
    if (index.get(id) < 0) throw new ProfileError(`samples[${i}]`, `names no node (id ${id})`);
  }
  const sampleIds = samples as number[];
  const startTime = finite(raw.startTime, 'startTime');
  const endTime = finite(raw.endTime, 'endTime');
  if (endTime < startTime)
    throw new ProfileError('endTime', `is before startTime (${endTime} < ${startTime})`);
  if (!Number.isFinite(endTime - startTime))
    throw new ProfileError(
      'endTime',
      `is too far from startTime to be a duration (${endTime} − ${startTime})`,
    );

  let deltas: number[];
  if (raw.timeDeltas !== undefined) {
    const rawDeltas = array(raw.timeDeltas, 'timeDeltas');
    if (rawDeltas.length !== sampleIds.length) {
      throw new ProfileError(
        'timeDeltas',
        `has ${rawDeltas.length} entries for ${sampleIds.length} samples (they must match)`,
      );
    }
    for (let i = 0; i < rawDeltas.length; i++) {
      const d = rawDeltas[i];
      if (typeof d !== 'number' || !Number.isFinite(d)) {
        throw new ProfileError(`timeDeltas[${i}]`, `must be a finite number, got ${describe(d)}`);
      }
    }
    deltas = rawDeltas as number[];
  } else if (raw.timestamps !== undefined) {
    deltas = deltasFromTimestamps(raw.timestamps, sampleIds.length, startTime);
  } else {
    // Very old profiles have neither: spread the samples evenly.
    const step = sampleIds.length > 0 ? (endTime - startTime) / sampleIds.length : 0;
    deltas = sampleIds.map(() => step);
  }
  if (!finiteTimes(deltas, startTime))
    throw new ProfileError('timeDeltas', 'add up to a time too large to be a number');
  return inTimeOrder({ nodes, startTime, endTime, samples: sampleIds, timeDeltas: deltas });
}

function checkNodeInPlace(node: Record<string, Json>, i: number): void {
  const frame = node.callFrame;
  if (!isObject(frame))
    throw new ProfileError(`nodes[${i}].callFrame`, `must be an object, got ${describe(frame)}`);
  if (frame.functionName === undefined) frame.functionName = '';
  else if (typeof frame.functionName !== 'string')
    text(frame.functionName, `nodes[${i}].callFrame.functionName`);
  if (frame.url === undefined) frame.url = '';
  else if (typeof frame.url !== 'string') text(frame.url, `nodes[${i}].callFrame.url`);
  if (frame.scriptId === undefined) frame.scriptId = '0';
  else if (typeof frame.scriptId !== 'string') frame.scriptId = String(frame.scriptId);
  if (frame.lineNumber === undefined) frame.lineNumber = -1;
  else if (!isInteger(frame.lineNumber))
    integer(frame.lineNumber, `nodes[${i}].callFrame.lineNumber`);
  if (frame.columnNumber === undefined) frame.columnNumber = -1;
  else if (!isInteger(frame.columnNumber))
    integer(frame.columnNumber, `nodes[${i}].callFrame.columnNumber`);
  if (node.children === undefined) node.children = [];
  else {
    const children = array(node.children, `nodes[${i}].children`);
    for (let c = 0; c < children.length; c++) {
      if (!isInteger(children[c])) integer(children[c], `nodes[${i}].children[${c}]`);
    }
  }
  node.positionTicks = positionTicks(node.positionTicks, `nodes[${i}].positionTicks`);
}

function deltasFromTimestamps(value: Json, count: number, startTime: number): number[] {
  const timestamps = array(value, 'timestamps');
  // Chrome wrote one timestamp more than samples for a while (DevTools keeps the end of the last
  // sample as an extra timestamp): the extra one is the end, not a sample.
  if (timestamps.length !== count && timestamps.length !== count + 1) {
    throw new ProfileError(
      'timestamps',
      `has ${timestamps.length} entries for ${count} samples (one per sample, or one more for the end)`,
    );
  }
  if (timestamps.length > count) finite(timestamps[count], `timestamps[${count}]`);
  let previous = startTime;
  return timestamps.slice(0, count).map((t, i) => {
    const now = finite(t, `timestamps[${i}]`);
    const delta = now - previous;
    previous = now;
    return delta;
  });
}

/** Every child id names a node; each node has at most one parent; no cycles; one root. */
function checkTree(nodes: ProfileNode[], index: NodeIndex): void {
  const parent = new Int32Array(nodes.length).fill(-1);
  nodes.forEach((node, i) => {
    node.children.forEach((child, c) => {
      const at = index.get(child);
      if (at < 0)
        throw new ProfileError(`nodes[${i}].children[${c}]`, `names no node (id ${child})`);
      if (at === i)
        throw new ProfileError(`nodes[${i}].children[${c}]`, `makes node ${child} its own child`);
      if (parent[at] !== -1) {
        throw new ProfileError(`nodes[${i}].children[${c}]`, `gives node ${child} a second parent`);
      }
      parent[at] = i;
    });
  });
  const roots: number[] = [];
  for (let i = 0; i < parent.length; i++) if (parent[i] === -1) roots.push(i);
  if (roots.length !== 1) {
    // With one parent each, a cycle is a group of nodes that no root reaches.
    throw new ProfileError(
      'nodes',
      roots.length === 0 ? 'form a cycle (no root)' : `have ${roots.length} roots`,
    );
  }
  // Reachability from the root, iteratively (trees may be very deep).
  const seen = new Uint8Array(nodes.length);
  const stack = [roots[0]];
  let reached = 0;
  while (stack.length > 0) {
    const i = stack.pop() as number;
    seen[i] = 1;
    reached++;
    for (const child of nodes[i].children) stack.push(index.get(child));
  }
  if (reached !== nodes.length) {
    const first = seen.indexOf(0);
    throw new ProfileError(`nodes[${first}]`, 'is in a cycle that the root does not reach');
  }
  if (roots[0] !== 0) {
    // Keep the root first: consumers rely on nodes[0] being (root).
    const [root] = nodes.splice(roots[0], 1);
    nodes.unshift(root);
  }
}

/** Whether every sample's time (startTime plus the deltas so far) is a finite number. */
export function finiteTimes(deltas: ArrayLike<number>, startTime: number): boolean {
  let t = startTime;
  for (let i = 0; i < deltas.length; i++) t += deltas[i];
  // A sum of finite numbers that overflowed stays infinite (or NaN) to the end.
  return Number.isFinite(t);
}

/** V8 can emit a sample out of order (a negative delta): sort by time, as Chrome DevTools does. */
function inTimeOrder(profile: CpuProfile): CpuProfile {
  const sorted = timeOrder(profile.timeDeltas, profile.startTime);
  if (!sorted) return profile;
  const samples = Array.from(sorted.order, (i) => profile.samples[i]);
  return { ...profile, samples, timeDeltas: Array.from(sorted.timeDeltas) };
}

/**
 * The order of the samples by time, and their deltas in that order, when some delta is
 * negative; undefined when they are in order already.
 */
export function timeOrder(
  deltas: ArrayLike<number>,
  startTime: number,
): { order: Uint32Array; timeDeltas: Float64Array } | undefined {
  let ordered = true;
  for (let i = 0; i < deltas.length && ordered; i++) ordered = deltas[i] >= 0;
  if (ordered) return undefined;
  const times = new Float64Array(deltas.length);
  let t = startTime;
  for (let i = 0; i < deltas.length; i++) {
    t += deltas[i];
    times[i] = t;
  }
  const order = new Uint32Array(deltas.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => times[a] - times[b] || a - b);
  const timeDeltas = new Float64Array(deltas.length);
  let previous = startTime;
  for (let k = 0; k < order.length; k++) {
    const time = times[order[k]];
    timeDeltas[k] = Math.max(0, time - previous);
    previous = Math.max(previous, time);
  }
  return { order, timeDeltas };
}

/** The old Chrome format: a nested `head` tree, times in seconds, `timestamps` in µs. */
function fromHeadFormat(raw: Record<string, Json>): CpuProfile {
  const flat: Record<string, Json>[] = [];
  const stack: { node: Json; field: string }[] = [{ node: raw.head, field: 'head' }];
  while (stack.length > 0) {
    const { node, field } = stack.pop() as { node: Json; field: string };
    if (!isObject(node)) throw new ProfileError(field, `must be an object, got ${describe(node)}`);
    const children = node.children === undefined ? [] : array(node.children, `${field}.children`);
    flat.push({
      id: node.id,
      callFrame: isObject(node.callFrame)
        ? node.callFrame
        : {
            functionName: node.functionName,
            url: node.url,
            scriptId: node.scriptId,
            lineNumber: typeof node.lineNumber === 'number' ? node.lineNumber - 1 : node.lineNumber,
            columnNumber:
              typeof node.columnNumber === 'number' ? node.columnNumber - 1 : node.columnNumber,
          },
      children: children.map((child) => (isObject(child) ? child.id : child)),
      positionTicks: node.positionTicks,
    });
    children.forEach((child, c) => {
      stack.push({ node: child, field: `${field}.children[${c}]` });
    });
  }
  // Old profiles give startTime and endTime in seconds.
  const seconds = (value: Json, field: string) => finite(value, field) * 1e6;
  return fromFlatFormat({
    nodes: flat,
    startTime: seconds(raw.startTime, 'startTime'),
    endTime: seconds(raw.endTime, 'endTime'),
    samples: raw.samples,
    timestamps: raw.timestamps,
    timeDeltas: raw.timeDeltas,
  });
}
