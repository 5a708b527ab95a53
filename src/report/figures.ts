/**
 * A run's figures, computed once as numbers: where the window's time went (the breakdown), the
 * hot functions, the hot lines with each function's inlined code as a row of its own, and the
 * lock waits. Every surface renders these and nothing else: the CLI's text, `--json`, the
 * Markdown, the HTML report and the editor's report page, each rounding only as it prints
 * (`share` in units.ts). Pure.
 */
import { type Analysis, hotFunctions, hotLines, sourceOf } from '../profile/analyze';
import { type BreakdownKind, breakdown, generatedLabel } from '../profile/breakdown';
import type { LoadedRun } from '../profile/loadedRun';
import type { Category } from '../profile/model';
import type { LockSite, Waits } from '../profile/waits';
import type { RunRecord } from '../record/run';
import { type ResponseCount, responsesOf } from '../vocabulary/served';
import { type AllocationFigures, allocationFigures } from './allocationFigures';
import { displayPath, functionLocation } from './places';
import { type StallFigures, stallFigures } from './stallFigures';
import { type ThreadFigure, threadOf } from './threads';
import { share } from './units';

/** How many rows each table has, on every surface. */
export const FIGURE_ROWS = {
  functions: 8,
  lines: 8,
  callLines: 3,
  locks: 5,
  stalls: 8,
  allocations: 8,
} as const;

/** Rows under this share of the window would read 0.0 %: they say nothing and are left out. */
export type { AllocationFigure, AllocationFigures } from './allocationFigures';
export type { StallFigure, StallFigures, ThreadLoopFigure } from './stallFigures';

export const VISIBLE_SHARE = 0.0005;

/** Breakdown rows under half a per cent go to one row of their own, so that the rows still add up. */
const SMALL_ROW = 0.005;

/** A time and its share of the window (0..1). */
export interface Part {
  name: string;
  us: number;
  share: number;
}

/** A row of the breakdown; `more` holds the rows under half a per cent, named in `names`. */
export interface BreakdownFigure {
  kind: BreakdownKind | 'more';
  /** The package for 'package'; who ran it for 'generated'. */
  owner?: string;
  /** The row in words: "your code", "fastify (package)". */
  label: string;
  us: number;
  share: number;
  /** The heaviest names within the row (for `more`: the rows it holds). */
  names: Part[];
}

export interface HotFunctionFigure {
  name: string;
  category: Category;
  /** The package, for a dependency's function. */
  packageName?: string;
  /** Its original file:line as a person reads it. */
  where: string;
  selfUs: number;
  totalUs: number;
  selfShare: number;
  totalShare: number;
  /** Self time per response, µs; absent when the run counted no responses. */
  selfPerResponseUs?: number;
  /**
   * Its frame was recovered from the line ticks of the function V8 inlined it into, which the
   * profile named instead: that function, and where it is.
   */
  inlinedInto?: { name: string; where: string };
  /**
   * Of a view of several threads or processes: the thread it spent the most time in, and how
   * many others it ran in too (absent when none).
   */
  thread?: string;
  otherThreads?: number;
}

/**
 * A line that calls the cost, inferred from the callees' names (never measured: V8 ticks the
 * callee, not the line that called it), kept apart from the measured lines.
 */
export interface CallLineFigure {
  functionName: string;
  file: string;
  line: number;
  /** "src/app.ts:12". */
  where: string;
  calleeNames: string[];
  totalUs: number;
  share: number;
  inferred: true;
  /** Other lines of the function call the same names: which one did is not known. */
  ambiguous?: true;
  /** With `ambiguous`, those lines as "src/app.ts:14". */
  alsoWhere?: string[];
}

export interface HotLineFigure {
  /** 'line': a line of the source; 'inlined': code V8 inlined into the function, whose lines it does not say. */
  kind: 'line' | 'inlined';
  functionName: string;
  /** The source file: the line's, or the function's for inlined code (absent when it has none). */
  file?: string;
  /** 1-based; absent for inlined code. */
  line?: number;
  /** "src/app.ts:12", or "inlined code in handler (src/app.ts)". */
  where: string;
  selfUs: number;
  share: number;
  selfPerResponseUs?: number;
}

