/**
 * A profile turned into answers: functions and lines in the original sources, the share of
 * each category, hot lists. Pure but for the `readFile` given for scripts and their maps.
 */
import { type CallLine, callLinesOf } from './callLines';
import type { CpuProfile } from './cpuprofile';
import { threadFrameName, threadsOf } from './formats/threads';
import { inlinedFunctions, recoverInlined, type ShapeStore, scriptShapes } from './inlinedFrames';
import { buildModel, CATEGORIES, type Category, categorize, type ModelSummary } from './model';
import { isPacked, type PackedProfile, packProfile } from './packedProfile';
import { ownRegExps } from './regExps';
import { functionAt, ownsLine, type ScriptShape } from './scriptShape';
import {
  createSourceMapper,
  type OriginalPosition,
  type ReadFile,
  type SourceMapper,
  scriptPath,
} from './sourcemaps';
import { TupleIds } from './tupleIds';

export interface AnalyzedFunction {
  id: number;
  name: string;
  category: Category;
  packageName?: string;
  selfUs: number;
  totalUs: number;
  /** Where V8 saw it: the script URL, 1-based line and column. */
  generated: { url: string; line: number; column: number };
  /** Where it is in the original source, through the script's source map. */
  original?: OriginalPosition;
  /**
   * Self time V8 charged to lines that are not the function's own: beyond its script, or on its
   * declaration line. That is code V8 inlined into it (another function's lines, read against
   * this script), never the declaration line's work. Absent when none.
   */
  inlinedUs?: number;
  /**
   * Self time on lines that cannot be named: the script runs as one line (tsx) or is a minified
   * build. The function is known, its lines are not; `notes` says why. Absent when none.
   */
  unplacedUs?: number;
  /**
   * Self time of this function that V8 ran inlined into another (`intoId`, the heaviest such):
   * the profile named the caller, and its line ticks were this function's lines, so a frame of
   * this function was recovered under the caller's. Part of `selfUs`. Absent when none.
   */
  inlined?: { intoId: number; selfUs: number };
  /** The lines that call what it spends its time in, inferred from the callees' names. */
  callLines?: CallLine[];
  /**
   * Of a profile of several threads (`Analysis.threads`): the index of the thread it spent the
   * most time in, and in how many it ran (when more than one).
   */
  thread?: number;
  threadCount?: number;
}

/** A thread of a profile read from several (a trace's, a folder's, a labelled pprof's). */
export interface AnalyzedThread {
  label: string;
  samples: number;
  /** Its sampled time, µs, and of that what was not idle (its CPU). */
  totalUs: number;
  busyUs: number;
}

/**
 * Where a function is on disk: its original source through a source map, else the script
 * itself when it is a file (plain JavaScript has no map); undefined for V8's own entries.
 */
export function sourceOf(f: AnalyzedFunction): { source: string; line: number } | undefined {
  if (f.original) return { source: f.original.source, line: f.original.line };
  const file = f.generated.line > 0 ? scriptPath(f.generated.url) : undefined;
  return file ? { source: file, line: f.generated.line } : undefined;
}

export interface AnalyzedLine {
  /** The original source file when mapped, else the script's path or URL. */
  file: string;
  /** 1-based. */
  line: number;
  selfUs: number;
  /** The function most of the line's time was sampled in. */
  functionId: number;
  mapped: boolean;
}

export interface Analysis {
  model: ModelSummary;
  /** Indexed like the model's functions: `frames.fn` and `lines[].functionId` name them. */
  functions: AnalyzedFunction[];
  /** By original file and line, heaviest first. */
  lines: AnalyzedLine[];
  /** Each category's share of the profile's duration, 0..1. */
  shares: Record<Category, number>;
  /** What could not be mapped. */
  notes: string[];
  /** The threads, when the profile holds several (each under a frame of its own). */
  threads?: AnalyzedThread[];
}

export interface AnalyzeOptions {
  /** How to read scripts and source maps; without it, only `sourceMaps` are used. */
  readFile?: ReadFile;
  /** Source maps by script URL that are not on disk (the run's sourcemaps.json). */
  sourceMaps?: Record<string, unknown>;
  /**
   * Scripts already parsed, by URL (null: unreadable): shared by analyses of one run's slices,
   * or kept between reads on disk.
   */
  scripts?: ShapeStore;
}

/** What every surface says of a profile without times (a pprof), where it would show time. */
export const NO_TIMELINE =
  'no timeline in this file (a pprof holds weighted stacks): shares are of the sampled time; there is no window, sampling interval, ramp step or stall to show';

/** Categories that are somebody's code (as opposed to V8's and the idle loop's time). */
export const CODE_CATEGORIES: readonly Category[] = ['user', 'node_modules', 'node'];

