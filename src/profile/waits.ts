/**
 * Where requests wait: the lock report of a run turned into answers. Per lock and acquire site,
 * in the original source: acquisitions, wait and hold times, the share of the endpoint's latency
 * spent waiting there, and whether the lock is held across an await. Pure but for the source
 * mapper it is given.
 */
import type { LockKind, LockReport, StackFrame, TimeSummary } from '../record/locks';
import type { SourceMapper } from './sourcemaps';
import { scriptPath } from './sourcemaps';

/**
 * The thresholds, as data. From runs of the sample service (50 connections, 3–10 s, 2 cores):
 *   /read  the Mutex held 50–52 ms (p50) per request, whose CPU is 1–3 ms (the profiler's
 *          thread included); waits 2.4 s p50; 97–98 % of the latency waiting
 *   /fast  the turnstile held 0.01–0.05 ms; waits under 1 ms
 */
export const WAIT_THRESHOLDS = {
  heldAcrossAwait: {
    /** A hold this long (p50) or longer… */
    minHoldMs: 1,
    /** …and at least this many times the CPU time of a whole request: the holder waited. */
    minHoldOverCpu: 5,
  },
  /** A site whose waits are this share of the latency or more leads the diagnosis. */
  diagnosis: { minWaitShare: 0.5 },
} as const;

/** A place in the original source (through source maps), or in the script as it ran. */
export interface Place {
  file: string;
  /** 1-based. */
  line: number;
  functionName: string;
  mapped: boolean;
}

export interface LockSite {
  kind: LockKind;
  /**
   * The lock as a user knows it: the variable or property it was created into and where
   * ("mutex · server.ts:6", "#turnstile · rwlock.ts:18"), else its kind and where, else its kind.
   */
  name: string;
  /** Where the lock was created, when known. */
  created?: Place;
  /** The acquire call. */
  site: Place;
  /** The acquire call and its callers. */
  stack: Place[];
  asked: number;
  failed: number;
  waitMs: TimeSummary;
  holdMs: TimeSummary;
  /** Granted acquisitions per second of the window. */
  perSec: number;
  /** This site's total wait ÷ the total latency of the window's responses (0..1). */
  waitShare: number;
  heldAcrossAwait: boolean;
}

export interface Waits {
  library: LockReport['library'];
  /** Most waited-on first. */
  sites: LockSite[];
}

/** What the analysis needs of the run besides the report. */
export interface WaitFigures {
  /** The measured window, in seconds. */
  durationSec: number;
  /** Responses in the window, and their mean latency. */
  requests: number;
  meanLatencyMs: number;
  /** The service's CPU over the window (all its threads), ms. */
  cpuMs?: number;
}

export function analyzeWaits(
  report: LockReport,
  figures: WaitFigures,
  mapper: SourceMapper,
  /** The text of a source file, to name a lock by the variable it was created into. */
  readSource: (file: string) => string | undefined = () => undefined,
): Waits {
  const place = (frame: StackFrame): Place => {
    const original = mapper.position(frame.url, frame.line, frame.column);
    if (original) {
      return {
        file: original.source,
        line: original.line,
        functionName: original.name ?? frame.name,
        mapped: true,
      };
    }
    return {
      file: scriptPath(frame.url) ?? frame.url,
      line: frame.line,
      functionName: frame.name,
      mapped: false,
    };
  };
  const latencyMs = figures.requests * figures.meanLatencyMs;
  const cpuPerRequestMs =
    figures.cpuMs !== undefined && figures.requests > 0 ? figures.cpuMs / figures.requests : 0;
  const sites = report.sites
    .filter((s) => s.stack.length > 0)
    .map((s): LockSite => {
      const lock = report.locks[s.lock];
      const stack = s.stack.map(place);
      const created = lock?.created?.[0] ? place(lock.created[0]) : undefined;
      const kind = lock?.kind ?? 'Mutex';
      const { minHoldMs, minHoldOverCpu } = WAIT_THRESHOLDS.heldAcrossAwait;
      return {
        kind,
        name: lockName(kind, created, readSource),
        ...(created ? { created } : {}),
        site: stack[0],
        stack,
        asked: s.asked,
        failed: s.failed,
        waitMs: s.waitMs,
        holdMs: s.holdMs,
        perSec: figures.durationSec > 0 ? s.waitMs.count / figures.durationSec : 0,
        waitShare: latencyMs > 0 ? Math.min(1, s.waitMs.total / latencyMs) : 0,
        heldAcrossAwait:
          s.holdMs.count > 0 &&
          s.holdMs.p50 >= minHoldMs &&
          s.holdMs.p50 >= minHoldOverCpu * cpuPerRequestMs,
      };
    })
    .sort((a, b) => b.waitMs.total - a.waitMs.total);
  return { library: report.library, sites };
}

/**
 * A lock's name from the line that created it: the variable, property or field the `new` or the
 * factory's call went into (`const mutex = new Mutex()`, `mutex: new Mutex()`, `this.#turnstile =
 * new Mutex()`, `const limit = pLimit(1)`), with the file and line; its kind where the line says
 * no name or cannot be read.
 */
export function lockName(
  kind: LockSite['kind'],
  created: Place | undefined,
  readSource: (file: string) => string | undefined,
): string {
  if (!created) return kind;
  const where = `${baseName(created.file)}:${created.line}`;
  let text: string | undefined;
  try {
    text = readSource(created.file)?.split('\n')[created.line - 1];
  } catch {
    text = undefined;
  }
  const name =
    text && /([#\w$]+)\s*(?::\s*[\w$<>[\], ]+)?\s*[:=]\s*(?:new\b|[\w$.]+\s*\()/.exec(text)?.[1];
  return `${name && name !== 'new' ? name : kind} · ${where}`;
}

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

/** A lock's kind with its article, as sentences say it: "a Mutex", "an AsyncLock". */
export function aLockOf(kind: LockKind): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}
