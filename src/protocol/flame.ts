/**
 * The flamegraph's data and the report's content, as the extension host or the CLI hands them to
 * the renderer in `media/`. Types and the list of categories: imported by both sides; the
 * messages that carry them to a webview are in webview.ts. The tree is compact and
 * pre-aggregated (never the raw profile): parallel arrays in pre-order, children heaviest first.
 */

/** Whose code a frame is, in a fixed order (a packed report sends each as its index). */
export const FLAME_CATEGORIES = [
  'user',
  'node_modules',
  'node',
  'v8',
  'program',
  'idle',
  'gc',
  'root',
  'hotpath',
] as const;

export type FlameCategory = (typeof FLAME_CATEGORIES)[number];

export interface FlameData {
  version: 1;
  title: string;
  /** 'diff': `before` holds each frame's total in the earlier run, in the same unit. */
  mode: 'time' | 'diff';
  /**
   * What `self`, `total` and `before` count: µs, µs per request, shares of the duration, or bytes
   * allocated (in all, or per request).
   */
  unit: 'us' | 'us-per-request' | 'share' | 'bytes' | 'bytes-per-request';
  /** Per function. */
  functions: {
    names: string[];
    /** Original file (or script URL); empty for V8's own entries. What opens the source. */
    files: string[];
    /**
     * Each file as people read it (relative to the workspace, node_modules/…, hotpath/…): what
     * the page shows. Absent: the page shows `files`.
     */
    shown?: string[];
    /** 1-based; 0 when unknown. */
    lines: number[];
    categories: FlameCategory[];
  };
  /**
   * Per frame, in pre-order; frame 0 is the root. Plain arrays where the report is JSON (the
   * HTML report), typed arrays where it travels by message (see flameCodec.ts).
   */
  frames: {
    fn: Column;
    /** -1 for the root. */
    parent: Column;
    self: Column;
    total: Column;
    before?: Column;
  };
}

/** A column of numbers: an array, or a typed array over a message's buffer. */
export type Column = ArrayLike<number>;

