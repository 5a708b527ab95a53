/**
 * Where every microsecond of the window went: the profile's self time, all of it, grouped the
 * way a user asks about it. Your code; each dependency package; Node's own JavaScript; native
 * code and V8's built-ins, named (`writev`, `JSON.stringify`, or the JavaScript function that
 * called an unnamed native); generated code (`eval`, `new Function`: a serializer compiled from a
 * schema), charged to the nearest package or code of yours that called it; the garbage
 * collector; idle; Hotpath's own agent, with the Node and native work it calls (capturing a
 * lock's stack is the agent's cost, not Node's); and what V8 could not attribute. Pure.
 */
import type { Analysis, AnalyzedFunction } from './analyze';
import type { Category } from './model';

export type BreakdownKind =
  | 'user'
  | 'package'
  | 'node'
  | 'native'
  | 'generated'
  | 'gc'
  | 'idle'
  | 'hotpath'
  | 'unattributed';

export interface BreakdownRow {
  kind: BreakdownKind;
  /** The package's name for 'package'; for 'generated', who called it ('your code', a package). */
  owner?: string;
  us: number;
  /** Of the profile's duration, 0..1. */
  share: number;
  /** The heaviest names within the row (natives, generated functions, a package's functions). */
  names: { name: string; us: number; share: number }[];
}

const NAMES_KEPT = 3;

/** The row of each category's time, but for packages and V8's (told apart by their frames). */
const KIND_OF: Record<Exclude<Category, 'node_modules' | 'v8'>, BreakdownKind> = {
  user: 'user',
  node: 'node',
  gc: 'gc',
  idle: 'idle',
  hotpath: 'hotpath',
  program: 'unattributed',
  root: 'unattributed',
};

/**
 * Which frames of the merged tree are Hotpath's agent at work: its own, and the Node and native
 * frames it calls (the nearest caller that is someone's code, yours, a package's or the
 * agent's, is the agent). Frames are in pre-order, so a parent is seen before its children.
 */
export function agentWork(analysis: Analysis): Uint8Array {
  const { frames } = analysis.model;
  const forAgent = new Uint8Array(frames.fn.length);
  for (let i = 0; i < frames.fn.length; i++) {
    const category = analysis.functions[frames.fn[i]]?.category;
    const parent = frames.parent[i];
    forAgent[i] =
      category === 'hotpath'
        ? 1
        : category === 'user' || category === 'node_modules' || parent < 0
          ? 0
          : forAgent[parent];
  }
  return forAgent;
}

/**
 * What a function compiled at run time is, in words that stand for the row's owner when no code
 * of anyone's ran it; undefined for any other function. A script without a URL but with a
 * position is `eval` or `new Function` (or a page's inline script); `vm` names its scripts
 * `evalmachine.<anonymous>`; DevTools names snippets `snippet:///…`.
 */
function madeAs(f: AnalyzedFunction): string | undefined {
  const { url, line } = f.generated;
  if (url === '') return f.category === 'v8' && line > 0 ? GENERATED_WORDS.eval : undefined;
  if (url.startsWith('snippet:')) return GENERATED_WORDS.snippet;
  if (url.startsWith('evalmachine.')) return GENERATED_WORDS.vm;
  return undefined;
}

/** A generated row's owner when nobody's code ran it: what the code is. */
export const GENERATED_WORDS = {
  eval: 'eval, no script URL',
  snippet: 'a DevTools snippet',
  vm: 'node:vm (evalmachine)',
} as const;

/** Whether a generated row's owner says what the code is (nobody's code ran it). */
export const isGeneratedWhat = (owner: string): boolean =>
  (Object.values(GENERATED_WORDS) as string[]).includes(owner);

/** The words for a generated row: who ran it, or what it is when nobody's code did. */
export function generatedLabel(owner: string | undefined): string {
  return owner !== undefined && isGeneratedWhat(owner)
    ? `generated code: ${owner}`
    : `generated code, run by ${owner ?? 'unknown'}`;
}

export function breakdown(analysis: Analysis): BreakdownRow[] {
  const { frames, durationUs } = analysis.model;
  const rows = new Map<string, { row: BreakdownRow; names: Map<string, number> }>();
  const add = (kind: BreakdownKind, owner: string | undefined, name: string, us: number) => {
    const key = `${kind}\u0000${owner ?? ''}`;
    let entry = rows.get(key);
    if (!entry) {
      const row: BreakdownRow = { kind, us: 0, share: 0, names: [] };
      if (owner !== undefined) row.owner = owner;
      entry = { row, names: new Map() };
      rows.set(key, entry);
    }
    entry.row.us += us;
    entry.names.set(name, (entry.names.get(name) ?? 0) + us);
  };
  const fnOf = (frame: number): AnalyzedFunction | undefined =>
    analysis.functions[frames.fn[frame]];
  const forAgent = agentWork(analysis);
  for (let i = 0; i < frames.fn.length; i++) {
    const us = frames.self[i];
    if (!(us > 0)) continue;
    const f = fnOf(i);
    if (!f) {
      add('unattributed', undefined, '(unknown)', us);
      continue;
    }
    const made = madeAs(f);
    if (made && !forAgent[i]) {
      // Code compiled at run time: charged to who ran it; with no caller of anyone's, named for
      // what it is, with its line (the only place the user can find it by).
      const caller = callerOf(i);
      const name = f.name || '(anonymous)';
      if (caller !== 'unknown') add('generated', caller, name, us);
      else
        add(
          'generated',
          made,
          f.generated.line > 0 ? `${name} (line ${f.generated.line})` : name,
          us,
        );
    } else if (forAgent[i] && (f.category === 'node' || f.category === 'v8')) {
      add('hotpath', undefined, f.name || '(anonymous)', us);
    } else if (f.category === 'node_modules') {
      add('package', f.packageName ?? 'node_modules', f.name, us);
    } else if (f.category !== 'v8') {
      add(KIND_OF[f.category], undefined, f.name, us);
    } else {
      const unnamed = !f.name || f.name === '(anonymous)';
      add('native', undefined, unnamed ? `native code in ${nearestNamed(i)}` : f.name, us);
    }
  }

  function callerOf(frame: number): string {
    for (let p = frames.parent[frame]; p >= 0; p = frames.parent[p]) {
      const f = fnOf(p);
      if (!f) continue;
      if (f.category === 'user') return 'your code';
      if (f.category === 'node_modules') return f.packageName ?? 'node_modules';
      if (f.category === 'node') return 'Node';
    }
    return 'unknown';
  }

  function nearestNamed(frame: number): string {
    for (let p = frames.parent[frame]; p >= 0; p = frames.parent[p]) {
      const name = fnOf(p)?.name;
      if (name && !name.startsWith('(')) return name;
      if (name === '(anonymous)') return 'an anonymous function';
    }
    return 'an unnamed caller';
  }

  const result = [...rows.values()].map(({ row, names }) => ({
    ...row,
    share: durationUs > 0 ? row.us / durationUs : 0,
    names: [...names]
      .sort((a, b) => b[1] - a[1])
      .slice(0, NAMES_KEPT)
      .map(([name, us]) => ({ name, us, share: durationUs > 0 ? us / durationUs : 0 })),
  }));
  return result.sort((a, b) => b.us - a.us);
}