export function analyze(
  profile: CpuProfile | PackedProfile,
  options: AnalyzeOptions = {},
): Analysis {
  const packed = isPacked(profile) ? profile : packProfile(profile);
  const shapes = options.readFile
    ? scriptShapes(packed, options.readFile, options.sourceMaps, options.scripts)
    : new Map<string, ScriptShape>();
  const recovered = recoverInlined(packed, shapes);
  const model = buildModel(recovered.profile);
  const mapper = createSourceMapper(options.readFile ?? (() => undefined), options.sourceMaps);
  const inlined = inlinedFunctions(recovered, model.functions);
  // Each function's place in its parsed script, to tell its own lines from others'.
  const shapeOf = model.functions.map((f) => {
    const shape = shapes.get(f.url);
    const at = shape && f.line > 0 ? functionAt(shape, f.line, f.column) : -1;
    return shape && at >= 0 ? { shape, at } : undefined;
  });

  const functions = model.functions.map((f): AnalyzedFunction => {
    const original =
      f.url && f.line > 0 ? mapper.position(f.url, f.line, f.column, f.name) : undefined;
    const { category, packageName } = original
      ? categorize(original.source, f.name)
      : { category: f.category, packageName: f.packageName };
    return {
      id: f.id,
      name: originalName(f.name, original),
      category,
      ...(packageName ? { packageName } : {}),
      selfUs: f.selfUs,
      totalUs: f.totalUs,
      generated: { url: f.url, line: f.line, column: f.column },
      ...(original ? { original } : {}),
      ...(inlined.has(f.id) ? { inlined: inlined.get(f.id) } : {}),
    };
  });

  ownRegExps(functions, () => model.frames);
  if (shapes.size > 0)
    for (const [id, rows] of callLinesOf(model.frames, functions, shapeOf, mapper))
      functions[id].callLines = rows;

  // Lines by original file and line; a line's function is the one with most time on it.
  const files = new Map<string, number>();
  const places = new TupleIds();
  const lines: AnalyzedLine[] = [];
  const byFunction = new Map<number, Map<number, number>>();
  const pathOf = new Map<string, string>();
  const lineless = new Map<string, LinelessScript>();
  for (const line of model.lines) {
    const fn = functions[line.functionId];
    const placed = placeLine(mapper, line.url, line.line, fn, shapeOf[line.functionId]);
    if (placed.kind !== 'line') {
      if (fn) {
        if (placed.kind === 'inlined') fn.inlinedUs = (fn.inlinedUs ?? 0) + line.selfUs;
        else fn.unplacedUs = (fn.unplacedUs ?? 0) + line.selfUs;
      }
      if (placed.kind !== 'inlined' && fn?.category === 'user' && !lineless.has(line.url))
        lineless.set(line.url, {
          why: placed.kind,
          // A build is one script of many sources: name the script; a loader's file is the source.
          file: placed.kind === 'build' ? line.url : (fn.original?.source ?? line.url),
        });
      continue;
    }
    const original = placed.position;
    let file = original?.source;
    if (file === undefined) {
      file = pathOf.get(line.url);
      if (file === undefined) {
        file = scriptPath(line.url) ?? line.url;
        pathOf.set(line.url, file);
      }
    }
    const at = original?.line ?? line.line;
    let fileId = files.get(file);
    if (fileId === undefined) {
      fileId = files.size;
      files.set(file, fileId);
    }
    const id = places.id(fileId, at);
    if (id === lines.length) {
      lines.push({
        file,
        line: at,
        selfUs: line.selfUs,
        functionId: line.functionId,
        mapped: original !== undefined,
      });
      continue;
    }
    const entry = lines[id];
    let shares = byFunction.get(id);
    if (entry.functionId !== line.functionId || shares) {
      if (!shares) {
        shares = new Map([[entry.functionId, entry.selfUs]]);
        byFunction.set(id, shares);
      }
      shares.set(line.functionId, (shares.get(line.functionId) ?? 0) + line.selfUs);
    }
    entry.selfUs += line.selfUs;
  }
  for (const [id, shares] of byFunction) {
    let most = -1;
    for (const [fn, us] of shares) {
      if (us > most) {
        most = us;
        lines[id].functionId = fn;
      }
    }
  }
  lines.sort((a, b) => b.selfUs - a.selfUs);

  // Categories again, now that source maps may have moved functions (a bundled package's code).
  const categoryUs = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const f of functions) categoryUs[f.category] += f.selfUs;
  const shares = Object.fromEntries(
    CATEGORIES.map((c) => [c, model.durationUs > 0 ? categoryUs[c] / model.durationUs : 0]),
  ) as Record<Category, number>;

  const notes = [
    ...(packed.noTimeline ? [NO_TIMELINE] : []),
    ...[...lineless.values()].map(linelessNote),
    ...mapper.notes,
  ];
  const threads = threadsOfFunctions(packed, model, functions);
  return { model, functions, lines, shares, notes, ...(threads ? { threads } : {}) };
}

/**
 * The threads of a profile of several, and each function's heaviest thread (by self time, else
 * total), from the merged tree's frames under each thread's frame.
 */
