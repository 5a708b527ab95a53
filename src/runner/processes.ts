/**
 * Which of the target's Node processes and threads to profile. Every process a service command
 * starts carries the agent (npm, a wrapper, a cluster's primary and workers, worker threads):
 * the ones that serve the URL's port do the work. Pure over what the agents reported.
 */

import type { AgentMetrics } from '../record/load';
import type { LockReport } from '../record/locks';

/** What the runner knows of one agent: its process, its thread, what it listens on. */
export interface Unit {
  pid: number;
  ppid: number;
  /** 0: the process's main thread. */
  threadId: number;
  ports: readonly number[];
}

export interface Skipped<T> {
  unit: T;
  why: string;
}

export interface Choice<T> {
  /** The units to profile: serving processes in the order they arrived, then their threads. */
  profiled: T[];
  /** Units of the target left out, each with the reason, for the summary. */
  skipped: Skipped<T>[];
  /** How many more would have been profiled without the cap (0: the cap was not hit). */
  overCap: number;
}

/** The default cap on processes and threads profiled in one run. */
export const MAX_PROFILED = 8;

/**
 * Serving processes are the main threads that listen on `port`, but for a `node:cluster`
 * primary in round-robin mode: it listens too, and hands each connection to a worker that also
 * listens. Their worker threads come with them (a pool doing the CPU work of requests).
 */
export function chooseProfiled<T extends Unit>(
  units: readonly T[],
  port: number,
  cap: number,
): Choice<T> {
  const listeners = units.filter((u) => u.threadId === 0 && u.ports.includes(port));
  const distributors = new Set(
    listeners.filter((l) => listeners.some((other) => other.ppid === l.pid)).map((l) => l.pid),
  );
  const serving = listeners.filter((l) => !distributors.has(l.pid));
  const servingPids = new Set(serving.map((u) => u.pid));
  const threads = units.filter((u) => u.threadId !== 0 && servingPids.has(u.pid));
  const wanted = [...serving, ...threads];
  const profiled = wanted.slice(0, cap);
  const skipped: Skipped<T>[] = [];
  for (const unit of units) {
    if (profiled.includes(unit)) continue;
    if (distributors.has(unit.pid) && unit.threadId === 0) {
      const workers = listeners.filter((l) => l.ppid === unit.pid).map((l) => l.pid);
      skipped.push({
        unit,
        why: `hands port ${port}'s connections to its workers (pid ${workers.join(', ')}): a cluster primary`,
      });
    } else if (wanted.includes(unit)) {
      skipped.push({ unit, why: `over the cap of ${cap} profiled processes and threads` });
    } else if (unit.threadId !== 0) {
      skipped.push({ unit, why: `a thread of pid ${unit.pid}, which does not serve port ${port}` });
    } else {
      skipped.push({ unit, why: `does not listen on port ${port}` });
    }
  }
  return { profiled, skipped, overCap: wanted.length - profiled.length };
}

/**
 * One set of metrics for several processes: CPU time adds up (cores used), GC is the share of
 * the processes' time, loop delays the worst. `mains` are the processes' main threads (a worker
 * thread's `process.cpuUsage` is its whole process's, so threads add no CPU of their own).
 */
export function combineMetrics(mains: readonly AgentMetrics[]): AgentMetrics {
  if (mains.length === 1) return mains[0];
  const sum = (f: (m: AgentMetrics) => number) => mains.reduce((a, m) => a + f(m), 0);
  const max = (f: (m: AgentMetrics) => number) => Math.max(...mains.map(f));
  const wallMs = max((m) => m.wallMs);
  const byKind: Record<string, { count: number; totalMs: number }> = {};
  for (const m of mains)
    for (const [kind, slot] of Object.entries(m.gc.byKind)) {
      const into = byKind[kind] ?? { count: 0, totalMs: 0 };
      into.count += slot.count;
      into.totalMs += slot.totalMs;
      byKind[kind] = into;
    }
  const gcTotalMs = sum((m) => m.gc.totalMs);
  return {
    wallMs,
    cpuUserMs: sum((m) => m.cpuUserMs),
    cpuSystemMs: sum((m) => m.cpuSystemMs),
    cpuShare: sum((m) => m.cpuShare),
    eventLoopUtilization: sum((m) => m.eventLoopUtilization) / mains.length,
    eventLoopDelayMs: {
      min: Math.min(...mains.map((m) => m.eventLoopDelayMs.min)),
      mean: sum((m) => m.eventLoopDelayMs.mean) / mains.length,
      p50: max((m) => m.eventLoopDelayMs.p50),
      p90: max((m) => m.eventLoopDelayMs.p90),
      p99: max((m) => m.eventLoopDelayMs.p99),
      max: max((m) => m.eventLoopDelayMs.max),
    },
    gc: {
      count: sum((m) => m.gc.count),
      totalMs: gcTotalMs,
      share: wallMs > 0 ? gcTotalMs / (wallMs * mains.length) : 0,
      byKind,
    },
    heap: {
      startUsedBytes: sum((m) => m.heap.startUsedBytes),
      endUsedBytes: sum((m) => m.heap.endUsedBytes),
      peakUsedBytes: sum((m) => m.heap.peakUsedBytes),
      peakRssBytes: sum((m) => m.heap.peakRssBytes),
    },
    samplingIntervalUs: mains[0].samplingIntervalUs,
  };
}

/** Several processes' lock reports as one: each process's locks are locks of their own. */
export function combineLocks(reports: readonly (LockReport | undefined)[]): LockReport | undefined {
  const present = reports.filter((r): r is LockReport => r !== undefined);
  if (present.length <= 1) return present[0];
  const combined: LockReport = { library: present[0].library, locks: [], sites: [] };
  for (const report of present) {
    const offset = combined.locks.length;
    combined.locks.push(...report.locks);
    combined.sites.push(...report.sites.map((site) => ({ ...site, lock: site.lock + offset })));
  }
  return combined;
}