export interface LockFigure {
  /** "Mutex in read", "#turnstile · rwlock.ts:18". */
  lock: string;
  kind: LockSite['kind'];
  /** The acquire site. */
  file: string;
  line: number;
  functionName: string;
  where: string;
  /** Of the requests' latency (not of the window), 0..1. */
  waitShare: number;
  waitMs: { p50: number; p99: number };
  holdMs: { p50: number; p99: number };
  /** Times the lock was granted per second of the window. */
  perSec: number;
  heldAcrossAwait: boolean;
}

/** A run's figures, as every surface shows them. */
export interface Figures {
  /** The window the shares are of, µs. */
  durationUs: number;
  /** What the shares are of, in words: a file without times (a pprof) has no window. */
  sharesOf: 'the window' | 'the sampled time';
  /** What the per-response figures divide by (run.json's name for the count). */
  responses: { count: number; counts: ResponseCount } | null;
  breakdown: BreakdownFigure[];
  hotFunctions: HotFunctionFigure[];
  /** The threads, when the view holds several (the hot functions then name theirs). */
  threads?: ThreadFigure[];
  hotLines: HotLineFigure[];
  /** The lines that call the cost, inferred; heaviest first. */
  callLines: CallLineFigure[];
  locks?: { library: string; rows: LockFigure[] };
  /** Absent for a run that did not measure its event loop (a lone profile, an older run). */
  stalls?: StallFigures;
  /**
   * What the run could not measure (a service Hotpath attached to has no agent: lock waits, the
   * process's own metrics): every surface names them, so that none reads their absence as 0.
   */
  notMeasured?: string[];
  /** Absent for a run that sampled no allocations (a lone profile, an older run). */
  allocations?: AllocationFigures;
  /** Why a run that could have sampled its allocations has none ("no allocation view on this Node"). */
  allocationsUnavailable?: string;
}

/** What a run did not measure, in words; undefined when it measured all it measures. */
export function notMeasuredOf(
  record: Pick<RunRecord, 'notMeasured'> | undefined,
): string[] | undefined {
  return record?.notMeasured && record.notMeasured.length > 0 ? record.notMeasured : undefined;
}

export function runFigures(run: LoadedRun, cwd = process.cwd()): Figures {
  const { analysis } = run;
  const responses = responsesOf(run.record) ?? null;
  const perResponse = (us: number) =>
    responses ? { selfPerResponseUs: us / responses.count } : {};
  const duration = analysis.model.durationUs || 1;
  const locks = run.waits ? lockFigures(run.waits, cwd) : undefined;
  const stalls = run.stalls ? stallFigures(run, FIGURE_ROWS.stalls, cwd) : undefined;
  const notMeasured = notMeasuredOf(run.record);
  const heap = run.record?.heap;
  const allocations = run.allocations
    ? allocationFigures(
        run.allocations,
        responses?.count,
        heap?.file != null ? heap.growth : undefined,
        { rows: FIGURE_ROWS.allocations, visibleShare: VISIBLE_SHARE },
        cwd,
      )
    : undefined;
  return {
    durationUs: analysis.model.durationUs,
    sharesOf: analysis.model.noTimeline ? 'the sampled time' : 'the window',
    responses,
    breakdown: breakdownFigures(analysis),
    hotFunctions: hotFunctions(analysis, FIGURE_ROWS.functions)
      .filter((f) => f.selfUs / duration >= VISIBLE_SHARE)
      .map((f) => ({
        name: f.name,
        category: f.category,
        ...(f.packageName ? { packageName: f.packageName } : {}),
        where: functionLocation(f, cwd),
        selfUs: f.selfUs,
        totalUs: f.totalUs,
        selfShare: f.selfUs / duration,
        totalShare: f.totalUs / duration,
        ...perResponse(f.selfUs),
        ...inlinedInto(analysis, f.inlined?.intoId, cwd),
        ...threadOf(analysis, f),
      })),
    ...(analysis.threads
      ? {
          threads: analysis.threads.map((t) => ({
            label: t.label,
            samples: t.samples,
            totalUs: t.totalUs,
            busyUs: t.busyUs,
            share: t.totalUs / duration,
          })),
        }
      : {}),
    hotLines: hotLineFigures(analysis, cwd)
      .filter((l) => l.share >= VISIBLE_SHARE)
      .map((l) => ({ ...l, ...perResponse(l.selfUs) })),
    callLines: callLineFigures(analysis, cwd).filter((c) => c.share >= VISIBLE_SHARE),
    ...(locks ? { locks } : {}),
    ...(stalls ? { stalls } : {}),
    ...(notMeasured ? { notMeasured } : {}),
    ...(allocations ? { allocations } : {}),
    ...(heap && heap.file === null ? { allocationsUnavailable: heap.why } : {}),
  };
}

