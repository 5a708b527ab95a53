/** The walk-through's lessons (`hotpath demo`): what its two pairs of runs show, in plain words. */
import { intervalText, ratioInterval, samplesOf } from '../profile/stats';
import type { RunRecord } from '../record/run';
import { responsesOf } from '../vocabulary/served';
import { bytes, ms, one, share } from './units';

/** A run's allocations, as the lesson says them: bytes per response and the top allocator. */
export interface AllocationLesson {
  perResponseBytes?: number;
  top?: { name: string; share: number };
}

/** What the walk-through's two pairs of runs show, in plain words. */
export function formatLessons(
  runs: Record<string, RunRecord>,
  /** Each run's garbage collector share of the window, from its profile (the breakdown's figure). */
  gcShares: Record<string, number> = {},
  /** The heap sampler's figures of a run that sampled its allocations. */
  allocated: Record<string, AllocationLesson> = {},
): string {
  const lines: string[] = ['What the runs show:'];
  const read = runs['/read']?.load;
  const fast = runs['/fast']?.load;
  if (read && fast && read.requestsPerSec > 0) {
    // The lock report's measure of it: the hold of the most waited-on site.
    const site = [...(runs['/read']?.locks?.sites ?? [])].sort(
      (a, b) => b.waitMs.total - a.waitMs.total,
    )[0];
    const held = site ? ` (held ${ms(site.holdMs.p50)} p50, by Hotpath's lock report)` : '';
    const [before, after] = [samplesOf(runs['/read']), samplesOf(runs['/fast'])];
    const interval = before && after ? ratioInterval(before, after, 'requestsPerSec') : undefined;
    lines.push(
      `  /fast served ${one.format(fast.requestsPerSec / read.requestsPerSec)}x the requests per second of /read ` +
        `(${one.format(fast.requestsPerSec)} against ${one.format(read.requestsPerSec)}${interval ? `; ${intervalText(interval)}` : ''}): /read holds its Mutex ` +
        `across the 50 ms await${held}, so one request at a time gets through, about 1 / 50 ms = 20 req/s whatever the load.`,
    );
  }
  const perResponse = (record: RunRecord | undefined) => {
    const responses = responsesOf(record);
    return record?.agent && responses
      ? (record.agent.cpuUserMs + record.agent.cpuSystemMs) / responses.count
      : undefined;
  };
  const cpu = perResponse(runs['/cpu']);
  const alloc = perResponse(runs['/cpualloc']);
  if (cpu !== undefined && alloc !== undefined && cpu > 0) {
    const [gcAlloc, gcCpu] = [gcShares['/cpualloc'], gcShares['/cpu']];
    const gc =
      gcAlloc !== undefined && gcCpu !== undefined
        ? `; the garbage collector ${share(gcAlloc)} of the window against ${share(gcCpu)}`
        : '';
    const [bytesAlloc, bytesCpu] = [allocated['/cpualloc'], allocated['/cpu']];
    const top = bytesAlloc?.top;
    const where =
      top && bytesAlloc.perResponseBytes !== undefined && bytesCpu?.perResponseBytes !== undefined
        ? ` The heap sampler puts it in ${top.name}: ${share(top.share)} of the bytes, ${bytes(bytesAlloc.perResponseBytes)} allocated per response against ${bytes(bytesCpu.perResponseBytes)} for /cpu.`
        : '';
    lines.push(
      `  /cpualloc cost ${one.format(alloc / cpu)}x the process CPU per response of /cpu ` +
        `(${ms(alloc)} against ${ms(cpu)}${gc}): ` +
        `the same loop, plus a needless copy of the ids on every turn.${where}`,
    );
  }
  lines.push(
    '  Open the profiles in the run folders (Chrome DevTools or VS Code can read them) to see where.',
  );
  return lines.join('\n');
}
