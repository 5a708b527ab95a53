/**
 * What blocked the event loop, as figures: the stalls (turns over the threshold), the functions
 * in them, and each profiled thread's own loop. Computed once (see figures.ts). Pure.
 */
import type { LoadedRun } from '../profile/loadedRun';
import type { Category } from '../profile/model';
import type { RunRecord } from '../record/run';
import type { StallThreads } from '../record/stalls';
import { functionPlace } from './places';

/** A function over the stalls of the event loop its samples were in. */
export interface StallFigure {
  name: string;
  category: Category;
  packageName?: string;
  where: string;
  /** Stalls it was in. */
  stalls: number;
  /** Those stalls' lengths added up, and the longest, ms. */
  totalMs: number;
  longestMs: number;
  /** Its own samples' time inside stalls, ms, and their share of all the stalls' sampled time. */
  sampledMs: number;
  sampledShare: number;
}

/** What blocked the event loop: the stalls (turns over the threshold) and who was in them. */
export interface StallFigures {
  thresholdMs: number;
  /** The probe's period, ms: how often each thread's timer was due. */
  probeMs: number;
  count: number;
  /** Late turns of a thread that was idle (a pool's Atomics.wait, a busy machine): not charged. */
  idle: number;
  totalMs: number;
  longestMs: number;
  /** The agent's loop-delay percentiles, beside them (absent without the agent's metrics). */
  loopDelayMs?: { p50: number; p99: number; max: number };
  /** Whose loops were measured. */
  threads: StallThreads;
  rows: StallFigure[];
  /**
   * Each profiled thread's own loop (its stalls and its probe's delay percentiles), when the run
   * profiled more than one thread: a worker thread's loop is its own, apart from the main one's.
   */
  threadLoops?: ThreadLoopFigure[];
}

/** One profiled thread's own event loop over the window. */
export interface ThreadLoopFigure {
  pid: number;
  /** 0: the process's main thread. */
  threadId: number;
  /** "main thread of pid 41", "thread 1 of pid 41". */
  thread: string;
  /** How it was started: its process's command, or a worker thread's name and script. */
  command: string;
  /** Turns over the threshold its probe saw. */
  stalls: number;
  /** How late its probe's timer fired, ms. */
  delayMs: { p50: number; p99: number; max: number };
}

/** The stalls and the functions in them, most blocking first. */
export function stallFigures(
  run: LoadedRun,
  rows: number,
  cwd = process.cwd(),
): StallFigures | undefined {
  const { stalls, analysis } = run;
  if (!stalls) return undefined;
  const byId = new Map(analysis.functions.map((f) => [f.id, f]));
  const sampledUs = stalls.functions.reduce((sum, f) => sum + f.sampledUs, 0) || 1;
  const delay = run.record?.agent?.eventLoopDelayMs;
  const threadLoops = threadLoopFigures(run.record);
  return {
    thresholdMs: stalls.thresholdMs,
    probeMs: stalls.probeMs,
    count: stalls.count,
    idle: stalls.idle,
    totalMs: stalls.totalMs,
    longestMs: stalls.longestMs,
    ...(delay ? { loopDelayMs: { p50: delay.p50, p99: delay.p99, max: delay.max } } : {}),
    threads: stalls.threads,
    rows: stalls.functions.slice(0, rows).flatMap((row) => {
      const f = byId.get(row.functionId);
      if (!f) return [];
      return [
        {
          name: f.name,
          category: f.category,
          ...(f.packageName ? { packageName: f.packageName } : {}),
          where: functionPlace(f, cwd),
          stalls: row.stalls,
          totalMs: row.totalMs,
          longestMs: row.longestMs,
          sampledMs: row.sampledUs / 1000,
          sampledShare: row.sampledUs / sampledUs,
        },
      ];
    }),
    ...(threadLoops ? { threadLoops } : {}),
  };
}

/** Each profiled thread's loop, when there are several and their probes answered. */
function threadLoopFigures(record: RunRecord | undefined): ThreadLoopFigure[] | undefined {
  const rows = (record?.processes?.profiled ?? []).flatMap((p) =>
    p.loop
      ? [
          {
            pid: p.pid,
            threadId: p.threadId,
            thread:
              p.threadId === 0
                ? `main thread of pid ${p.pid}`
                : `thread ${p.threadId} of pid ${p.pid}`,
            command: p.command,
            stalls: p.loop.stalls,
            delayMs: { p50: p.loop.delayMs.p50, p99: p.loop.delayMs.p99, max: p.loop.delayMs.max },
          },
        ]
      : [],
  );
  return rows.length > 1 ? rows : undefined;
}
