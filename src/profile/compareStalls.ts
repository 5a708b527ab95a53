/**
 * Two runs' event-loop stalls side by side: each run's stalls per second of its window, the ratio
 * of the two rates with a 95 % interval, the loop delay p99, and each function's stalls before →
 * after. A window's stalls are events counted over a time, so the rate's uncertainty is a Poisson
 * count's, as the heap samples' are (`poissonRatio`, compareAllocations.ts). Pure.
 */

import { poissonRatio } from './compareAllocations';
import type { Category } from './model';
import type { StallAnalysis } from './stalls';
import type { RatioInterval } from './stats';

/** One run's stalls over its window. */
export interface StallSide {
  thresholdMs: number;
  /** Stalls charged to code (as the run's table counts them). */
  count: number;
  /** The window they were counted over, s. */
  windowSec: number;
  perSec: number;
  totalMs: number;
  longestMs: number;
  /** The main thread's loop delay p99 (the agent's monitorEventLoopDelay), when measured. */
  delayP99Ms?: number;
}

/** A function's stalls in one run: how many it was in, their total and the longest, ms. */
export interface StallCount {
  stalls: number;
  totalMs: number;
  longestMs: number;
}

/** A function of either run, with its stalls in each (zero where it was in none). */
export interface StallFunctionChange {
  name: string;
  category: Category;
  file: string;
  line: number;
  before: StallCount;
  after: StallCount;
}

export interface StallComparison {
  before: StallSide;
  after: StallSide;
  /**
   * after ÷ before stalls per second, with its 95 % interval (Poisson on the two counts; a count
   * of 0 counts as 0.5). Absent when neither run stalled, or when the runs' thresholds differ
   * (their counts are of different things).
   */
  ratio?: RatioInterval;
  /** The runs' thresholds differ: counts are not compared. */
  thresholdsDiffer?: true;
  /** The functions in most stalls (in either run), most first; Hotpath's agent left out. */
  functions: StallFunctionChange[];
}

/** One run's stalls, as compareStalls takes them. */
export interface ComparedStalls {
  stalls: StallAnalysis;
  /** The window, µs (the profile's duration). */
  durationUs: number;
  delayP99Ms?: number;
  /** Each stall row's function as both runs key it. */
  frameOf: (
    functionId: number,
  ) => { key: string; name: string; category: Category; file: string; line: number } | undefined;
}

/** What the functions' rows leave out: not code, or Hotpath's own. */
const NOT_CODE: ReadonlySet<Category> = new Set<Category>(['hotpath', 'idle', 'root']);

/** Functions kept in a comparison. */
const FUNCTIONS_KEPT = 8;

const none = (): StallCount => ({ stalls: 0, totalMs: 0, longestMs: 0 });

/** Undefined unless both runs measured their loops over a window. */
export function compareStalls(
  before: ComparedStalls | undefined,
  after: ComparedStalls | undefined,
): StallComparison | undefined {
  if (!before || !after || before.durationUs <= 0 || after.durationUs <= 0) return undefined;
  const side = (run: ComparedStalls): StallSide => {
    const windowSec = run.durationUs / 1e6;
    return {
      thresholdMs: run.stalls.thresholdMs,
      count: run.stalls.count,
      windowSec,
      perSec: run.stalls.count / windowSec,
      totalMs: run.stalls.totalMs,
      longestMs: run.stalls.longestMs,
      ...(run.delayP99Ms !== undefined ? { delayP99Ms: run.delayP99Ms } : {}),
    };
  };
  const [a, b] = [side(before), side(after)];
  const thresholdsDiffer = a.thresholdMs !== b.thresholdMs;
  const changes = new Map<string, StallFunctionChange>();
  for (const [run, key] of [
    [before, 'before'],
    [after, 'after'],
  ] as const) {
    for (const row of run.stalls.functions) {
      const frame = run.frameOf(row.functionId);
      // Hotpath's agent is never a change of the user's (as in compareRuns' rows).
      if (!frame || NOT_CODE.has(frame.category)) continue;
      const change = changes.get(frame.key) ?? {
        name: frame.name,
        category: frame.category,
        file: frame.file,
        line: frame.line,
        before: none(),
        after: none(),
      };
      const count = change[key];
      count.stalls += row.stalls;
      count.totalMs += row.totalMs;
      count.longestMs = Math.max(count.longestMs, row.longestMs);
      changes.set(frame.key, change);
    }
  }
  // The rate of a run with no stall is taken as half a stall over its window (as the interval
  // takes its count), so that "none → 12" is a ratio with an interval, not a division by zero.
  const rate = (s: StallSide) => Math.max(s.count, 0.5) / s.windowSec;
  const ratio =
    thresholdsDiffer || (a.count === 0 && b.count === 0)
      ? undefined
      : poissonRatio(a.count, b.count, rate(b) / rate(a));
  const most = (c: StallFunctionChange) => Math.max(c.before.stalls, c.after.stalls);
  return {
    before: a,
    after: b,
    ...(ratio ? { ratio } : {}),
    ...(thresholdsDiffer ? { thresholdsDiffer: true as const } : {}),
    functions: [...changes.values()].sort((x, y) => most(y) - most(x)).slice(0, FUNCTIONS_KEPT),
  };
}
