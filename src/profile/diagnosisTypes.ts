/**
 * What a diagnosis is (its verdict, sentence, evidence and where to look) and what it reads of a
 * run: types only, shared by the diagnosis (diagnosis.ts) and its verdicts (verdicts.ts).
 */
import type { MachineUse } from '../record/run';
import type { MissedCpu } from './missedCpu';
import type { Waits } from './waits';

export type Verdict = 'failing' | 'waiting' | 'cpu-bound' | 'gc-pressure' | 'mixed';

export interface Evidence {
  what: string;
  value: number;
  /** How the value is shown: a share (0..1), milliseconds, or a plain ratio. */
  unit: 'share' | 'ms' | 'x';
  threshold?: number;
}

export interface Diagnosis {
  verdict: Verdict;
  /**
   * One or two sentences in plain words. They may refer to an option (`optionRef`): show them
   * through `forSurface` (vocabulary/words.ts), as every renderer of report/ does.
   */
  summary: string;
  evidence: Evidence[];
  /**
   * Where to look first, in the original source: the hottest line, or, with `functionOnly`, the
   * start of the hottest function when its lines cannot be named (tsx, a minified build).
   */
  lookAt?: {
    file: string;
    line: number;
    functionName: string;
    /** The line's (or, for a function, its own) self time, of the window; absent for a lock. */
    selfShare?: number;
    /**
     * A function's time with what it calls outside the user's code, of the window: the figure
     * the summary gives ("5.5 % of the window with what it calls"); never a line's.
     */
    withCallsShare?: number;
    /** A lock's acquire site: the share of the requests' latency spent waiting for it. */
    waitShare?: number;
    functionOnly?: true;
  };
}

/** What a diagnosis reads of a run's load summary and agent metrics (structural). */
import type { AllocationWords } from './heapprofile';

export interface RunFigures {
  load?: {
    requests: number;
    latencyMs: { p50: number };
    errors?: number;
    timeouts?: number;
    non2xx?: number;
    statusCodes?: Record<string, number>;
  };
  metrics?: { cpuUserMs: number; cpuSystemMs: number; cpuShare: number };
  /** How many processes were profiled (a cluster's workers): CPU is judged per process. */
  processes?: number;
  /** Where requests waited for locks, when the run watched them. */
  waits?: Waits | undefined;
  /** Whether the run watched the lock libraries (`watchLocks`): with no `waits`, it saw none. */
  locksWatched?: boolean | undefined;
  /** A ramp's knee: whether req/s still grew with connections. */
  ramp?: { growth: number; stillRising?: boolean } | undefined;
  /** The machine over the window, when the runner measured it. */
  machine?: MachineUse | undefined;
  /** Each profiled thread's busy share of the window, when several were merged. */
  threads?: { label: string; share: number }[] | undefined;
  /** CPU that no profiled thread accounts for (a pool's thread missed), when past the noise. */
  missed?: MissedCpu | undefined;
  /** The event loop: the agent's delay p99 and, when measured, its stalls and who was in them. */
  loop?: LoopFigures | undefined;
  /** The functions that allocated most of the window's bytes, when allocations were sampled. */
  allocations?: AllocationWords | undefined;
}

export interface LoopFigures {
  delayP99Ms: number;
  stalls?: {
    count: number;
    thresholdMs: number;
    longestMs: number;
    /** The function most of the stalls' samples were in (the user's first), and where it is. */
    top?: { name: string; stalls: number; file?: string; line?: number };
  };
}
