/**
 * A profile as pprof (`profile.proto`, gzipped), for the tools where a team's production
 * profiles live (`go tool pprof`, Pyroscope, Grafana, Datadog): CPU samples as two values per
 * sample (`samples/count`, `cpu/nanoseconds`), the period type `cpu/nanoseconds`, a function per
 * (name, script, line, column) with its file and start line, a location per (function, line).
 * A node's samples are split over the lines V8 ticked in it (largest remainder, so the counts
 * add up to the profile's samples exactly); a caller's location is its function's first line
 * (V8 does not record call sites). What the run was (endpoint, run id) goes in as labels on every
 * sample and as comments; a view of several threads labels each sample with its `thread` (and
 * `pid`) instead of a frame. Encoded by the `pprof-format` package. Pure.
 */
import { gzipSync } from 'node:zlib';
import {
  Label,
  Line,
  Location,
  Function as PprofFunction,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { sampleSpans } from '../model';
import type { PackedProfile } from '../packedProfile';
import { threadsOf } from './threads';

export interface PprofMeta {
  /** Labels on every sample, such as `endpoint: GET /orders` and `run_id: …`. */
  labels?: Record<string, string>;
  comments?: string[];
  /** When the profile began, ms since the epoch. */
  startedAtMs?: number;
}

/** The profile as an uncompressed pprof message. */
export function encodePprof(profile: PackedProfile, meta: PprofMeta = {}): Uint8Array {
  const strings = new StringTable();
  const s = (text: string) => strings.dedup(text) as number;
  const n = profile.nodeCount;
  // Samples and time per node.
  const { selfUs, durationUs } = sampleSpans(profile);
  const counts = new Float64Array(n);
  for (let i = 0; i < profile.samples.length; i++) counts[profile.samples[i]]++;
  const parent = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++)
    for (let c = profile.childStart[i]; c < profile.childStart[i + 1]; c++)
      parent[profile.childList[c]] = i;

  const functions: PprofFunction[] = [];
  const functionIds = new Map<string, number>();
  const functionOf = (node: number): number => {
    const name = profile.names[profile.nameOf[node]] || '(anonymous)';
    const url = profile.urls[profile.urlOf[node]];
    const line = profile.lineNumber[node] + 1;
    const key = `${name}\u0000${url}\u0000${line}\u0000${profile.columnNumber[node]}`;
    let id = functionIds.get(key);
    if (id === undefined) {
      id = functions.length + 1;
      functionIds.set(key, id);
      functions.push(
        new PprofFunction({
          id,
          name: s(name),
          systemName: s(name),
          filename: s(url),
          startLine: Math.max(0, line),
        }),
      );
    }
    return id;
  };
  const locations: Location[] = [];
  const locationIds = new Map<string, number>();
  const locationOf = (node: number, line: number): number => {
    const fn = functionOf(node);
    const key = `${fn}:${line}`;
    let id = locationIds.get(key);
    if (id === undefined) {
      id = locations.length + 1;
      locationIds.set(key, id);
      locations.push(new Location({ id, line: [new Line({ functionId: fn, line })] }));
    }
    return id;
  };
  const startLine = (node: number) => Math.max(0, profile.lineNumber[node] + 1);
  // A view of several threads: each thread's frame becomes labels on its samples (`thread`, and
  // `pid` where its name says it), not a frame, as continuous profilers label theirs.
  const threadLabels = new Map<number, Label[]>();
  for (const thread of threadsOf(profile)) {
    const pid = /\bpid (\d+)/.exec(thread.label)?.[1];
    threadLabels.set(thread.node, [
      new Label({ key: s('thread'), str: s(thread.label) }),
      ...(pid ? [new Label({ key: s('pid'), num: Number(pid) })] : []),
    ]);
  }
  /** The callers' locations, leaf's caller first, up to (not with) the root or a thread's frame. */
  const stackCache = new Map<number, number[]>();
  const callers = (node: number): number[] => {
    const known = stackCache.get(node);
    if (known) return known;
    const p = parent[node];
    const stack = p <= 0 || threadLabels.has(p) ? [] : [locationOf(p, startLine(p)), ...callers(p)];
    stackCache.set(node, stack);
    return stack;
  };

  const labels = Object.entries(meta.labels ?? {}).map(
    ([key, str]) => new Label({ key: s(key), str: s(str) }),
  );
  /** A node's thread's frame (-1 for none), from the root down. */
  const threadOf = (node: number): number => {
    let at = node;
    while (at > 0 && !threadLabels.has(at)) at = parent[at];
    return at > 0 ? at : -1;
  };
  const samples: Sample[] = [];
  for (let node = 0; node < n; node++) {
    if (counts[node] === 0 || node === 0) continue;
    const thread = threadLabels.size > 0 ? threadOf(node) : -1;
    const sampleLabels = thread < 0 ? labels : [...labels, ...(threadLabels.get(thread) ?? [])];
    // Samples on a thread's own frame: that thread, no function.
    if (thread === node) {
      samples.push(
        new Sample({
          locationId: [],
          value: [counts[node], Math.round(selfUs[node] * 1000)],
          label: sampleLabels,
        }),
      );
      continue;
    }
    const lines = splitOverLines(profile, node, counts[node]);
    for (const { line, share, count } of lines) {
      samples.push(
        new Sample({
          locationId: [locationOf(node, line || startLine(node)), ...callers(node)],
          value: [count, Math.round(selfUs[node] * share * 1000)],
          label: sampleLabels,
        }),
      );
    }
  }
  const sampleCount = profile.samples.length;
  const period =
    sampleCount > 0 && !profile.noTimeline ? Math.round((durationUs / sampleCount) * 1000) : 0;
  return new Profile({
    sampleType: [
      new ValueType({ type: s('samples'), unit: s('count') }),
      new ValueType({ type: s('cpu'), unit: s('nanoseconds') }),
    ],
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: Math.round((meta.startedAtMs ?? 0) * 1e6),
    durationNanos: Math.round(durationUs * 1000),
    periodType: new ValueType({ type: s('cpu'), unit: s('nanoseconds') }),
    period,
    comment: (meta.comments ?? []).map(s),
    defaultSampleType: s('cpu'),
  }).encode();
}

/** The profile as a gzipped pprof (`.pb.gz`). */
export function pprofFile(profile: PackedProfile, meta: PprofMeta = {}): Uint8Array {
  return gzipSync(encodePprof(profile, meta));
}

/**
 * A node's samples over the lines V8 ticked in it, in proportion to the ticks: whole counts by
 * largest remainder (they add up to `count`); line 0 when it has no ticks.
 */
function splitOverLines(
  profile: PackedProfile,
  node: number,
  count: number,
): { line: number; share: number; count: number }[] {
  const from = profile.tickStart[node];
  const to = profile.tickStart[node + 1];
  let ticks = 0;
  for (let k = from; k < to; k++) ticks += profile.tickCount[k];
  if (!(ticks > 0)) return [{ line: 0, share: 1, count }];
  const parts = [];
  for (let k = from; k < to; k++) {
    const share = profile.tickCount[k] / ticks;
    parts.push({
      line: profile.tickLine[k],
      share,
      count: Math.floor(count * share),
      rest: (count * share) % 1,
    });
  }
  let left = count - parts.reduce((sum, p) => sum + p.count, 0);
  for (const part of [...parts].sort((a, b) => b.rest - a.rest)) {
    if (left <= 0) break;
    part.count++;
    left--;
  }
  return parts
    .filter((p) => p.count > 0 || p.share > 0)
    .map(({ line, share, count: c }) => ({ line, share, count: c }));
}
