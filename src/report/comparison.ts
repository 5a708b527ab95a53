/**
 * A comparison of two runs in words, for every surface: the headline, the verdicts, the locks
 * that changed, how the two runs differ, a gate's outcome. Pure.
 */
import type { Change, ComparedWindow, Comparison } from '../profile/compare';
import type { StallFunctionChange } from '../profile/compareStalls';
import type { GateResult } from '../profile/gates';
import { directionOf, intervalText, tooWide, verdictText } from '../profile/stats';
import { aLockOf } from '../profile/waits';
import { WATCHED_LOCK_LIBRARIES } from '../record/locks';
import type { RunRecord } from '../record/run';
import type { Surface } from '../vocabulary/options';
import { forSurface, optionRef } from '../vocabulary/words';
import { displayPath } from './places';
import { amountOrNone, bytes, int, ms, one, ratio } from './units';

/**
 * Whether the change is real, in words: req/s and mean latency with their intervals, or why
 * there are none.
 */
export function comparisonVerdicts(comparison: Comparison, surface: Surface = 'cli'): string[] {
  const spread = comparison.spread;
  if (comparison.differentEndpoints)
    return [`no verdict: ${comparison.differentEndpoints.join(' and ')} are different endpoints`];
  if (!spread)
    return [
      'no interval: a run kept no 100 ms samples (saved before Hotpath kept them, or a lone profile), its load was not constant (a ramp, a spike, joining users), or it was too short',
    ];
  const verdicts: string[] = [];
  if (spread.requestsPerSec)
    verdicts.push(`req/s: ${verdictText(spread.requestsPerSec, 'faster', 'slower')}`);
  if (spread.latencyMean)
    verdicts.push(
      `mean latency: ${verdictText(spread.latencyMean, 'higher (worse)', 'lower (better)')}`,
    );
  return verdicts.map((verdict) => forSurface(verdict, surface));
}

/**
 * What happened to each lock site between the runs, most waited-on first: "Mutex at
 * handlers.ts:39: wait p50 1,518 ms → none; 99 % → 0 % of latency".
 */
export function lockChangeTexts(comparison: Comparison, cwd = process.cwd(), limit = 5): string[] {
  const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;
  return comparison.locks.slice(0, limit).map((c) => {
    const wait = (side?: { waitP50Ms: number }) => (side ? ms(side.waitP50Ms) : 'none');
    const ofLatency = (side?: { waitShare: number }) => percent(side?.waitShare ?? 0);
    return `${c.name}, acquired at ${displayPath(c.file, cwd)}:${c.line}: wait p50 ${wait(c.before)} → ${wait(c.after)}; ${ofLatency(c.before)} → ${ofLatency(c.after)} of latency`;
  });
}

/** A ratio that may be far below 1 ("0.000051x" would read "0.00x"). */
function smallRatio(value: number): string {
  return value >= 0.01 ? ratio(value) : `${value.toPrecision(2)}x`;
}

/**
 * Bytes allocated per request before → after, the ratio with its interval from the heap
 * samples' counts, then the functions whose bytes changed most: "68.4 MB → 3.2 KB per request,
 * 0.000047x (95 % CI 0.000031x–0.000071x, Poisson on 13,670 and 6 samples)".
 */
export function allocationChangeTexts(comparison: Comparison, cwd = process.cwd()): string[] {
  const a = comparison.allocations;
  if (!a) return [];
  const { low, high, estimate } = a.ratio;
  return [
    `${bytes(a.before)} → ${bytes(a.after)} per request, ${smallRatio(estimate)} (95 % CI ${smallRatio(low)}–${smallRatio(high)}, Poisson on ${int.format(a.samples[0])} and ${int.format(a.samples[1])} samples)`,
    ...a.functions.map(
      (f) =>
        `${f.name} (${displayPath(f.file, cwd)}:${f.line}): ${bytes(f.before)} → ${bytes(f.after)} per request`,
    ),
  ];
}

