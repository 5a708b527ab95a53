/**
 * Frames of functions V8 inlined, recovered. When V8 inlines a function G into its caller F,
 * the profile names only F, but F's line ticks fall on G's lines. Where a frame's ticks are on
 * lines of another function of the same script that F reaches (G is written in F, or F calls
 * G by name, or F calls H that calls G), those ticks, and a like share of F's samples, move to
 * a new frame of G under F's. Lines that no such function owns, or that several unrelated ones
 * do, stay F's (the analysis calls them code inlined into F). Pure.
 */
import { categorize, type FunctionStats, sampleSpans } from './model';
import type { PackedProfile } from './packedProfile';
import { functionAt, isNestedIn, ownsLine, type ScriptShape, scriptShape } from './scriptShape';
import { type ReadFile, scriptPath } from './sourcemaps';

/** How many calls deep F's source is followed to find the functions it reaches (F→H→G). */
const CALL_HOPS = 2;

export interface RecoveredProfile {
  profile: PackedProfile;
  /** The frames added (`node`), by position, each under the frame V8 named (`from`). */
  added: { node: number; from: number }[];
}

/**
 * Scripts parsed, by URL (null: not readable as JavaScript): a Map, or a store that keeps them
 * between reads (src/runs/shapeCache.ts). `get` answers undefined for a script not parsed yet.
 */
export interface ShapeStore {
  get(url: string): ScriptShape | null | undefined;
  set(url: string, shape: ScriptShape | null): unknown;
}

/**
 * The user's scripts of a profile, parsed: the files V8 ran as JavaScript. Not a TypeScript
 * file, whose JavaScript a loader made in memory (tsx, ts-node), nor one whose map Node held in
 * memory: the file on disk is not what V8 ran.
 */
export function scriptShapes(
  profile: PackedProfile,
  readFile: ReadFile,
  held: Record<string, unknown> = {},
  parsed: ShapeStore = new Map<string, ScriptShape | null>(),
): Map<string, ScriptShape> {
  const shapes = new Map<string, ScriptShape>();
  for (const url of profile.urls) {
    const file = scriptPath(url);
    if (!file || held[url] !== undefined || categorize(url).category !== 'user') continue;
    if (!/\.[cm]?js$/.test(file)) continue;
    let shape = parsed.get(url);
    if (shape === undefined) {
      const code = readFile(file);
      shape = (code === undefined ? undefined : scriptShape(code)) ?? null;
      parsed.set(url, shape);
    }
    if (shape) shapes.set(url, shape);
  }
  return shapes;
}

/**
 * The functions whose frames were recovered, with the self time recovered and the function
 * they ran inlined into (the heaviest, when several): by function id of `functions`.
 */
export function inlinedFunctions(
  recovered: RecoveredProfile,
  functions: readonly FunctionStats[],
): Map<number, { intoId: number; selfUs: number }> {
  const found = new Map<number, { intoId: number; selfUs: number }>();
  if (recovered.added.length === 0) return found;
  const p = recovered.profile;
  const key = (url: string, name: string, line: number, column: number) =>
    `${url}\n${name || '(anonymous)'}\n${line}\n${column}`;
  const ids = new Map(functions.map((f) => [key(f.url, f.name, f.line, f.column), f.id]));
  const idOf = (node: number) =>
    ids.get(
      key(
        p.urls[p.urlOf[node]],
        p.names[p.nameOf[node]],
        p.lineNumber[node] + 1,
        p.columnNumber[node] + 1,
      ),
    );
  const { selfUs } = sampleSpans(p);
  const into = new Map<number, Map<number, number>>();
  for (const { node, from } of recovered.added) {
    const g = idOf(node);
    const f = idOf(from);
    if (g === undefined || f === undefined || selfUs[node] <= 0) continue;
    let callers = into.get(g);
    if (!callers) {
      callers = new Map();
      into.set(g, callers);
    }
    callers.set(f, (callers.get(f) ?? 0) + selfUs[node]);
  }
  for (const [g, callers] of into) {
    let intoId = -1;
    let most = -1;
    let sum = 0;
    for (const [f, us] of callers) {
      sum += us;
      if (us > most) {
        most = us;
        intoId = f;
      }
    }
    found.set(g, { intoId, selfUs: sum });
  }
  return found;
}