function threadsOfFunctions(
  packed: PackedProfile,
  model: ModelSummary & { functions: { name: string }[] },
  functions: AnalyzedFunction[],
): AnalyzedThread[] | undefined {
  const threads = threadsOf(packed);
  if (threads.length < 2) return undefined;
  const indexOfLabel = new Map(threads.map((t, i) => [threadFrameName(t.label), i]));
  const { fn, parent, self, total } = model.frames;
  const threadOf = new Int32Array(fn.length).fill(-1);
  const weights = new Map<number, Float64Array>();
  for (let k = 1; k < fn.length; k++) {
    threadOf[k] =
      parent[k] === 0 ? (indexOfLabel.get(model.functions[fn[k]].name) ?? -1) : threadOf[parent[k]];
    const t = threadOf[k];
    if (t < 0 || parent[k] === 0) continue;
    let w = weights.get(fn[k]);
    if (!w) {
      w = new Float64Array(threads.length * 2);
      weights.set(fn[k], w);
    }
    w[t * 2] += self[k];
    w[t * 2 + 1] += total[k];
  }
  for (const [id, w] of weights) {
    let best = -1;
    let count = 0;
    for (let t = 0; t < threads.length; t++) {
      if (w[t * 2 + 1] <= 0 && w[t * 2] <= 0) continue;
      count++;
      if (
        best < 0 ||
        w[t * 2] > w[best * 2] ||
        (w[t * 2] === w[best * 2] && w[t * 2 + 1] > w[best * 2 + 1])
      )
        best = t;
    }
    if (best < 0) continue;
    functions[id].thread = best;
    if (count > 1) functions[id].threadCount = count;
  }
  return threads.map((t) => ({
    label: t.label,
    samples: t.samples,
    totalUs: t.totalUs,
    busyUs: t.totalUs - t.idleUs,
  }));
}

/** Where a tick's line goes: an original line, the function's inlined code, or no line. */
type Placed =
  | { kind: 'line'; position: OriginalPosition | undefined }
  | { kind: 'inlined' }
  | { kind: LinelessScript['why'] };

function placeLine(
  mapper: SourceMapper,
  url: string,
  line: number,
  fn: AnalyzedFunction | undefined,
  own: { shape: ScriptShape; at: number } | undefined,
): Placed {
  if (line === 0) return { kind: 'no-ticks' };
  const generated = mapper.line(url, line);
  if (generated.kind === 'spread') return { kind: generated.how };
  // A TypeScript file that V8 ran with no map kept: its lines are of JavaScript compiled in
  // memory (ts-node without source maps enabled), not of the file's.
  if (generated.kind === 'none' && !mapper.hasMap(url) && isTypeScript(url))
    return { kind: 'unmapped-ts' };
  const count = mapper.lineCount(url);
  if (fn && (line === fn.generated.line || (count !== undefined && line > count)))
    return { kind: 'inlined' };
  // A line that is not the function's own code (a comment, another function's line): the
  // position of code V8 inlined into it, read against this script.
  if (own && !ownsLine(own.shape, own.at, line)) return { kind: 'inlined' };
  return { kind: 'line', position: generated.kind === 'line' ? generated.position : undefined };
}

interface LinelessScript {
  why: 'loader' | 'build' | 'unmapped-ts' | 'no-ticks';
  file: string;
}

/** The note that says why a script's functions have no hot lines. */
function linelessNote({ why, file }: LinelessScript): string {
  const name = scriptPath(file) ?? file;
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  switch (why) {
    case 'loader':
      return `line heat unavailable for ${base}: tsx runs this file as one line (it minifies whitespace), so only its functions are timed`;
    case 'build':
      return `line heat unavailable for ${base}: a minified build puts many lines on one; line heat needs an unminified build (functions are timed)`;
    case 'unmapped-ts':
      return `line heat unavailable for ${base}: it was compiled in memory and Node kept no source map for it (run it with node --enable-source-maps), so its lines are not the file's`;
    case 'no-ticks':
      return `line heat unavailable for ${base}: the profile has no line ticks for it (only functions are timed)`;
  }
}

const TYPESCRIPT = /\.(?:[cm]?ts|tsx)$/;

function isTypeScript(url: string): boolean {
  return TYPESCRIPT.test(url.split('?')[0]);
}

/**
 * The original name of a function of a minified build: the map's name at its start (esbuild
 * and terser record names only for identifiers they renamed). V8's own name otherwise, and for
 * anonymous functions, whose start has no name of their own.
 */
function originalName(name: string, original: OriginalPosition | undefined): string {
  if (!original?.name || name === '' || name === '(anonymous)') return name;
  return original.name;
}

/** The functions with the most self time, of the given categories. */
export function hotFunctions(
  analysis: Analysis,
  limit = 10,
  categories: readonly Category[] = CODE_CATEGORIES,
): AnalyzedFunction[] {
  return analysis.functions
    .filter((f) => categories.includes(f.category) && f.selfUs > 0)
    .sort((a, b) => b.selfUs - a.selfUs)
    .slice(0, limit);
}

/** The lines with the most self time, of functions of the given categories. */
export function hotLines(
  analysis: Analysis,
  limit = 10,
  categories: readonly Category[] = ['user'],
): AnalyzedLine[] {
  return analysis.lines
    .filter((l) => categories.includes(analysis.functions[l.functionId]?.category))
    .slice(0, limit);
}