/**
 * The event loop's stalls before → after: the rate with the ratio's interval from the counts,
 * the longest, the loop delay p99, then each function's stalls: "stalls over 20 ms: 12.4/s → 0.4/s
 * (31 → 1 in 2.5 s and 2.5 s), 0.032x (95 % CI 0.0044x–0.24x, Poisson on 31 and 1 stalls);
 * longest 290 ms → 25 ms; loop delay p99 309 ms → 12 ms".
 */
export function stallChangeTexts(comparison: Comparison, cwd = process.cwd()): string[] {
  const s = comparison.stalls;
  if (!s) return [];
  const { before: a, after: b } = s;
  const rate = (side: typeof a) => `${perSec(side.perSec)}/s`;
  const threshold =
    a.thresholdMs === b.thresholdMs
      ? `over ${ms(a.thresholdMs)}`
      : `over ${ms(a.thresholdMs)} → over ${ms(b.thresholdMs)}`;
  const counted = `${int.format(a.count)} → ${int.format(b.count)} in ${one.format(a.windowSec)} s and ${one.format(b.windowSec)} s`;
  const ratioPart = s.ratio
    ? `, ${smallRatio(s.ratio.estimate)} (95 % CI ${smallRatio(s.ratio.low)}–${smallRatio(s.ratio.high)}, Poisson on ${int.format(a.count)} and ${int.format(b.count)} stalls)`
    : s.thresholdsDiffer
      ? ': the thresholds differ, so the counts are not compared'
      : '';
  const longest = (side: typeof a) => (side.count > 0 ? ms(side.longestMs) : 'none');
  const delay =
    a.delayP99Ms !== undefined && b.delayP99Ms !== undefined
      ? `; loop delay p99 ${ms(a.delayP99Ms)} → ${ms(b.delayP99Ms)}`
      : '';
  const count = (c: StallFunctionChange['before']) =>
    c.stalls === 0
      ? 'none'
      : `${int.format(c.stalls)} stall${c.stalls === 1 ? '' : 's'} (${ms(c.totalMs)} in all, longest ${ms(c.longestMs)})`;
  return [
    `stalls ${threshold}: ${rate(a)} → ${rate(b)} (${counted})${ratioPart}; longest ${longest(a)} → ${longest(b)}${delay}`,
    ...s.functions.map(
      (f) =>
        `${f.name}${f.file ? ` (${displayPath(f.file, cwd)}:${f.line})` : ` [${f.category}]`}: ${count(f.before)} → ${count(f.after)}`,
    ),
  ];
}

/** A rate per second that may be well under one: "12", "0.40", "0.013". */
function perSec(value: number): string {
  return value >= 10 ? int.format(value) : value >= 0.1 ? value.toFixed(2) : value.toPrecision(2);
}

/** What a comparison leads with, and where in the code its cause is (to open it beside). */
export interface ComparisonHeadline {
  text: string;
  /** The file and line of the change a user can act on, when it is in their code or a lock. */
  file?: string;
  line?: number;
}

/**
 * A comparison's headline: the measured outcome (req/s and latency, with their intervals), then
 * the largest change a user can act on, in time per request: a lock's wait, or a function of
 * their code. Hotpath's own frames are never it (compareRuns leaves them out); a change outside
 * the user's code is named as such only when nothing of theirs changed. A function's change is
 * never the headline when it lies within the runs' own noise or is under 1 % of the window
 * (`headlines`); when no function and no watched lock explains a change in latency, the
 * headline says so.
 */