interface Move {
  node: number;
  /** Per tick of the node: the function of the script it moves to, -1 to stay. */
  to: Int32Array;
  targets: number[];
}

/**
 * The profile with frames recovered for inlined functions, or the same profile when none are.
 * @param shapes the parsed scripts by URL; a script without one is left as it is.
 */
export function recoverInlined(
  profile: PackedProfile,
  shapes: ReadonlyMap<string, ScriptShape>,
): RecoveredProfile {
  if (shapes.size === 0) return { profile, added: [] };
  const n = profile.nodeCount;
  const { urls, urlOf, lineNumber, columnNumber, tickStart, tickLine, tickCount } = profile;
  // Per script, each function's frame as the profile names it (to give a recovered frame the
  // same name and position, so that it is the same function), and each function's reach.
  const named = new Map<string, Map<number, number>>();
  const reaches = new Map<string, Map<number, Set<number>>>();
  const fnOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const url = urls[urlOf[i]];
    const shape = shapes.get(url);
    if (!shape || lineNumber[i] < 0) continue;
    const fn = functionAt(shape, lineNumber[i] + 1, columnNumber[i] + 1);
    fnOf[i] = fn;
    if (fn < 0) continue;
    let frames = named.get(url);
    if (!frames) {
      frames = new Map();
      named.set(url, frames);
    }
    if (!frames.has(fn)) frames.set(fn, i);
  }

  const moves: Move[] = [];
  for (let i = 0; i < n; i++) {
    const fn = fnOf[i];
    if (fn < 0 || tickStart[i + 1] === tickStart[i]) continue;
    const url = urls[urlOf[i]];
    const shape = shapes.get(url) as ScriptShape;
    const declared = lineNumber[i] + 1;
    let to: Int32Array | undefined;
    const targets: number[] = [];
    for (let k = tickStart[i]; k < tickStart[i + 1]; k++) {
      const line = tickLine[k];
      if (tickCount[k] <= 0 || line === declared || ownsLine(shape, fn, line)) continue;
      let byFunction = reaches.get(url);
      if (!byFunction) {
        byFunction = new Map();
        reaches.set(url, byFunction);
      }
      let reach = byFunction.get(fn);
      if (!reach) {
        reach = reachOf(shape, fn);
        byFunction.set(fn, reach);
      }
      const target = ownerOf(shape, reach, line);
      if (target < 0) continue;
      to ??= new Int32Array(tickStart[i + 1] - tickStart[i]).fill(-1);
      to[k - tickStart[i]] = target;
      if (!targets.includes(target)) targets.push(target);
    }
    if (to) moves.push({ node: i, to, targets });
  }
  if (moves.length === 0) return { profile, added: [] };
  return withFrames(profile, moves, shapes, named);
}

/** The functions F reaches: written in it, or called by name from it, CALL_HOPS calls deep. */
function reachOf(shape: ScriptShape, fn: number): Set<number> {
  const { byName, callsIn } = indexOf(shape);
  const reach = new Set<number>();
  let frontier = [fn];
  for (let hop = 0; hop <= CALL_HOPS && frontier.length > 0; hop++) {
    const next: number[] = [];
    for (const from of frontier) {
      // Everything written inside `from`, and what those call.
      const inside = descendantsOf(shape, from);
      for (const i of inside) reach.add(i);
      if (hop === CALL_HOPS) continue;
      for (const caller of [from, ...inside]) {
        for (const callee of callsIn[caller] ?? []) {
          const called = byName.get(callee);
          // A name two functions share is not followed: which one runs is a guess.
          if (called?.length !== 1 || called[0] === fn || reach.has(called[0])) continue;
          reach.add(called[0]);
          next.push(called[0]);
        }
      }
    }
    frontier = next;
  }
  reach.delete(fn);
  return reach;
}

