/**
 * What blocked the event loop: each stall the agent measured (a turn of the loop longer than the
 * threshold, `src/runner/agent/stalls.ts`) charged to the CPU samples inside its span. A sample
 * is charged to its deepest frame of the user's code, or to its leaf when it has none (the
 * garbage collector, a library with no user frame under it).
 */
import type { StallsRecord } from '../record/stalls';
import { type AnalyzedFunction, sourceOf } from './analyze';
import type { LoopFigures } from './diagnosisTypes';
import { functionsOf } from './model';
import type { PackedProfile } from './packedProfile';

/** One function, over the stalls its samples were in. */
export interface StallFunction {
  /** Its id in the analysis' functions. */
  functionId: number;
  /** Stalls with at least one of its samples. */
  stalls: number;
  /** Those stalls' lengths added up, ms. */
  totalMs: number;
  longestMs: number;
  /** Its samples' time inside stalls, µs: how much of the blocking was its own. */
  sampledUs: number;
}

export interface StallAnalysis {
  thresholdMs: number;
  probeMs: number;
  /** Stalls charged to code (those past the agent's cap included). */
  count: number;
  /**
   * Late turns whose samples were mostly idle, not charged: the thread was not running code (a
   * pool's thread in Atomics.wait, whose timers cannot fire; a machine too busy to run it).
   */
  idle: number;
  /** Stalls past the agent's cap: counted, not attributed. */
  dropped: number;
  /** The stalls' lengths, ms: a floor each (the probe sees a turn from when its timer was due). */
  totalMs: number;
  longestMs: number;
  /** Stalls with no sample inside (shorter than the sampling interval would allow, or unprofiled). */
  unsampled: number;
  /** Most blocking first (`sampledUs`). */
  functions: StallFunction[];
  threads: StallsRecord['threads'];
}

export function attributeStalls(
  profile: PackedProfile,
  stalls: StallsRecord,
  functions: readonly AnalyzedFunction[],
): StallAnalysis {
  const blame = blamedFunctions(profile, functions);
  const spans = [...stalls.spans].sort((a, b) => a[0] - b[0]);
  const { samples, timeDeltas } = profile;
  const times = new Float64Array(samples.length);
  let time = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    time += timeDeltas[i];
    times[i] = time;
  }
  const rows = new Map<number, StallFunction>();
  const idle = idleFunctions(functions);
  let unsampled = 0;
  let idleStalls = 0;
  let totalMs = 0;
  let longestMs = 0;
  let first = 0; // the first sample not before the current span (spans are sorted by start)
  for (const [start, end] of spans) {
    const ms = (end - start) / 1000;
    while (first < times.length && times[first] < start) first++;
    const inside = new Map<number, number>();
    let sampled = 0;
    let idleUs = 0;
    for (let i = first; i < times.length && times[i] < end; i++) {
      const next = i + 1 < times.length ? times[i + 1] : Math.max(profile.endTime, times[i]);
      const fn = blame[samples[i]];
      const us = Math.max(0, Math.min(next, end) - times[i]);
      inside.set(fn, (inside.get(fn) ?? 0) + us);
      sampled += us;
      if (idle.has(fn)) idleUs += us;
    }
    if (sampled > 0 && idleUs > sampled / 2) {
      idleStalls++;
      continue;
    }
    totalMs += ms;
    longestMs = Math.max(longestMs, ms);
    if (inside.size === 0) unsampled++;
    for (const [functionId, us] of inside) {
      const row = rows.get(functionId) ?? {
        functionId,
        stalls: 0,
        totalMs: 0,
        longestMs: 0,
        sampledUs: 0,
      };
      row.stalls++;
      row.totalMs += ms;
      row.longestMs = Math.max(row.longestMs, ms);
      row.sampledUs += us;
      rows.set(functionId, row);
    }
  }
  return {
    thresholdMs: stalls.thresholdMs,
    probeMs: stalls.probeMs,
    count: spans.length - idleStalls + stalls.dropped,
    idle: idleStalls,
    dropped: stalls.dropped,
    totalMs,
    longestMs,
    unsampled,
    functions: [...rows.values()].sort((a, b) => b.sampledUs - a.sampledUs),
    threads: stalls.threads,
  };
}

/** What the diagnosis reads of the loop: the delay p99, the stalls and the user's top function. */
export function loopFigures(
  delayP99Ms: number,
  stalls: StallAnalysis | undefined,
  functions: readonly AnalyzedFunction[],
): LoopFigures {
  if (!stalls) return { delayP99Ms };
  const byId = new Map(functions.map((f) => [f.id, f]));
  const rows = stalls.functions.map((row) => ({ row, f: byId.get(row.functionId) }));
  const top = rows.find(({ f }) => f?.category === 'user') ?? rows[0];
  const where = top?.f ? sourceOf(top.f) : undefined;
  return {
    delayP99Ms,
    stalls: {
      count: stalls.count,
      thresholdMs: stalls.thresholdMs,
      longestMs: stalls.longestMs,
      ...(top?.f
        ? {
            top: {
              name: top.f.name,
              stalls: top.row.stalls,
              ...(where ? { file: where.source, line: where.line } : {}),
            },
          }
        : {}),
    },
  };
}

/** The functions that are the thread waiting: `(idle)`, and nothing else of V8's. */
function idleFunctions(functions: readonly AnalyzedFunction[]): Set<number> {
  return new Set(functions.filter((f) => f.category === 'idle').map((f) => f.id));
}

/** Per node: its deepest frame of the user's code (itself or an ancestor), else itself. */
function blamedFunctions(
  profile: PackedProfile,
  functions: readonly AnalyzedFunction[],
): Int32Array {
  const { functionOf } = functionsOf(profile);
  const isUser = new Set(functions.filter((f) => f.category === 'user').map((f) => f.id));
  const n = profile.nodeCount;
  const nearestUser = new Int32Array(n).fill(-1);
  const isChild = new Uint8Array(n);
  for (let i = 0; i < profile.childList.length; i++) isChild[profile.childList[i]] = 1;
  const stack: number[] = [];
  for (let i = 0; i < n; i++) if (!isChild[i]) stack.push(i);
  while (stack.length > 0) {
    const node = stack.pop() as number;
    if (isUser.has(functionOf[node])) nearestUser[node] = functionOf[node];
    for (let c = profile.childStart[node]; c < profile.childStart[node + 1]; c++) {
      const child = profile.childList[c];
      nearestUser[child] = nearestUser[node];
      stack.push(child);
    }
  }
  const blame = new Int32Array(n);
  for (let i = 0; i < n; i++) blame[i] = nearestUser[i] >= 0 ? nearestUser[i] : functionOf[i];
  return blame;
}
