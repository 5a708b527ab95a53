/**
 * A regular expression's frame: V8 names it by its pattern (`RegExp: ^(a+)+$`) and gives it no
 * script, so it would count as V8's own time. Its pattern is the code's that ran it: it takes
 * the category and package of its caller, the one with most of its time. Pure.
 */
import type { FlameCategory } from '../protocol/flame';

const REGEXP = /^RegExp: /;
const CODE: readonly FlameCategory[] = ['user', 'node_modules', 'node'];

interface Owned {
  name: string;
  category: FlameCategory;
  packageName?: string;
  generated: { url: string };
}

/** Gives each regular expression's function its caller's category, in place. */
export function ownRegExps(
  functions: Owned[],
  tree: () => { fn: Int32Array; parent: Int32Array; total: Float64Array },
): void {
  const isRegExp = (f: Owned | undefined) => f?.generated.url === '' && REGEXP.test(f.name);
  // The merged tree is made on first use: only when there is a regular expression to place.
  if (!functions.some(isRegExp)) return;
  const frames = tree();
  const byCaller = new Map<number, Map<number, number>>();
  for (let k = 1; k < frames.fn.length; k++) {
    if (!isRegExp(functions[frames.fn[k]])) continue;
    const caller = frames.fn[frames.parent[k]];
    let callers = byCaller.get(frames.fn[k]);
    if (!callers) {
      callers = new Map();
      byCaller.set(frames.fn[k], callers);
    }
    callers.set(caller, (callers.get(caller) ?? 0) + frames.total[k]);
  }
  for (const [id, callers] of byCaller) {
    let owner: Owned | undefined;
    let most = -1;
    for (const [caller, us] of callers) {
      const f = functions[caller];
      if (f && us > most && CODE.includes(f.category)) {
        most = us;
        owner = f;
      }
    }
    if (!owner) continue;
    functions[id].category = owner.category;
    if (owner.packageName) functions[id].packageName = owner.packageName;
  }
}