export function comparisonHeadline(
  comparison: Comparison,
  cwd = process.cwd(),
  surface: Surface = 'cli',
): ComparisonHeadline {
  const cause = biggestCause(comparison, cwd);
  if (comparison.differentEndpoints) {
    const text = `${differentEndpointsText(comparison, comparison.differentEndpoints)}.${cause ? ` The biggest difference in your code: ${cause.text}.` : ''}`;
    return { text, ...(cause?.file ? { file: cause.file, line: cause.line } : {}) };
  }
  const outcome = outcomeText(comparison);
  const because = cause
    ? `The biggest change in your code: ${cause.text}.`
    : changeOutsideText(comparison);
  return {
    text: forSurface(outcome ? `${outcome}. ${because}` : because, surface),
    ...(cause?.file ? { file: cause.file, line: cause.line } : {}),
  };
}

/** The outcome in req/s and latency, with their intervals when the runs have them. */
function outcomeText(comparison: Comparison): string | undefined {
  const rps = comparison.spread?.requestsPerSec;
  const latency = latencyText(comparison);
  if (!rps) {
    const rpsRatio = comparison.ratios.requestsPerSec;
    if (rpsRatio === undefined) return latency ? `${latency} (no interval)` : undefined;
    return `req/s ${ratio(rpsRatio)}${latency ? `, ${latency}` : ''} (no interval)`;
  }
  const also = latency ? `; ${latency}` : '';
  switch (directionOf(rps)) {
    case 'up':
      return `Faster: ${ratio(rps.estimate)} the requests per second (${intervalText(rps)})${also}`;
    case 'down':
      return `Slower: ${ratio(rps.estimate)} the requests per second (${intervalText(rps)})${also}`;
    default:
      return tooWide(rps)
        ? `Too noisy to tell a change in req/s (${intervalText(rps)}: run longer, or with ${optionRef('repeat', 'N')})${also}`
        : `No measurable change in req/s (${intervalText(rps)})${also}`;
  }
}

/**
 * Two runs of different endpoints: their figures side by side, said to be the endpoints'
 * difference, with no verdict (a "4.63x faster" between GET /hash and GET /locked means nothing).
 */
function differentEndpointsText(comparison: Comparison, [a, b]: [string, string]): string {
  const rps = comparison.ratios.requestsPerSec;
  const figures = [rps === undefined ? undefined : `req/s ${ratio(rps)}`, latencyText(comparison)]
    .filter(Boolean)
    .join(', ');
  return `These runs load different endpoints (${a} → ${b})${figures ? `: ${figures}` : ''}; that is how the endpoints differ, not a change in the code, so no verdict is drawn`;
}

/** The latency's change: the mean's with its interval, else the p50's ratio. */
function latencyText(comparison: Comparison): string | undefined {
  const mean = comparison.spread?.latencyMean;
  if (mean) return `mean latency ${ratio(mean.estimate)} (${intervalText(mean)})`;
  const p50 = comparison.ratios.latencyP50;
  return p50 !== undefined ? `p50 latency ${ratio(p50)}` : undefined;
}

/** Whether the latency changed by a tenth or more, beyond its interval where it has one. */
function latencyChanged(comparison: Comparison): boolean {
  const mean = comparison.spread?.latencyMean;
  if (mean) return directionOf(mean) !== 'same';
  const p50 = comparison.ratios.latencyP50;
  return p50 !== undefined && (p50 >= 1.1 || p50 <= 1 / 1.1);
}

/** What a function's share is of: the window, or the sampled time of a file without a timeline. */
const sharesOf = (comparison: Comparison): string =>
  comparison.noTimeline ? 'the sampled time' : 'the window';

const noFunctionChanged = (comparison: Comparison): string =>
  `No function changed beyond the runs' noise (by a tenth or more, and by 1 % of ${sharesOf(comparison)} or more).`;

/** A function's change is headlined only when it is at least this share of a run's window. */
export const HEADLINE_MIN_WINDOW_SHARE = 0.01;

/**
 * Whether a function's change may be a headline: by a tenth or more, outside the comparison's
 * own intervals (a per-request cost that moved no more than req/s or latency wobble from sample
 * to sample is noise), and at least 1 % of the window in one of the runs (a function that went
 * from none to 1.7 µs per request is no cause of a 43x change).
 */