/** The functions written inside one, at any depth. */
function descendantsOf(shape: ScriptShape, fn: number): number[] {
  const found: number[] = [];
  const stack = [...shape.functions[fn].children];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    found.push(i);
    stack.push(...shape.functions[i].children);
  }
  return found;
}

const indexes = new WeakMap<ScriptShape, { byName: Map<string, number[]>; callsIn: string[][] }>();

/** A script's functions by the names calls may use, and the names each function calls. */
function indexOf(shape: ScriptShape) {
  let index = indexes.get(shape);
  if (index) return index;
  const byName = new Map<string, number[]>();
  shape.functions.forEach((f, i) => {
    for (const name of f.names) {
      const list = byName.get(name);
      if (list) list.push(i);
      else byName.set(name, [i]);
    }
  });
  const callsIn: string[][] = [];
  for (const call of shape.calls) {
    if (call.fn < 0) continue;
    callsIn[call.fn] ??= [];
    callsIn[call.fn].push(call.callee);
  }
  index = { byName, callsIn };
  indexes.set(shape, index);
  return index;
}

/**
 * The function of F's reach whose own line this is: the outermost when they are written one in
 * another (the line is surely that one's), none (-1) when unrelated ones share it.
 */
function ownerOf(shape: ScriptShape, reach: Set<number>, line: number): number {
  const owners = [...reach].filter((g) => ownsLine(shape, g, line)).sort((a, b) => a - b);
  if (owners.length === 0) return -1;
  const outer = owners[0];
  return owners.every((g) => g === outer || isNestedIn(shape, g, outer)) ? outer : -1;
}

/** The profile with a frame per (node, target), the ticks and a share of the samples moved. */
function withFrames(
  profile: PackedProfile,
  moves: Move[],
  shapes: ReadonlyMap<string, ScriptShape>,
  named: Map<string, Map<number, number>>,
): RecoveredProfile {
  const n = profile.nodeCount;
  const extra = moves.reduce((sum, m) => sum + m.targets.length, 0);
  const total = n + extra;
  const names = profile.names.slice();
  const nameIndex = new Map(names.map((name, i) => [name, i]));
  const urlOf = new Int32Array(total);
  urlOf.set(profile.urlOf);
  const nameOf = new Int32Array(total);
  nameOf.set(profile.nameOf);
  const lineNumber = new Float64Array(total);
  lineNumber.set(profile.lineNumber);
  const columnNumber = new Float64Array(total);
  columnNumber.set(profile.columnNumber);

  // Added frames: the node they come from, and which of its targets.
  const addedFor = new Map<number, number[]>();
  const added: RecoveredProfile['added'] = [];
  let next = n;
  for (const move of moves) {
    const i = move.node;
    const url = profile.urls[profile.urlOf[i]];
    const shape = shapes.get(url) as ScriptShape;
    const ids: number[] = [];
    for (const target of move.targets) {
      const id = next++;
      ids.push(id);
      added.push({ node: id, from: i });
      urlOf[id] = profile.urlOf[i];
      const existing = named.get(url)?.get(target);
      if (existing !== undefined) {
        nameOf[id] = profile.nameOf[existing];
        lineNumber[id] = profile.lineNumber[existing];
        columnNumber[id] = profile.columnNumber[existing];
      } else {
        const f = shape.functions[target];
        let at = nameIndex.get(f.name);
        if (at === undefined) {
          at = names.push(f.name) - 1;
          nameIndex.set(f.name, at);
        }
        nameOf[id] = at;
        lineNumber[id] = f.line - 1;
        columnNumber[id] = f.column - 1;
      }
    }
    addedFor.set(i, ids);
  }

  // Children: the old ones, then the added frames of each node.
  const childStart = new Int32Array(total + 1);
  const childList: number[] = [];
  const tickStart = new Int32Array(total + 1);
  const tickLine: number[] = [];
  const tickCount: number[] = [];
  const movesOf = new Map(moves.map((m) => [m.node, m]));
  const addedTicks = new Map<number, [number, number][]>();
  for (let i = 0; i < total; i++) {
    childStart[i] = childList.length;
    tickStart[i] = tickLine.length;
    if (i >= n) {
      for (const [line, count] of addedTicks.get(i) ?? []) {
        tickLine.push(line);
        tickCount.push(count);
      }
      continue;
    }
    for (let c = profile.childStart[i]; c < profile.childStart[i + 1]; c++)
      childList.push(profile.childList[c]);
    const move = movesOf.get(i);
    const ids = addedFor.get(i) ?? [];
    childList.push(...ids);
    for (let k = profile.tickStart[i]; k < profile.tickStart[i + 1]; k++) {
      const target = move ? move.to[k - profile.tickStart[i]] : -1;
      if (target < 0) {
        tickLine.push(profile.tickLine[k]);
        tickCount.push(profile.tickCount[k]);
        continue;
      }
      const id = ids[(move as Move).targets.indexOf(target)];
      let list = addedTicks.get(id);
      if (!list) {
        list = [];
        addedTicks.set(id, list);
      }
      list.push([profile.tickLine[k], profile.tickCount[k]]);
    }
  }
  childStart[total] = childList.length;
  tickStart[total] = tickLine.length;

  return {
    profile: {
      ...profile,
      nodeCount: total,
      names,
      urlOf,
      nameOf,
      lineNumber,
      columnNumber,
      childStart,
      childList: Int32Array.from(childList),
      tickStart,
      tickLine: Float64Array.from(tickLine),
      tickCount: Float64Array.from(tickCount),
      samples: movedSamples(profile, moves, addedFor),
    },
    added,
  };
}