/** The function V8 inlined a recovered function into, as the tables name it. */
function inlinedInto(
  analysis: Analysis,
  intoId: number | undefined,
  cwd: string,
): { inlinedInto?: { name: string; where: string } } {
  const into = intoId === undefined ? undefined : analysis.functions[intoId];
  return into ? { inlinedInto: { name: into.name, where: functionLocation(into, cwd) } } : {};
}

/** The user's lines that call the cost, inferred from the callees' names; heaviest first. */
function callLineFigures(analysis: Analysis, cwd: string): CallLineFigure[] {
  const duration = analysis.model.durationUs || 1;
  return analysis.functions
    .flatMap((f) =>
      f.category === 'user' ? (f.callLines ?? []).map((c) => ({ name: f.name, c })) : [],
    )
    .sort((a, b) => b.c.totalUs - a.c.totalUs)
    .slice(0, FIGURE_ROWS.callLines)
    .map(({ name, c }) => {
      const file = displayPath(c.file, cwd);
      return {
        functionName: name,
        file: c.file,
        line: c.line,
        where: `${file}:${c.line}`,
        calleeNames: c.calleeNames,
        totalUs: c.totalUs,
        share: c.totalUs / duration,
        inferred: true as const,
        ...(c.ambiguous
          ? { ambiguous: true as const, alsoWhere: (c.alsoLines ?? []).map((l) => `${file}:${l}`) }
          : {}),
      };
    });
}

/**
 * A call line in words: "calls 56.8 % (createHash, digest, update) — inferred from the callees'
 * names", and when other lines call the same names, that which one did is not known.
 */
export function callLineText(c: CallLineFigure): string {
  const also = c.ambiguous
    ? `; ${(c.alsoWhere ?? []).join(', ')} calls them too, and which line did is not known`
    : '';
  return `calls ${share(c.share)} (${c.calleeNames.join(', ')}) — inferred from the callees' names${also}`;
}

/** A function as the tables name it: "Reply.send [fastify]", "nextTick [node]". */
export function functionLabel(
  f: Pick<HotFunctionFigure, 'name' | 'category' | 'packageName'>,
): string {
  const owner = f.packageName ? ` [${f.packageName}]` : f.category === 'node' ? ' [node]' : '';
  return f.name + owner;
}

/** A breakdown row's heaviest names with their shares: "cpu 92.5 %, runRead 0.0 %". */
export function breakdownDetail(row: BreakdownFigure): string {
  return row.names.map((n) => `${n.name} ${share(n.share)}`).join(', ');
}

/**
 * The breakdown, every row kept so that they add up to the whole window: rows under half a per
 * cent in one row of their own.
 */