export function headlines(comparison: Comparison, c: Change): boolean {
  if (!changedMuch(c)) return false;
  const share = windowShare(comparison, c);
  if (share !== undefined && share < HEADLINE_MIN_WINDOW_SHARE) return false;
  return !withinNoise(comparison, c);
}

/** The larger share of its run's window the function took in the two runs, when known. */
function windowShare(comparison: Comparison, c: Change): number | undefined {
  if (comparison.unit === 'share') return Math.max(c.before, c.after);
  const windows = comparison.windows;
  if (!windows) return undefined;
  const of = (perRequestUs: number, w: ComparedWindow) =>
    w.durationUs > 0 ? (perRequestUs * w.responses) / w.durationUs : 0;
  return Math.max(of(c.before, windows.before), of(c.after, windows.after));
}

/** Whether after ÷ before lies inside the spread of the comparison's own intervals about 1. */
function withinNoise(comparison: Comparison, c: Change): boolean {
  if (!(c.before > 0 && c.after > 0)) return false;
  const change = c.after / c.before;
  return [comparison.spread?.requestsPerSec, comparison.spread?.latencyMean].some(
    (interval) =>
      interval !== undefined &&
      interval.estimate > 0 &&
      change >= interval.low / interval.estimate &&
      change <= interval.high / interval.estimate,
  );
}

interface Cause {
  ms: number;
  text: string;
  file?: string;
  line?: number;
}

/**
 * The largest change a user can act on, in time per request: a lock's wait, or the function of
 * their code that changed most (by a tenth or more).
 */
function biggestCause(comparison: Comparison, cwd: string): Cause | undefined {
  const causes: Cause[] = [];
  const perRequest = comparison.unit === 'us-per-request';
  for (const c of comparison.locks) {
    const [before, after] = [c.before?.waitP50Ms ?? 0, c.after?.waitP50Ms ?? 0];
    const side = (w?: { waitP50Ms: number; waitShare: number }) =>
      w ? `${ms(w.waitP50Ms)} p50 (${Math.round(w.waitShare * 100)} % of the latency)` : 'none';
    causes.push({
      ms: Math.abs(after - before),
      text: `the wait for ${c.name} (${aLockOf(c.kind)}, acquired at ${displayPath(c.file, cwd)}:${c.line}) went from ${side(c.before)} to ${side(c.after)}`,
      file: c.file,
      line: c.line,
    });
  }
  const yours = comparison.functions.find((c) => c.category === 'user' && headlines(comparison, c));
  if (yours) {
    const unit = perRequest ? 'of self time per request' : 'of the profile';
    causes.push({
      ms: perRequest ? Math.abs(yours.after - yours.before) / 1000 : 0,
      text: `${yours.name} (${displayPath(yours.file, cwd)}:${yours.line}) went from ${amountOrNone(yours.before, comparison.unit)} to ${amountOrNone(yours.after, comparison.unit)} ${unit}`,
      file: yours.file,
      line: yours.line,
    });
  }
  return causes.filter((c) => c.ms > 0 || !perRequest).sort((a, b) => b.ms - a.ms)[0];
}

/** By a tenth of the larger side or more. */
function changedMuch(c: { before: number; after: number }): boolean {
  return Math.abs(c.after - c.before) >= 0.1 * Math.max(c.before, c.after);
}

/**
 * When nothing of the user's changed: the biggest change outside their code, if any; else, when
 * the latency changed, that neither the code's CPU time nor a watched lock explains it.
 */