/**
 * The samples with each moved node's share given to its new frames, in proportion to their
 * ticks: the counts by largest remainder, spread evenly over the node's samples in time order
 * (always the same way), so that the timeline keeps the mix.
 */
function movedSamples(
  profile: PackedProfile,
  moves: Move[],
  addedFor: Map<number, number[]>,
): Int32Array {
  const samples = Int32Array.from(profile.samples);
  const at = new Map<number, number[]>();
  for (const m of moves) at.set(m.node, []);
  samples.forEach((node, k) => {
    at.get(node)?.push(k);
  });
  for (const move of moves) {
    const positions = at.get(move.node) as number[];
    if (positions.length === 0) continue;
    const ids = addedFor.get(move.node) as number[];
    // Ticks per group: group 0 stays, group j + 1 goes to ids[j].
    const weights = new Array(ids.length + 1).fill(0);
    const { tickStart, tickCount } = profile;
    for (let k = tickStart[move.node]; k < tickStart[move.node + 1]; k++) {
      const target = move.to[k - tickStart[move.node]];
      if (tickCount[k] > 0)
        weights[target < 0 ? 0 : move.targets.indexOf(target) + 1] += tickCount[k];
    }
    const counts = largestRemainder(weights, positions.length);
    const given = new Array(counts.length).fill(0);
    positions.forEach((position, k) => {
      let best = -1;
      let bestDue = -Infinity;
      for (let g = 0; g < counts.length; g++) {
        if (given[g] >= counts[g]) continue;
        const due = (counts[g] * (k + 1)) / positions.length - given[g];
        if (due > bestDue) {
          bestDue = due;
          best = g;
        }
      }
      given[best]++;
      if (best > 0) samples[position] = ids[best - 1];
    });
  }
  return samples;
}

/** Whole counts in proportion to the weights, adding up to `total`; ties to the first. */
function largestRemainder(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const exact = weights.map((w) => (w * total) / sum);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, i) => [e - Math.floor(e), i])
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    counts[i]++;
    left--;
  }
  return counts;
}
