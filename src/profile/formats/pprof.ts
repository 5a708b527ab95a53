/**
 * pprof (`profile.proto`, what Go, `@datadog/pprof`, Pyroscope and Grafana speak), decoded by the
 * `pprof-format` package: its CPU or wall-time samples as weighted stacks. pprof usually holds no
 * times, so the profile says so (`noTimeline`) and each sample's delta is its weight; a producer
 * that labels every sample with `end_timestamp_ns` gives a timeline, which is then used.
 * Allocation samples are refused by name (the allocation views read them). Every reference is
 * resolved before use; an error names the field. Samples labelled with two threads or processes
 * or more (`thread`, `thread_name`, `thread_id`, `pid`: Go's, `@datadog/pprof`'s, Pyroscope's)
 * go under a frame per thread, as a trace's threads do. Pure.
 */
import { Profile } from 'pprof-format';
import { ProfileError } from '../cpuprofile';
import type { PackedProfile } from '../packedProfile';
import { threadFrameName } from './threads';

/** Microseconds per unit of a time value. */
const TIME_UNITS: Record<string, number> = {
  nanoseconds: 1e-3,
  microseconds: 1,
  milliseconds: 1e3,
  seconds: 1e6,
};

const ALLOCATION = /^(alloc|inuse|space|objects|heap)/;

const n = (value: number | bigint): number => (typeof value === 'bigint' ? Number(value) : value);

/** Whether the bytes decode as a pprof (what the format detector asks). */
export function decodePprof(bytes: Uint8Array): Profile {
  try {
    return Profile.decode(bytes);
  } catch (error) {
    throw new ProfileError('(pprof)', `does not decode: ${(error as Error).message}`);
  }
}

/** Which value of each sample is time, and how many µs one unit of it is. */
function timeValue(
  profile: Profile,
  strings: string[],
): { index: number; us: number; what: string } {
  const types = profile.sampleType.map((t, i) => ({
    i,
    type: strings[n(t.type)] ?? '',
    unit: strings[n(t.unit)] ?? '',
  }));
  for (const wanted of ['cpu', 'wall', 'time']) {
    const found = types.find((t) => t.type === wanted && TIME_UNITS[t.unit] !== undefined);
    if (found)
      return { index: found.i, us: TIME_UNITS[found.unit], what: `${found.type}/${found.unit}` };
  }
  // Counts of samples with a period in time (Go's older CPU profiles).
  const period = profile.periodType;
  const periodUnit = period ? strings[n(period.unit)] : undefined;
  const counted = types.find((t) => t.type === 'samples' || t.type === 'sample');
  if (counted && periodUnit && TIME_UNITS[periodUnit] !== undefined && n(profile.period) > 0)
    return {
      index: counted.i,
      us: n(profile.period) * TIME_UNITS[periodUnit],
      what: `samples × ${periodUnit}`,
    };
  const named = types.map((t) => `${t.type}/${t.unit}`).join(', ') || 'none';
  if (types.some((t) => ALLOCATION.test(t.type)))
    throw new ProfileError(
      'sample_type',
      `is allocation (${named}): an allocation profile, not CPU time; Hotpath reads CPU and wall-time pprof here`,
    );
  throw new ProfileError('sample_type', `has no CPU or wall time value (${named})`);
}

