/**
 * A profile turned into answers: functions and lines in the original sources, the share of
 * each category, hot lists. Pure but for the `readFile` given for scripts and their maps.
 */
import type { CpuProfile, PackedProfile } from './cpuprofile';
import {
  buildModel,
  CATEGORIES,
  type Category,
  categorize,
  type ModelSummary,
  type PlainSummary,
  plainSummary,
  summaryOf,
} from './model';
import { createSourceMapper, type OriginalPosition, type ReadFile, scriptPath } from './sourcemaps';
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
}

/** An analysis as plain data, to cross to another thread (`plainSummary`). */
export type PlainAnalysis = Omit<Analysis, 'model'> & { model: PlainSummary };

export function plainAnalysis(analysis: Analysis): PlainAnalysis {
  return { ...analysis, model: plainSummary(analysis.model) };
}

export function analysisOf(plain: PlainAnalysis): Analysis {
  return { ...plain, model: summaryOf(plain.model) };
}

export interface AnalyzeOptions {
  /** How to read scripts and source maps; without it, only `sourceMaps` are used. */
  readFile?: ReadFile;
  /** Source maps by script URL that are not on disk (the run's sourcemaps.json). */
  sourceMaps?: Record<string, unknown>;
}

/** Categories that are somebody's code (as opposed to V8's and the idle loop's time). */
export const CODE_CATEGORIES: readonly Category[] = ['user', 'node_modules', 'node'];

export function analyze(
  profile: CpuProfile | PackedProfile,
  options: AnalyzeOptions = {},
): Analysis {
  const model = buildModel(profile);
  const mapper = createSourceMapper(options.readFile ?? (() => undefined), options.sourceMaps);

  const functions = model.functions.map((f): AnalyzedFunction => {
    const original = f.url && f.line > 0 ? mapper.position(f.url, f.line, f.column) : undefined;
    const { category, packageName } = original
      ? categorize(original.source, f.name)
      : { category: f.category, packageName: f.packageName };
    return {
      id: f.id,
      name: f.name,
      category,
      ...(packageName ? { packageName } : {}),
      selfUs: f.selfUs,
      totalUs: f.totalUs,
      generated: { url: f.url, line: f.line, column: f.column },
      ...(original ? { original } : {}),
    };
  });

  // Lines by original file and line; a line's function is the one with most time on it.
  const files = new Map<string, number>();
  const places = new TupleIds();
  const lines: AnalyzedLine[] = [];
  const byFunction = new Map<number, Map<number, number>>();
  const pathOf = new Map<string, string>();
  for (const line of model.lines) {
    // A line the map cannot place exactly (minified code) goes to its function's first line.
    const original = mapper.line(line.url, line.line) ?? functions[line.functionId]?.original;
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

  return { model, functions, lines, shares, notes: mapper.notes };
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
