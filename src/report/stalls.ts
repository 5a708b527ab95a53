/** What blocked the event loop, as a sentence and rows of text for every surface. Pure. */
import type { StallRow, ThreadLoopRow } from '../protocol/flame';
import { functionLabel, type StallFigures } from './figures';
import { int, ms, share } from './units';

/** "9 stalls over 20 ms, longest 535 ms, 2,276 ms in all; loop delay p99 309 ms". */
export function stallSummary(stalls: StallFigures): string {
  const count = `${int.format(stalls.count)} stall${stalls.count === 1 ? '' : 's'} over ${ms(stalls.thresholdMs)}`;
  const delay = stalls.loopDelayMs ? `; loop delay p99 ${ms(stalls.loopDelayMs.p99)}` : '';
  const idle =
    stalls.idle > 0
      ? `; ${int.format(stalls.idle)} late turn${stalls.idle === 1 ? '' : 's'} of a thread that was idle, not charged`
      : '';
  if (stalls.count === 0)
    return `no turn of the event loop over ${ms(stalls.thresholdMs)}${idle}${delay}`;
  return `${count}, longest ${ms(stalls.longestMs)}, ${ms(stalls.totalMs)} in all${idle}${delay}`;
}

/** What the table counts, said under it. */
export function stallNote(stalls: StallFigures): string {
  return `a stall is one turn of the event loop longer than ${ms(stalls.thresholdMs)}; each is charged to the CPU samples inside it (their deepest function of your code); ${threadsText(stalls.threads)}`;
}

/** "measured in 1 main thread and 2 worker threads", and those not measured. */
function threadsText({ main, workers, notMeasured }: StallFigures['threads']): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const measured = [
    ...(main > 0 ? [count(main, 'main thread')] : []),
    ...(workers > 0 ? [count(workers, 'worker thread')] : []),
  ];
  return `measured in ${measured.join(' and ') || 'no thread'}${notMeasured > 0 ? `; ${count(notMeasured, 'thread')} not measured` : ''}`;
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

/** The heading over the threads' loops, on every surface. */
export const THREAD_LOOPS_TITLE = "Each thread's own event loop";

/** Each profiled thread's loop: its stalls, and its probe's delay p50, p99 and max. */
export function threadLoopRows(stalls: StallFigures): ThreadLoopRow[] {
  return (stalls.threadLoops ?? []).map((t) => ({
    thread: t.thread,
    stalls: int.format(t.stalls),
    p50: ms(t.delayMs.p50),
    p99: ms(t.delayMs.p99),
    max: ms(t.delayMs.max),
  }));
}

/** What the threads' table measures, said under it. */
export function threadLoopNote(stalls: StallFigures): string {
  return `loop delay per thread: how late each thread's own probe timer (due every ${ms(stalls.probeMs)}) fired over the window${stalls.loopDelayMs ? "; the summary's loop delay is the main thread's (Node's monitorEventLoopDelay)" : ''}`;
}
