/** What blocked the event loop, as a sentence and rows of text for every surface. Pure. */
import type { StallRow } from '../protocol/flame';
import { functionLabel, type StallFigures } from './figures';
import { int, ms, share } from './units';

/** "9 stalls over 20 ms, longest 535 ms, 2,276 ms in all; loop delay p99 309 ms". */
export function stallSummary(stalls: StallFigures): string {
  const count = `${int.format(stalls.count)} stall${stalls.count === 1 ? '' : 's'} over ${ms(stalls.thresholdMs)}`;
  const delay = stalls.loopDelayMs ? `; loop delay p99 ${ms(stalls.loopDelayMs.p99)}` : '';
  if (stalls.count === 0) return `no turn of the event loop over ${ms(stalls.thresholdMs)}${delay}`;
  return `${count}, longest ${ms(stalls.longestMs)}, ${ms(stalls.totalMs)} in all${delay}`;
}

/** What the table counts, said under it. */
export function stallNote(stalls: StallFigures): string {
  return `a stall is one turn of the event loop longer than ${ms(stalls.thresholdMs)}; each is charged to the CPU samples inside it (their deepest function of your code); ${stalls.threads}`;
}

export function stallRows(stalls: StallFigures): StallRow[] {
  return stalls.rows.map((r) => ({
    function: functionLabel(r),
    stalls: int.format(r.stalls),
    total: ms(r.totalMs),
    longest: ms(r.longestMs),
    ofBlocking: share(r.sampledShare),
    where: r.where,
  }));
}
