/**
 * Two runs side by side: load ratios, the functions and lines whose self time per request
 * changed most, and a differential call tree for the flamegraph's diff mode. Time is divided by
 * the run's request count (or, for lone profiles, by its duration), so runs of different length
 * compare fairly. Pure.
 */

import type { SampleSeries } from '../record/samples';
import type { ResponseCount } from '../vocabulary/served';
import type { Analysis, AnalyzedFunction } from './analyze';
import { agentWork } from './breakdown';
import { type AllocationComparison, compareAllocations } from './compareAllocations';
import { type ComparedStalls, compareStalls, type StallComparison } from './compareStalls';
import type { AllocationAnalysis } from './heapprofile';
import { type Category, preOrder } from './model';
import { scriptPath } from './sourcemaps';
import type { StallAnalysis } from './stalls';
import { type RatioInterval, ratioInterval } from './stats';
import type { LockSite, Waits } from './waits';

export interface ComparedRun {
  analysis: Analysis;
  load?: {
    requests: number;
    requestsPerSec: number;
    latencyMs: { p50: number; p90: number; p99: number };
    errors: number;
    non2xx: number;
  };
  metrics?: { cpuUserMs: number; cpuSystemMs: number };
  /**
   * What its per-request figures divide by, when not the load's answers: the responses the
   * service finished within the window (`served.finished`, see src/vocabulary/served.ts).
   */
  responses?: { count: number; counts: ResponseCount };
  /**
   * The load in short intervals, one series per load of the run; absent when unknown or when
   * the load was not constant (a ramp's intervals differ by design, not by chance).
   */
  samples?: SampleSeries[];
  /** Where requests waited for locks; absent when the run has no lock report. */
  waits?: Waits;
  /** Where memory was allocated; absent when the run sampled none. */
  allocations?: AllocationAnalysis;
  /** What blocked the event loop; absent when the run did not measure its loop. */
  stalls?: StallAnalysis;
  /** The main thread's loop delay p99 over the window, ms (the agent's metrics). */
  loopDelayP99Ms?: number;
}

/** One lock's wait at one acquire site, in one run. */
export interface LockWait {
  waitP50Ms: number;
  /** The site's waits ÷ the latency of the window's responses (0..1). */
  waitShare: number;
}

/** A lock site (matched by its acquire call's file and line) in both runs; absent: no waits there. */
export interface LockChange {
  kind: LockSite['kind'];
  /** The lock as a user knows it (see LockSite.name). */
  name: string;
  file: string;
  line: number;
  functionName: string;
  before?: LockWait;
  after?: LockWait;
}

/** A function or a line, as both runs know it. */
interface Frame {
  key: string;
  name: string;
  /** Original file (or script) and 1-based line. */
  file: string;
  line: number;
  category: Category;
}

/** What the changed functions and lines leave out: not code, or Hotpath's own. */
const NOT_A_CHANGE: ReadonlySet<Category> = new Set(['hotpath', 'idle', 'root']);

/** Self time per request (µs) in each run, or share of the duration for lone profiles. */
export interface Change extends Frame {
  before: number;
  after: number;
}

/** Total time per request (µs) or share, in each run, along one call path. */
export interface DiffNode extends Change {
  children: DiffNode[];
}

