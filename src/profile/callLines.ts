/**
 * The line that calls the cost, inferred: V8 ticks the line a function is on, never the line it
 * was called from. Where a function of the user's spends its time in what it calls, its calls
 * in the script (scriptShape.ts) whose callee's name is a called function's name (`createHash`,
 * `update`, `digest`; a regular expression's `test`) name the line the time was spent from. An
 * inference from names, kept apart from measured self time; a name called on several lines of
 * the function is marked ambiguous. Pure.
 */
import type { FlameCategory } from '../protocol/flame';
import type { ScriptShape } from './scriptShape';
import type { OriginalPosition, SourceMapper } from './sourcemaps';
import { scriptPath } from './sourcemaps';

export interface CallLine {
  /** The original file when mapped, else the script's path or URL. */
  file: string;
  /** 1-based; the first of `lines` when ambiguous. */
  line: number;
  /** The names of the functions called from it, heaviest first. */
  calleeNames: string[];
  /** Their total time under the function. */
  totalUs: number;
  /** From the callees' names, not measured: V8 does not say which line called. */
  inferred: true;
  /** Other lines of the function call the same names: the time may be theirs. */
  ambiguous?: true;
  /** With `ambiguous`, the other lines (original, like `line`). */
  alsoLines?: number[];
}

/** Only a function that spends at least this share of its total in what it calls. */
const MIN_CALLED = 0.5;
/** Only lines that call at least this share of the function's total. */
const MIN_LINE = 0.05;

/** What a regular expression's frame is called through. */
const REGEXP_CALLS = [
  'test',
  'exec',
  'match',
  'matchAll',
  'replace',
  'replaceAll',
  'search',
  'split',
];

interface Called {
  name: string;
  category: FlameCategory;
  selfUs: number;
  totalUs: number;
  generated: { url: string };
}

/**
 * Each user function's call lines, by function id; only for those whose script was read.
 * @param placeOf each function's place in its parsed script (`at` its index there)
 */
export function callLinesOf(
  frames: { fn: Int32Array; parent: Int32Array; total: Float64Array },
  functions: readonly Called[],
  placeOf: readonly ({ shape: ScriptShape; at: number } | undefined)[],
  mapper: SourceMapper,
): Map<number, CallLine[]> {
  const found = new Map<number, CallLine[]>();
  // Per user function with a place: the time of each function it calls directly, its outermost
  // frames only (recursion counted once).
  const calledUs = new Map<number, Map<number, number>>();
  for (let k = 1; k < frames.fn.length; k++) {
    const p = frames.parent[k];
    const caller = frames.fn[p];
    const callee = frames.fn[k];
    if (callee === caller || !placeOf[caller] || functions[caller]?.category !== 'user') continue;
    // A function of the user's scripts has lines of its own to show its time.
    const called = functions[callee];
    if (called?.category === 'user' && called.generated.url !== '') continue;
    if (withinItself(frames, p)) continue;
    let times = calledUs.get(caller);
    if (!times) {
      times = new Map();
      calledUs.set(caller, times);
    }
    times.set(callee, (times.get(callee) ?? 0) + frames.total[k]);
  }
  for (const [id, called] of calledUs) {
    const f = functions[id];
    const place = placeOf[id];
    if (!place || f.totalUs <= 0) continue;
    let sum = 0;
    for (const us of called.values()) sum += us;
    if (sum < MIN_CALLED * f.totalUs) continue;
    const lines = linesCalling(place, called, functions);
    const rows: CallLine[] = [];
    for (const { lines: at, names, us } of lines) {
      if (us < MIN_LINE * f.totalUs) continue;
      const placed = at.map((line) => originalLine(mapper, f.generated.url, line));
      if (placed.some((p) => p === undefined)) continue; // a minified line: no line to name
      const [first, ...rest] = placed as { file: string; line: number }[];
      rows.push({
        file: first.file,
        line: first.line,
        calleeNames: names,
        totalUs: us,
        inferred: true,
        ...(rest.length > 0
          ? { ambiguous: true as const, alsoLines: rest.map((p) => p.line) }
          : {}),
      });
    }
    if (rows.length > 0)
      found.set(
        id,
        rows.sort((a, b) => b.totalUs - a.totalUs),
      );
  }
  return found;
}

/** Whether a frame has a frame of the same function above it (its time is counted there). */
function withinItself(frames: { fn: Int32Array; parent: Int32Array }, frame: number): boolean {
  const fn = frames.fn[frame];
  for (let p = frames.parent[frame]; p >= 0; p = frames.parent[p])
    if (frames.fn[p] === fn) return true;
  return false;
}

/** The called functions grouped by the lines of the function whose calls name them. */
function linesCalling(
  { shape, at }: { shape: ScriptShape; at: number },
  called: Map<number, number>,
  functions: readonly Called[],
): { lines: number[]; names: string[]; us: number }[] {
  const own = shape.calls.filter((c) => c.fn === at);
  const groups = new Map<string, { lines: number[]; names: Map<string, number>; us: number }>();
  for (const [callee, us] of called) {
    const name = functions[callee]?.name ?? '';
    const names = callNames(name, functions[callee]?.generated.url ?? '');
    if (names.length === 0) continue;
    const lines = [...new Set(own.filter((c) => names.includes(c.callee)).map((c) => c.line))].sort(
      (a, b) => a - b,
    );
    if (lines.length === 0) continue;
    const key = lines.join(',');
    let group = groups.get(key);
    if (!group) {
      group = { lines, names: new Map(), us: 0 };
      groups.set(key, group);
    }
    const shown = name.startsWith('RegExp: ') ? name : names[0];
    group.names.set(shown, (group.names.get(shown) ?? 0) + us);
    group.us += us;
  }
  return [...groups.values()].map(({ lines, names, us }) => ({
    lines,
    names: [...names].sort((a, b) => b[1] - a[1]).map(([name]) => name),
    us,
  }));
}

/**
 * The names a call may use for a function V8 names so: `update` for `Hash.update`, `get x` and
 * `bound f` without their words; a regular expression's methods for its frame. None for V8's
 * unnamed and bracketed entries.
 */
function callNames(name: string, url: string): string[] {
  if (url === '' && name.startsWith('RegExp: ')) return REGEXP_CALLS;
  const bare = name.replace(/^(?:get |set |bound |async )+/, '');
  if (bare === '' || bare.startsWith('(') || bare.startsWith('<')) return [];
  const last = bare.slice(bare.lastIndexOf('.') + 1);
  return last ? [last] : [];
}

/** A generated line in the original, through the map; undefined when the line holds many. */
function originalLine(
  mapper: SourceMapper,
  url: string,
  line: number,
): { file: string; line: number } | undefined {
  const placed = mapper.line(url, line);
  if (placed.kind === 'spread') return undefined;
  const position: OriginalPosition | undefined =
    placed.kind === 'line' ? placed.position : undefined;
  if (position) return { file: position.source, line: position.line };
  return { file: scriptPath(url) ?? url, line };
}