/** The standalone HTML report's content; every string is shown as text, never as HTML. */
export interface ReportData {
  title: string;
  subtitle: string;
  /** The Node that ran the service ("v20.20.2"), when the run says: its built-in frames' Node. */
  node?: string;
  /** Label and text, such as ["throughput", "963 req/s · …"]. */
  rows: [string, string][];
  diagnosis: { verdict: string; summary: string };
  hotFunctions: {
    name: string;
    location: string;
    self: string;
    total: string;
    /** Self time per response ("2.2 µs"), when the run counted its responses. */
    perResponse?: string;
    /** Of a view of several threads or processes: the thread it spent the most time in. */
    thread?: string;
  }[];
  /** What the breakdown's shares are of, when not the window (a pprof: "the sampled time"). */
  sharesOf?: string;
  /** The threads, when the view holds several: name, samples, sampled time, CPU, share. */
  threads?: { label: string; samples: string; sampled: string; cpu: string; share: string }[];
  /**
   * Of a profile of several threads, whichever is shown (all merged, or one alone): every thread,
   * busiest first, with its share of all their time, and the one shown (absent: all merged).
   * The profile editor offers them as its choice of thread.
   */
  threadChoice?: { threads: { label: string; share: string }[]; chosen?: string };
  /**
   * Where all of the window went, row by row (your code, each package, Node, native, generated
   * code, GC, idle, Hotpath's agent, unattributed): the rows add up to the whole.
   */
  breakdown?: { label: string; share: string; detail: string }[];
  /** Column titles of the two figures (default "self" and "total"; a comparison: "before", "after"). */
  figureTitles?: [string, string];
  /** Lines of the source, and each function's inlined code ("inlined code in f (app.ts)"). */
  hotLines: { location: string; functionName: string; self: string; perResponse?: string }[];
  /**
   * The lines that call the cost, inferred from the callees' names (never measured), kept apart
   * from the hot lines: "calls 56.8 % (createHash, digest, update) — inferred …".
   */
  callLines?: { location: string; functionName: string; text: string }[];
  flame: FlameData;
  /** Every response's latency in coarse bins: `counts[i]` ≤ `edgesMs[i]`, the last above all. */
  histogram?: { edgesMs: number[]; counts: number[] };
  /** Where requests waited for locks, when the run watched them and a lock was taken. */
  waits?: {
    /** "async-mutex 0.5.0". */
    library: string;
    rows: WaitRow[];
    /** What the table's rate counts (acquisitions, not requests), said under it. */
    note?: string;
    /** Wait time by acquire stack; only when waits are 1 % of the latency or more somewhere. */
    flame?: FlameData;
  };
  /** What blocked the event loop, when the run measured its turns. */
  stalls?: {
    /** "9 stalls over 20 ms, longest 535 ms, 2,276 ms in all; loop delay p99 309 ms". */
    summary: string;
    rows: StallRow[];
    note: string;
    /** Each profiled thread's own loop, when the run profiled several threads. */
    threads?: ThreadLoopRow[];
    threadsNote?: string;
  };
  /**
   * What the page's flamegraph counts. Absent: time, with the hot functions and lines. 'bytes': a
   * lone heap profile, which has no times: the flamegraph is the bytes by allocating stack, the
   * allocations' table the functions, and there are no lines, no timeline and no time sections.
   */
  measure?: 'bytes';
  /** Where memory was allocated, when the run sampled it (or the lone heap profile's). */
  allocations?: {
    /** "1.1 MB allocated per request, 3.4 GB in all (…); used heap after a collection …". */
    summary: string;
    /** The bytes column's heading: "per request", or "bytes" without a count of requests. */
    bytesHeading: string;
    rows: AllocationRow[];
    note: string;
    /** The bytes by allocating stack (a bytes scale); V8 records functions, not lines. */
    flame?: FlameData;
  };
  /** The load second by second, for the chart (absent for a lone profile). */
  timeline?: {
    /** Seconds since the load began. */
    t: number[];
    rps: number[];
    p50Ms: (number | null)[];
    p99Ms: (number | null)[];
    errors: number[];
    /** Connections open each second (absent in older runs): a shape's steps. */
    connections?: (number | null)[];
  };
  /** A comparison's two loads, drawn on the same axes: [before, after]. */
  compared?: {
    labels: [string, string];
    timelines: [ReportTimeline | undefined, ReportTimeline | undefined];
    histograms: [LatencyBins | undefined, LatencyBins | undefined];
  };
}

export type ReportTimeline = NonNullable<ReportData['timeline']>;
export type LatencyBins = NonNullable<ReportData['histogram']>;

/** One lock and acquire site, as text: "Mutex in read", "98.7 %", "1,518 ms"… */
/** A function that was running while the event loop stalled, as the report's table shows it. */
export interface StallRow {
  function: string;
  /** Stalls it was in. */
  stalls: string;
  /** Those stalls' lengths added up, and the longest. */
  total: string;
  longest: string;
  /** Its samples' share of all the samples inside stalls. */
  ofBlocking: string;
  where: string;
}

/** A profiled thread's own event loop, as the report's table shows it. */
export interface ThreadLoopRow {
  thread: string;
  stalls: string;
  /** Its probe's timer lateness: the loop delay's p50, p99 and max. */
  p50: string;
  p99: string;
  max: string;
}

/** A function's allocations, as the report's table shows it. */
export interface AllocationRow {
  function: string;
  /** Its own bytes per request (or in all, without a count of requests). */
  bytes: string;
  /** Its bytes with what it called, likewise (a lone heap profile's page shows them). */
  total?: string;
  /** Its own bytes' share of all the bytes sampled. */
  share: string;
  where: string;
}

export interface WaitRow {
  lock: string;
  where: string;
  ofLatency: string;
  waitP50: string;
  waitP99: string;
  holdP50: string;
  perSec: string;
  /** "held across an await", or empty. */
  note: string;
}
