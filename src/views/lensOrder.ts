/**
 * Which lens a line gets when several could sit on it (a handler, the closure it passes, a lock
 * acquired there): one, in a stated order. Pure, so that it is tested without VS Code.
 */

/** A lens that could be drawn, with what ranks it. */
export interface LensCandidate<T> {
  /** The document's 0-based line. */
  line: number;
  /** The run's diagnosis names it (its function, or the lock requests wait for). */
  named: boolean;
  /** Its time: a function's total share of the window, a lock's share of the latency. */
  weight: number;
  lens: T;
}

/** Functions under this share of the window in total get no lens: the floor. */
export const LENS_FLOOR = 0.005;

/**
 * One lens a line: what the diagnosis names first, then the most time; in line order. (What
 * later floors add, such as a comparison's change, is said at the end of the lens's line.)
 */
export function oneLensALine<T>(candidates: readonly LensCandidate<T>[]): T[] {
  const best = new Map<number, LensCandidate<T>>();
  for (const c of candidates) {
    const held = best.get(c.line);
    if (!held || Number(c.named) - Number(held.named) > 0) best.set(c.line, c);
    else if (c.named === held.named && c.weight > held.weight) best.set(c.line, c);
  }
  return [...best.values()].sort((a, b) => a.line - b.line).map((c) => c.lens);
}