export interface Comparison {
  /** µs per request when both runs have a request count; otherwise shares of the duration. */
  unit: 'us-per-request' | 'share';
  /**
   * With 'us-per-request' (and `cpuPerRequest`): which count each run's figures divide by, the
   * responses the service finished in the window or the load's answers.
   */
  perRequestCounts?: { before: ResponseCount; after: ResponseCount };
  /** after ÷ before; undefined where a run lacks the figure. */
  ratios: {
    requestsPerSec?: number;
    latencyP50?: number;
    latencyP90?: number;
    latencyP99?: number;
    cpuPerRequest?: number;
  };
  /**
   * Req/s and mean latency ratios with their confidence intervals, when both runs have samples
   * enough (see stats.ts).
   */
  spread?: { requestsPerSec?: RatioInterval; latencyMean?: RatioInterval };
  /**
   * Code whose self time changed, most first: the user's, packages', Node's and V8's. Hotpath's
   * agent is left out (its cost is in the breakdown, never a change of the user's), and so are
   * idle and the root, which are not code.
   */
  functions: Change[];
  lines: Change[];
  /** The whole call tree, the agent and idle included: the diff flamegraph draws every frame. */
  tree: DiffNode;
  /** Lock sites of either run, most waited-on (in either) first; empty when neither has a report. */
  locks: LockChange[];
  /**
   * Each run's window: its duration (µs) and the responses its per-request figures divide by,
   * so that a change can be told as a share of the window. Absent in comparisons made by hand.
   */
  windows?: { before: ComparedWindow; after: ComparedWindow };
  /**
   * The two runs' endpoints ("GET /hash", "GET /locked") when they differ: their figures differ
   * as the endpoints do, and no change is a verdict on the code. Set by the reader of two runs.
   */
  differentEndpoints?: [string, string];
  /** Bytes allocated per request before → after; absent unless both runs sampled them. */
  allocations?: AllocationComparison;
  /** Stalls of the event loop before → after; absent unless both runs measured their loops. */
  stalls?: StallComparison;
  /**
   * Set when a side has no timeline (a pprof: weighted stacks, no window): its shares are of the
   * sampled time, and a change is told as a share of that.
   */
  noTimeline?: true;
}

export interface ComparedWindow {
  durationUs: number;
  responses: number;
}

/** The lock sites of both runs, matched by acquire site. */
export function lockChanges(before: Waits | undefined, after: Waits | undefined): LockChange[] {
  const changes = new Map<string, LockChange>();
  for (const [waits, side] of [
    [before, 'before'],
    [after, 'after'],
  ] as const) {
    for (const s of waits?.sites ?? []) {
      if (s.asked === 0) continue;
      const key = `${s.kind}\u0000${s.site.file}\u0000${s.site.line}`;
      const change: LockChange = changes.get(key) ?? {
        kind: s.kind,
        name: s.name,
        file: s.site.file,
        line: s.site.line,
        functionName: s.site.functionName,
      };
      const seen = change[side];
      // Two stacks through one acquire call: their waits add up; the p50 of the busier.
      change[side] = {
        waitP50Ms: seen && seen.waitShare > s.waitShare ? seen.waitP50Ms : s.waitMs.p50,
        waitShare: Math.min(1, (seen?.waitShare ?? 0) + s.waitShare),
      };
      changes.set(key, change);
    }
  }
  const most = (c: LockChange) => Math.max(c.before?.waitShare ?? 0, c.after?.waitShare ?? 0);
  return [...changes.values()].sort((x, y) => most(y) - most(x));
}

function identity(f: AnalyzedFunction): { key: string; file: string; line: number } {
  // A path where the script has one (V8 names a CommonJS file by its file:// URL), as lines do.
  const file = f.original?.source ?? scriptPath(f.generated.url) ?? f.generated.url;
  const line = f.original?.line ?? f.generated.line;
  return { key: `${f.name}\u0000${file}\u0000${line}`, file, line };
}

function frameOf(f: AnalyzedFunction): Frame {
  return { ...identity(f), name: f.name, category: f.category };
}

/** Node's own JavaScript and V8's built-ins: code V8 may show one run as either. */
const RUNTIME: ReadonlySet<Category> = new Set<Category>(['node', 'v8']);

/**
 * Each function of both runs under the frame its rows are keyed by. One function of the runtime
 * can be a V8 built-in (no script, no line) in one run and Node's JavaScript (node:internal/…,
 * a line) in the other, as V8 compiled or inlined it differently: `Hash [v8]` and `Hash [node]`.
 * Its file and line then differ, so they cannot key its row; when, among the runtime's
 * functions, a name has exactly one frame seen only before and one seen only after, the two are
 * one function, keyed as the one with a file. Names with more than one such frame (two
 * different `write`s of Node's) stay apart: which is which cannot be told.
 */
function framesOf(before: Analysis, after: Analysis): (f: AnalyzedFunction) => Frame {
  const seen = (analysis: Analysis) => {
    const byName = new Map<string, Map<string, Frame>>();
    for (const f of analysis.functions) {
      if (!RUNTIME.has(f.category)) continue;
      const frame = frameOf(f);
      const frames = byName.get(f.name) ?? new Map<string, Frame>();
      frames.set(frame.key, frame);
      byName.set(f.name, frames);
    }
    return byName;
  };
  const [was, is] = [seen(before), seen(after)];
  const alias = new Map<string, Frame>();
  for (const [name, then] of was) {
    const now = is.get(name);
    if (!now) continue;
    const onlyThen = [...then.values()].filter((f) => !now.has(f.key));
    const onlyNow = [...now.values()].filter((f) => !then.has(f.key));
    if (onlyThen.length !== 1 || onlyNow.length !== 1) continue;
    const [x, y] = [onlyThen[0], onlyNow[0]];
    const kept = x.file || !y.file ? x : y;
    alias.set(x.key, kept);
    alias.set(y.key, kept);
  }
  return (f) => {
    const frame = frameOf(f);
    return alias.get(frame.key) ?? frame;
  };
}