export function readPprof(bytes: Uint8Array): PackedProfile {
  const profile = decodePprof(bytes);
  const strings = profile.stringTable.strings;
  if (strings.length === 0 || strings[0] !== '')
    throw new ProfileError('string_table[0]', 'must be "" (pprof\'s rule)');
  const str = (index: number | bigint, field: string): string => {
    const s = strings[n(index)];
    if (s === undefined)
      throw new ProfileError(field, `names no string (${index} of ${strings.length})`);
    return s;
  };
  const { index: valueIndex, us: unitUs } = timeValue(profile, strings);

  // Functions and locations by id.
  const functionAt = new Map<number, number>();
  const names: string[] = ['(root)'];
  const urls: string[] = [''];
  const nameIndex = new Map<string, number>([['(root)', 0]]);
  const urlIndex = new Map<string, number>([['', 0]]);
  const intern = (list: string[], index: Map<string, number>, text: string) => {
    let at = index.get(text);
    if (at === undefined) {
      at = list.push(text) - 1;
      index.set(text, at);
    }
    return at;
  };
  const fnName: number[] = [];
  const fnUrl: number[] = [];
  const fnLine: number[] = [];
  profile.function.forEach((f, i) => {
    const field = `function[${i}]`;
    const id = n(f.id);
    if (id === 0) throw new ProfileError(`${field}.id`, 'must not be 0');
    if (functionAt.has(id)) throw new ProfileError(`${field}.id`, `repeats id ${id}`);
    functionAt.set(id, i);
    const name = str(f.name, `${field}.name`) || str(f.systemName, `${field}.system_name`);
    fnName.push(intern(names, nameIndex, name || '(anonymous)'));
    fnUrl.push(intern(urls, urlIndex, str(f.filename, `${field}.filename`)));
    fnLine.push(n(f.startLine) - 1);
  });
  const noStart = new Set(fnLine.flatMap((line, fn) => (line < 0 ? [fn] : [])));
  /** Per location: its frames root-most first (pprof lists inlined frames leaf first), and the leaf's line. */
  const locationAt = new Map<number, { fns: number[]; line: number }>();
  profile.location.forEach((loc, i) => {
    const field = `location[${i}]`;
    const id = n(loc.id);
    if (id === 0) throw new ProfileError(`${field}.id`, 'must not be 0');
    if (locationAt.has(id)) throw new ProfileError(`${field}.id`, `repeats id ${id}`);
    const fns: number[] = [];
    for (let k = loc.line.length - 1; k >= 0; k--) {
      const fn = functionAt.get(n(loc.line[k].functionId));
      if (fn === undefined)
        throw new ProfileError(
          `${field}.line[${k}].function_id`,
          `names no function (${loc.line[k].functionId})`,
        );
      fns.push(fn);
      // No start line (@datadog/pprof writes none): the function's first line seen instead.
      const line = n(loc.line[k].line);
      if (noStart.has(fn) && line > 0 && (fnLine[fn] < 0 || line - 1 < fnLine[fn]))
        fnLine[fn] = line - 1;
    }
    // A location without lines (an address only): one frame named for its address.
    if (fns.length === 0) {
      const name = `0x${n(loc.address).toString(16)}`;
      fnName.push(intern(names, nameIndex, name));
      fnUrl.push(0);
      fnLine.push(-1);
      fns.push(fnName.length - 1);
    }
    locationAt.set(id, { fns, line: loc.line.length > 0 ? n(loc.line[0].line) : 0 });
  });

  // Threads: samples labelled with a thread (or process) of several go under a frame each.
  const threadOfSample = samplesThreads(profile, strings);
  const threadFns = threadOfSample.labels.map((label) => {
    fnName.push(intern(names, nameIndex, threadFrameName(label)));
    fnUrl.push(0);
    fnLine.push(-1);
    return fnName.length - 1;
  });

  // The tree: node 0 the root; a node per (parent, function).
  const nodeFn: number[] = [-1];
  const parentOf: number[] = [-1];
  const childOf = new Map<number, number>();
  const fnCount = fnName.length + 1;
  const child = (parent: number, fn: number): number => {
    const key = parent * fnCount + fn;
    let at = childOf.get(key);
    if (at === undefined) {
      at = nodeFn.push(fn) - 1;
      parentOf.push(parent);
      childOf.set(key, at);
    }
    return at;
  };
  const childByLocation: (Map<number, number> | undefined)[] = [];
  const ticks = new Map<number, Map<number, number>>();
  const sampleNodes: number[] = [];
  const weights: number[] = [];
  const ends: number[] = [];
  const endKey = strings.indexOf('end_timestamp_ns');
  let everyEnd = endKey > 0;
  profile.sample.forEach((sample, i) => {
    const field = `sample[${i}]`;
    if (sample.value.length !== profile.sampleType.length)
      throw new ProfileError(
        `${field}.value`,
        `has ${sample.value.length} values for ${profile.sampleType.length} sample types (one each)`,
      );
    const value = n(sample.value[valueIndex]);
    if (!Number.isFinite(value) || value < 0)
      throw new ProfileError(
        `${field}.value[${valueIndex}]`,
        `must not be negative, got ${value} (a diff profile?)`,
      );
    if (value === 0) return;
    const thread = threadOfSample.of[i];
    let node = thread < 0 ? 0 : child(0, threadFns[thread]);
    let leafLine = 0;
    for (let k = sample.locationId.length - 1; k >= 0; k--) {
      const id = n(sample.locationId[k]);
      const loc = locationAt.get(id);
      if (!loc)
        throw new ProfileError(
          `${field}.location_id[${k}]`,
          `names no location (${sample.locationId[k]})`,
        );
      // A node's child by location id (a small integer key): one lookup per frame of a sample.
      let byLocation = childByLocation[node];
      if (byLocation === undefined) childByLocation[node] = byLocation = new Map();
      let next = byLocation.get(id);
      if (next === undefined) {
        next = node;
        for (const fn of loc.fns) next = child(next, fn);
        byLocation.set(id, next);
      }
      node = next;
      leafLine = loc.line;
    }
    const weight = value * unitUs;
    if (leafLine > 0) {
      const lines = ticks.get(node) ?? new Map<number, number>();
      ticks.set(node, lines);
      lines.set(leafLine, (lines.get(leafLine) ?? 0) + weight);
    }
    sampleNodes.push(node);
    weights.push(weight);
    if (everyEnd) {
      const label = sample.label.find((l) => n(l.key) === endKey);
      if (label && n(label.num) > 0) ends.push(n(label.num) / 1000);
      else everyEnd = false;
    }
  });

  // Columns.
  const nodeCount = nodeFn.length;
  const urlOf = new Int32Array(nodeCount);
  const nameOf = new Int32Array(nodeCount);
  const lineNumber = new Float64Array(nodeCount).fill(-1);
  const columnNumber = new Float64Array(nodeCount).fill(-1);
  const childStart = new Int32Array(nodeCount + 1);
  for (let i = 1; i < nodeCount; i++) {
    const fn = nodeFn[i];
    nameOf[i] = fnName[fn];
    urlOf[i] = fnUrl[fn];
    lineNumber[i] = fnLine[fn] >= 0 ? fnLine[fn] : -1;
    childStart[parentOf[i] + 1]++;
  }
  for (let i = 0; i < nodeCount; i++) childStart[i + 1] += childStart[i];
  const fill = childStart.slice(0, nodeCount);
  const childList = new Int32Array(nodeCount - 1);
  for (let i = 1; i < nodeCount; i++) childList[fill[parentOf[i]]++] = i;
  const tickStart = new Int32Array(nodeCount + 1);
  for (let i = 0; i < nodeCount; i++) tickStart[i + 1] = tickStart[i] + (ticks.get(i)?.size ?? 0);
  const tickLine = new Float64Array(tickStart[nodeCount]);
  const tickCount = new Float64Array(tickStart[nodeCount]);
  for (const [node, lines] of ticks) {
    let k = tickStart[node];
    for (const [line, weight] of lines) {
      tickLine[k] = line;
      tickCount[k++] = weight;
    }
  }

  const count = sampleNodes.length;
  const samples = new Int32Array(count);
  const timeDeltas = new Float64Array(count);
  const timed = everyEnd && count > 0;
  const start = n(profile.timeNanos) / 1000;
  if (timed) {
    // Each sample at its end time, in time order; the profile from before the first one's start.
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => ends[a] - ends[b]);
    const startTime = ends[order[0]] - weights[order[0]];
    let previous = startTime;
    order.forEach((i, k) => {
      samples[k] = sampleNodes[i];
      timeDeltas[k] = ends[i] - previous;
      previous = ends[i];
    });
    return packed(startTime, previous, count > 0 ? undefined : true);
  }
  // No times: sample i lasts until sample i+1 (the model's rule), so each delta is the weight
  // of the sample before; the last lasts until the end.
  let total = 0;
  for (let i = 0; i < count; i++) {
    samples[i] = sampleNodes[i];
    timeDeltas[i] = i === 0 ? 0 : weights[i - 1];
    total += weights[i];
  }
  return packed(start, start + total, true);

  function packed(startTime: number, endTime: number, noTimeline: true | undefined): PackedProfile {
    return {
      packed: true,
      startTime,
      endTime,
      nodeCount,
      urls,
      urlOf,
      names,
      nameOf,
      lineNumber,
      columnNumber,
      childStart,
      childList,
      tickStart,
      tickLine,
      tickCount,
      samples,
      timeDeltas,
      ...(noTimeline ? { noTimeline } : {}),
    };
  }
}