function changeOutsideText(comparison: Comparison): string {
  const other = comparison.functions.find((c) => headlines(comparison, c));
  if (!other) {
    if (!latencyChanged(comparison)) return noFunctionChanged(comparison);
    const watched = WATCHED_LOCK_LIBRARIES.join(', ');
    return `No function's change explains it (none moved beyond the runs' noise: by a tenth or more, and by 1 % of ${sharesOf(comparison)} or more), and no watched lock (${watched}) does either: the requests waited for something Hotpath does not see — I/O, a pool, or a lock of another library.`;
  }
  const perRequest = comparison.unit === 'us-per-request';
  return `Nothing of your code changed much; the biggest change was outside it: ${other.name} [${other.category}] ${amountOrNone(other.before, comparison.unit)} → ${amountOrNone(other.after, comparison.unit)}${perRequest ? ' per request' : ''}.`;
}

/**
 * A run as a comparison names it: its endpoint and the time it began ("GET /read · 12:22:11"),
 * or a lone profile's path. Two runs of one endpoint are told apart by the time.
 */
export function runLabel(
  run: { record?: RunRecord; profileFile: string },
  cwd = process.cwd(),
): string {
  const record = run.record;
  if (!record) return displayPath(run.profileFile, cwd);
  const started = new Date(record.timings.startedAt);
  const time = Number.isNaN(started.getTime()) ? '' : ` · ${started.toTimeString().slice(0, 8)}`;
  return `${record.endpoint.method} ${record.endpoint.path}${time}`;
}

/** What a comparison's two runs are, told apart: their time and id, and what differs in their setup. */
export function runDifferences(
  before: RunRecord | undefined,
  after: RunRecord | undefined,
): string {
  if (!before || !after) return 'a lone profile: its setup is unknown';
  const diffs: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const show = (what: string, a: unknown, b: unknown) => {
    if (!same(a, b)) diffs.push(`${what} ${String(a ?? '–')} → ${String(b ?? '–')}`);
  };
  show(
    'endpoint',
    `${before.endpoint.method} ${before.endpoint.path}`,
    `${after.endpoint.method} ${after.endpoint.path}`,
  );
  show(
    'command',
    before.target.command ?? before.target.kind,
    after.target.command ?? after.target.kind,
  );
  show('preset', before.preset, after.preset);
  show('connections', before.options.load.connections, after.options.load.connections);
  show('duration', `${before.options.load.durationSec} s`, `${after.options.load.durationSec} s`);
  // The service's Node (as its agent said) and Hotpath's own: either can change a run.
  show("the service's Node", before.target.node, after.target.node);
  show("Hotpath's Node", before.versions.node, after.versions.node);
  show('Hotpath', before.versions.hotpath, after.versions.hotpath);
  const ids = `runs ${before.id} → ${after.id}`;
  return diffs.length > 0
    ? `${ids}; what differs: ${diffs.join('; ')}`
    : `${ids}; same endpoint, command, load and Node: what changed is the code (or the machine)`;
}

/** A checked gate in words: "gate failed rps<0.9: 95 % CI 0.52–0.61x". */
export function gateText(result: GateResult, surface: Surface = 'cli'): string {
  const seen =
    result.ratio === undefined
      ? 'the runs lack that figure'
      : result.interval && result.gate.metric === 'alloc'
        ? `${smallRatio(result.interval.estimate)}, 95 % CI ${smallRatio(result.interval.low)}–${smallRatio(result.interval.high)} (Poisson on the heap samples' counts)`
        : result.interval && result.gate.metric === 'stalls'
          ? `${smallRatio(result.interval.estimate)}, 95 % CI ${smallRatio(result.interval.low)}–${smallRatio(result.interval.high)} (Poisson on the stall counts)`
          : result.interval
            ? intervalText(result.interval)
            : `the ratio is ${result.ratio.toFixed(3)} (no interval for this figure)`;
  switch (result.outcome) {
    case 'failed':
    case 'missing':
      return `gate failed ${result.gate.text}: ${seen}`;
    case 'inconclusive':
      return forSurface(
        `gate inconclusive ${result.gate.text}: ${seen} straddles ${result.gate.value}; not a failure (${optionRef('repeat', 'N')} narrows the interval)`,
        surface,
      );
    case 'passed':
      return `gate passed ${result.gate.text}: ${seen}`;
  }
}