const ratio = (after: number | undefined, before: number | undefined) =>
  after !== undefined && before !== undefined && before > 0 ? after / before : undefined;

export function compareRuns(before: ComparedRun, after: ComparedRun): Comparison {
  // Per response the service finished in the window where its agents counted them, else per
  // answer the load got.
  const responses = (run: ComparedRun) => run.responses?.count ?? run.load?.requests ?? 0;
  const perRequest = responses(before) > 0 && responses(after) > 0;
  const scale = (run: ComparedRun) =>
    perRequest ? 1 / responses(run) : 1 / Math.max(1, run.analysis.model.durationUs);
  const [a, b] = [scale(before), scale(after)];
  const cpu = (run: ComparedRun) =>
    run.metrics && responses(run) > 0
      ? (run.metrics.cpuUserMs + run.metrics.cpuSystemMs) / responses(run)
      : undefined;

  /** Adds `us` to one side of the change of `frame`, creating it at zero. */
  const accumulate = (
    changes: Map<string, Change>,
    frame: Frame,
    side: 'before' | 'after',
    us: number,
  ) => {
    const change = changes.get(frame.key) ?? { ...frame, before: 0, after: 0 };
    change[side] += us;
    changes.set(frame.key, change);
  };
  const frame = framesOf(before.analysis, after.analysis);
  const functions = new Map<string, Change>();
  const lines = new Map<string, Change>();
  for (const [run, factor, side] of [
    [before, a, 'before'],
    [after, b, 'after'],
  ] as const) {
    // Self time by function, frame by frame, leaving out the agent's work (its frames and what
    // they call: the stack captures of its lock watcher, its metrics).
    const { frames: tree } = run.analysis.model;
    const forAgent = agentWork(run.analysis);
    const selfUs = new Float64Array(run.analysis.functions.length);
    for (let i = 0; i < tree.fn.length; i++) if (!forAgent[i]) selfUs[tree.fn[i]] += tree.self[i];
    run.analysis.functions.forEach((f, id) => {
      if (selfUs[id] > 0 && !NOT_A_CHANGE.has(f.category))
        accumulate(functions, frame(f), side, selfUs[id] * factor);
    });
    for (const l of run.analysis.lines) {
      const f = run.analysis.functions[l.functionId];
      if (f && NOT_A_CHANGE.has(f.category)) continue;
      const frame = {
        key: `${l.file}\u0000${l.line}`,
        name: f?.name ?? '',
        file: l.file,
        line: l.line,
        category: f?.category ?? ('user' as const),
      };
      accumulate(lines, frame, side, l.selfUs * factor);
    }
  }

  const allocations = perRequest
    ? compareAllocations(before.allocations, responses(before), after.allocations, responses(after))
    : undefined;
  const stalls = compareStalls(comparedStalls(before, frame), comparedStalls(after, frame));
  const byChange = (x: Change, y: Change) =>
    Math.abs(y.after - y.before) - Math.abs(x.after - x.before);
  return {
    unit: perRequest ? 'us-per-request' : 'share',
    ...(perRequest
      ? {
          perRequestCounts: {
            before: before.responses?.counts ?? 'load.requests',
            after: after.responses?.counts ?? 'load.requests',
          },
        }
      : {}),
    ratios: {
      requestsPerSec: ratio(after.load?.requestsPerSec, before.load?.requestsPerSec),
      latencyP50: ratio(after.load?.latencyMs.p50, before.load?.latencyMs.p50),
      latencyP90: ratio(after.load?.latencyMs.p90, before.load?.latencyMs.p90),
      latencyP99: ratio(after.load?.latencyMs.p99, before.load?.latencyMs.p99),
      cpuPerRequest: ratio(cpu(after), cpu(before)),
    },
    ...spreadOf(before, after),
    functions: [...functions.values()].sort(byChange),
    lines: [...lines.values()].sort(byChange),
    tree: diffTree(before, a, after, b, frame),
    locks: lockChanges(before.waits, after.waits),
    ...(allocations ? { allocations } : {}),
    ...(stalls ? { stalls } : {}),
    windows: {
      before: { durationUs: before.analysis.model.durationUs, responses: responses(before) },
      after: { durationUs: after.analysis.model.durationUs, responses: responses(after) },
    },
    ...(before.analysis.model.noTimeline || after.analysis.model.noTimeline
      ? { noTimeline: true as const }
      : {}),
  };
}