function breakdownFigures(analysis: Analysis): BreakdownFigure[] {
  const rows: BreakdownFigure[] = breakdown(analysis).map((row) => ({
    kind: row.kind,
    ...(row.owner !== undefined ? { owner: row.owner } : {}),
    label: breakdownLabel(row.kind, row.owner),
    us: row.us,
    share: row.share,
    // What GC, idle and V8's "program" hold has no names worth reading.
    names: row.kind === 'gc' || row.kind === 'idle' || row.kind === 'unattributed' ? [] : row.names,
  }));
  const shown = rows.filter((row) => row.share >= SMALL_ROW);
  const rest = rows.filter((row) => row.share < SMALL_ROW);
  if (rest.length === 0) return shown;
  return [
    ...shown,
    {
      kind: 'more',
      label: `${rest.length} more, each under ${share(SMALL_ROW)}`,
      us: rest.reduce((sum, row) => sum + row.us, 0),
      share: rest.reduce((sum, row) => sum + row.share, 0),
      names: rest.slice(0, 4).map((row) => ({ name: row.label, us: row.us, share: row.share })),
    },
  ];
}

function breakdownLabel(kind: BreakdownKind, owner: string | undefined): string {
  switch (kind) {
    case 'user':
      return 'your code';
    case 'package':
      return `${owner} (package)`;
    case 'node':
      return "Node's JavaScript";
    case 'native':
      return 'native code and V8 built-ins';
    case 'generated':
      return generatedLabel(owner);
    case 'gc':
      return 'garbage collector';
    case 'idle':
      return 'idle';
    case 'hotpath':
      return "Hotpath's agent";
    case 'unattributed':
      return 'unattributed (V8: program)';
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/**
 * The hot lines: true lines, and each function's inlined code as a row of its own (never as its
 * declaration line), heaviest first.
 */
export function hotLineFigures(
  analysis: Analysis,
  cwd = process.cwd(),
  limit: number = FIGURE_ROWS.lines,
): HotLineFigure[] {
  const duration = analysis.model.durationUs || 1;
  const rows: HotLineFigure[] = hotLines(analysis, limit).map((l) => ({
    kind: 'line',
    functionName: analysis.functions[l.functionId]?.name ?? '',
    file: l.file,
    line: l.line,
    where: `${displayPath(l.file, cwd)}:${l.line}`,
    selfUs: l.selfUs,
    share: l.selfUs / duration,
  }));
  for (const f of analysis.functions) {
    if (f.category !== 'user' || !f.inlinedUs) continue;
    const at = sourceOf(f);
    rows.push({
      kind: 'inlined',
      functionName: f.name,
      ...(at ? { file: at.source } : {}),
      where: `inlined code in ${f.name}${at ? ` (${displayPath(at.source, cwd)})` : ''}`,
      selfUs: f.inlinedUs,
      share: f.inlinedUs / duration,
    });
  }
  return rows.sort((a, b) => b.selfUs - a.selfUs).slice(0, limit);
}

/** The lock waits, per lock and acquire site, heaviest first; undefined when no lock was asked for. */
export function lockFigures(waits: Waits, cwd = process.cwd()): Figures['locks'] {
  const rows = waits.sites
    .filter((s) => s.asked > 0)
    .slice(0, FIGURE_ROWS.locks)
    .map((s) => ({
      lock: s.name,
      kind: s.kind,
      file: s.site.file,
      line: s.site.line,
      functionName: s.site.functionName,
      where: `${displayPath(s.site.file, cwd)}:${s.site.line}`,
      waitShare: s.waitShare,
      waitMs: { p50: s.waitMs.p50, p99: s.waitMs.p99 },
      holdMs: { p50: s.holdMs.p50, p99: s.holdMs.p99 },
      perSec: s.perSec,
      heldAcrossAwait: s.heldAcrossAwait,
    }));
  return rows.length > 0 ? { library: waitLibrary(waits), rows } : undefined;
}

/** The lock library, as reports name it: "async-mutex 0.5.0". */
export function waitLibrary(waits: Waits): string {
  return `${waits.library.name}${waits.library.version ? ` ${waits.library.version}` : ''}`;
}