/** Label keys that name a sample's thread or process, as Go, `@datadog/pprof` and Pyroscope write them. */
const THREAD_NAME = ['thread', 'thread_name', 'thread name'];
const THREAD_ID = ['thread_id', 'thread id', 'os thread id', 'tid'];
const PROCESS_ID = ['pid', 'process_id'];
const PROCESS_NAME = ['process', 'process_name'];

/**
 * Each sample's thread (an index into `labels`, -1 for none) when its labels name two threads or
 * processes or more: a thread's name (`thread`, `thread_name`, `thread name`), else its id, and
 * the process's id or name. One thread, or none: every sample -1.
 */
function samplesThreads(profile: Profile, strings: string[]): { labels: string[]; of: Int32Array } {
  const keyOf = (keys: string[]) =>
    new Set(keys.map((k) => strings.indexOf(k)).filter((at) => at > 0));
  const [names, ids, pids, processes] = [THREAD_NAME, THREAD_ID, PROCESS_ID, PROCESS_NAME].map(
    keyOf,
  );
  const of = new Int32Array(profile.sample.length).fill(-1);
  const none = { labels: [], of };
  if (names.size + ids.size + pids.size + processes.size === 0) return none;
  const labels: string[] = [];
  const index = new Map<string, number>();
  profile.sample.forEach((sample, i) => {
    let name: string | undefined;
    let id: string | undefined;
    let pid: string | undefined;
    let process: string | undefined;
    for (const label of sample.label) {
      const key = n(label.key);
      const text = n(label.str) > 0 ? strings[n(label.str)] : String(n(label.num));
      if (names.has(key)) name = text;
      else if (ids.has(key)) id = text;
      else if (pids.has(key)) pid = text;
      else if (processes.has(key)) process = text;
    }
    if (name === undefined && id === undefined && pid === undefined && process === undefined)
      return;
    let label = name ?? (id !== undefined ? `thread ${id}` : 'main thread');
    if (process !== undefined && !label.includes(process)) label += ` of ${process}`;
    if (pid !== undefined && !label.includes(`pid ${pid}`)) label += ` (pid ${pid})`;
    let at = index.get(label);
    if (at === undefined) {
      at = labels.push(label) - 1;
      index.set(label, at);
    }
    of[i] = at;
  });
  if (labels.length < 2) return none;
  // Samples with no thread label beside labelled ones: a thread of their own.
  if (of.includes(-1)) {
    const rest = labels.push('no thread label') - 1;
    for (let i = 0; i < of.length; i++) if (of[i] < 0) of[i] = rest;
  }
  return { labels, of };
}