/** A run's stalls as compareStalls takes them, its functions keyed as the other rows are. */
function comparedStalls(
  run: ComparedRun,
  frame: (f: AnalyzedFunction) => Frame,
): ComparedStalls | undefined {
  if (!run.stalls) return undefined;
  return {
    stalls: run.stalls,
    durationUs: run.analysis.model.durationUs,
    ...(run.loopDelayP99Ms !== undefined ? { delayP99Ms: run.loopDelayP99Ms } : {}),
    frameOf: (id) => {
      const f = run.analysis.functions[id];
      return f ? frame(f) : undefined;
    },
  };
}

/** The intervals of a comparison's req/s and mean latency, from the loads' samples. */
export function spreadOf(
  before: Pick<ComparedRun, 'load' | 'samples'>,
  after: Pick<ComparedRun, 'load' | 'samples'>,
): Pick<Comparison, 'spread'> {
  if (!before.samples?.length || !after.samples?.length) return {};
  const requestsPerSec = about(
    ratioInterval(before.samples, after.samples, 'requestsPerSec'),
    ratio(after.load?.requestsPerSec, before.load?.requestsPerSec),
  );
  const latencyMean = ratioInterval(before.samples, after.samples, 'latencyMean');
  if (!requestsPerSec && !latencyMean) return {};
  return {
    spread: {
      ...(requestsPerSec ? { requestsPerSec } : {}),
      ...(latencyMean ? { latencyMean } : {}),
    },
  };
}

/**
 * The req/s interval about the ratio the comparison prints (the loads' own req/s), keeping the
 * interval's spread relative to its estimate. The samples leave out each load's first interval
 * (connections opening), so on a load of a few seconds their ratio can differ from the loads'
 * by a few per cent, and an interval printed beside a ratio it does not contain reads as a
 * contradiction.
 */
function about(
  interval: RatioInterval | undefined,
  printed: number | undefined,
): RatioInterval | undefined {
  if (!interval || printed === undefined || !(printed > 0)) return interval;
  const k = printed / interval.estimate;
  return { ...interval, estimate: printed, low: interval.low * k, high: interval.high * k };
}

/** Both call trees merged by the path of function identities, each node with both runs' totals. */
function diffTree(
  before: ComparedRun,
  a: number,
  after: ComparedRun,
  b: number,
  frame: (f: AnalyzedFunction) => Frame,
): DiffNode {
  const make = (f: AnalyzedFunction): DiffNode => ({
    ...frame(f),
    before: 0,
    after: 0,
    children: [],
  });
  const rootFunction = before.analysis.functions[before.analysis.model.tree.functionId];
  const root = make(rootFunction);
  const index = new Map<DiffNode, Map<string, DiffNode>>();
  for (const [run, factor, side] of [
    [before, a, 'before'],
    [after, b, 'after'],
  ] as const) {
    const stack: [typeof run.analysis.model.tree, DiffNode][] = [[run.analysis.model.tree, root]];
    while (stack.length > 0) {
      const [node, target] = stack.pop() as [typeof run.analysis.model.tree, DiffNode];
      target[side] += node.totalUs * factor;
      for (const child of node.children) {
        const f = run.analysis.functions[child.functionId];
        const { key } = frame(f);
        let children = index.get(target);
        if (!children) {
          children = new Map();
          index.set(target, children);
        }
        let next = children.get(key);
        if (!next) {
          next = make(f);
          children.set(key, next);
          target.children.push(next);
        }
        stack.push([child, next]);
      }
    }
  }
  for (const node of preOrder(root)) {
    node.children.sort((x, y) => Math.max(y.before, y.after) - Math.max(x.before, x.after));
  }
  return root;
}
