/**
 * The CLI's text: a run, its analysis, a comparison and the load's progress as the terminal
 * prints them (the editor shows some of these lines too). The figures and sentences come from
 * the files beside it (figures, units, runSummary, waits, comparison), which the
 * Markdown, HTML and report-page renderers share. Pure: data in, text out.
 */
import * as path from 'node:path';
import type { ComparedRun, Comparison } from '../profile/compare';
import type { Diagnosis } from '../profile/diagnosis';
import type { LocustLoad } from '../record/load';
import type { RunRecord } from '../record/run';
import { PRESETS } from '../vocabulary/presets';
import type { LoadProgress } from '../vocabulary/progress';
import { describeShape } from '../vocabulary/shapes';
import { forSurface } from '../vocabulary/words';
import {
  allocationBytesHeading,
  allocationNote,
  allocationRows,
  allocationSummary,
} from './allocations';
import {
  allocationChangeTexts,
  comparisonHeadline,
  comparisonVerdicts,
  lockChangeTexts,
  runDifferences,
  stallChangeTexts,
} from './comparison';
import { breakdownDetail, callLineText, type Figures, functionLabel } from './figures';
import { displayPath } from './places';
import { describeTarget, runRows } from './runSummary';
import {
  stallNote,
  stallRows,
  stallSummary,
  THREAD_LOOPS_TITLE,
  threadLoopNote,
  threadLoopRows,
} from './stalls';
import { threadRows, threadText } from './threads';
import { amount, amountOrNone, int, ms, one, ratio, share, truncate } from './units';
import { ACQUIRED_PER_SEC_NOTE, waitRows } from './waits';

export function formatHeader(record: RunRecord): string {
  const load = record.options.load;
  if (load.locust)
    return `${record.endpoint.method} ${record.endpoint.path} · ${describeTarget(record)} · ${locustHeader(load.locust, load.durationSec)}`;
  const repeat = (record.options.repeat ?? 1) > 1 ? ` · ${record.options.repeat} loads` : '';
  if (load.shape)
    return `${record.endpoint.method} ${record.endpoint.path} · ${describeTarget(record)} · ${describeShape(load.shape)}${repeat} · preset ${record.preset}`;
  const length =
    load.amount !== undefined
      ? `${int.format(load.amount)} requests`
      : `${one.format(load.durationSec ?? 0)} s`;
  const rate =
    load.connectionRate !== undefined ? ` at ≤ ${one.format(load.connectionRate)} req/s each` : '';
  // A built-in preset whose connections or length were given on their own: not the preset's load.
  const shape = PRESETS.find((p) => p.name === record.preset)?.shape;
  const overridden =
    shape?.kind === 'constant' &&
    (shape.connections !== load.connections ||
      (load.amount === undefined && shape.durationSec !== load.durationSec))
      ? ` (its ${shape.connections} × ${one.format(shape.durationSec)} s overridden)`
      : '';
  return `${record.endpoint.method} ${record.endpoint.path} · ${describeTarget(record)} · ${load.connections} connections${rate} × ${length}${repeat} · preset ${record.preset}${overridden}`;
}

/** A Locust load in words: its file, users, spawn rate, workers and window. */
function locustHeader(locust: LocustLoad, seconds: number | undefined): string {
  const workers = [
    locust.workers ? `${locust.workers} local workers` : '',
    locust.externalWorkers ? `${locust.externalWorkers} workers elsewhere` : '',
  ].filter(Boolean);
  return `Locust ${path.basename(locust.file)} · ${int.format(locust.users)} users, ${one.format(locust.spawnRate)}/s joining${workers.length ? ` · ${workers.join(' + ')}` : ''} · ${one.format(seconds ?? 0)} s window`;
}

export function formatProgress(progress: LoadProgress): string {
  const of = progress.plannedSec !== undefined ? ` / ${one.format(progress.plannedSec)} s` : ' s';
  const p99 = progress.p99Ms === undefined ? '–' : ms(progress.p99Ms);
  const trouble = [
    progress.errors ? `${int.format(progress.errors)} errors` : '',
    progress.timeouts ? `${int.format(progress.timeouts)} timeouts` : '',
    progress.non2xx ? `${int.format(progress.non2xx)} non-2xx` : '',
  ].filter(Boolean);
  return `  ${one.format(progress.elapsedSec)}${of} · ${int.format(progress.requestsPerSec)} req/s · p99 ${p99} · ${int.format(progress.requests)} responses${trouble.length ? ` · ${trouble.join(' · ')}` : ' · no errors'}`;
}

/** The load summary and where the run was saved, as a person reads it after a run. */
export function formatRun(record: RunRecord, folder: string, cwd = process.cwd()): string {
  return runRows(record, folder, cwd)
    .map(([label, text]) => (label ? `  ${label.padEnd(11)} ${text}` : `  ${text}`))
    .join('\n');
}

/** The diagnosis, then the run's figures: hot functions, the breakdown, hot lines, lock waits. */
export function formatAnalysis(
  diagnosis: Diagnosis,
  figures: Figures,
  notes: readonly string[] = [],
): string {
  return [
    `  diagnosis   ${forSurface(diagnosis.summary, 'cli')}`,
    ...threadLines(figures),
    ...hotFunctionLines(figures),
    ...breakdownLines(figures),
    ...hotLineLines(figures),
    ...formatWaits(figures.locks),
    ...formatStalls(figures.stalls),
    ...formatAllocations(figures.allocations, figures.allocationsUnavailable),
    ...notes.slice(0, 3).map((note) => `  note        ${note}`),
  ].join('\n');
}

/** A time per response, or nothing when the run counted no responses. */
function perResponse(us: number | undefined): string {
  return us === undefined ? '' : ms(us / 1000);
}

/** The heaviest functions by self time, with their total and their time per response. */
function hotFunctionLines(figures: Figures): string[] {
  if (figures.hotFunctions.length === 0) return [];
  // A view of several threads: each function's thread, before where it is.
  const threads = figures.threads !== undefined;
  const thread = (text: string) => (threads ? `${truncate(text, 28).padEnd(28)}  ` : '');
  return [
    `  hot functions${' '.repeat(22)}self     total${figures.responses ? '  per response' : ''}${threads ? `${figures.responses ? ' ' : ' '.repeat(14)}  ${thread('thread')}`.trimEnd() : ''}`,
    ...figures.hotFunctions.map(
      (f) =>
        // A recovered frame: the profile named the function V8 inlined it into.
        `    ${truncate(functionLabel(f), 30).padEnd(30)} ${share(f.selfShare).padStart(7)} ${share(f.totalShare).padStart(8)}  ${perResponse(f.selfPerResponseUs).padStart(10)}   ${thread(threadText(f))}${f.where}${f.inlinedInto ? `  (inlined by V8 into ${f.inlinedInto.name}, ${f.inlinedInto.where})` : ''}`,
    ),
  ];
}

/** The threads of a view of several, busiest first: the names --thread takes. */
function threadLines(figures: Figures): string[] {
  if (!figures.threads) return [];
  return [
    `  threads${' '.repeat(28)}samples   sampled       CPU  (--thread NAME shows one alone)`,
    ...threadRows(figures.threads).map(
      (t) =>
        `    ${truncate(t.label, 30).padEnd(30)} ${t.samples.padStart(8)} ${t.sampled.padStart(9)} ${t.cpu.padStart(9)}  ${t.share}`,
    ),
  ];
}

/** Where the time of the window went, row by row. */
function breakdownLines(figures: Figures): string[] {
  if (figures.breakdown.length === 0) return [];
  return [
    `  time went to${' '.repeat(23)}self  of ${figures.sharesOf}`,
    ...figures.breakdown.map((row) =>
      `    ${truncate(row.label, 30).padEnd(30)} ${share(row.share).padStart(7)}  ${breakdownDetail(row)}`.trimEnd(),
    ),
  ];
}

/** The heaviest lines (and inlined code) by self time. */
function hotLineLines(figures: Figures): string[] {
  if (figures.hotLines.length === 0 && figures.callLines.length === 0) return [];
  return [
    `  hot lines${' '.repeat(26)}self${figures.responses ? '  per response' : ''}`,
    ...figures.hotLines.map(
      (l) =>
        `    ${truncate(l.functionName, 30).padEnd(30)} ${share(l.share).padStart(7)}  ${perResponse(l.selfPerResponseUs).padStart(12)}   ${l.where}`,
    ),
    // Kept apart from the measured rows: the line that called is inferred.
    ...figures.callLines.map(
      (c) => `    ${truncate(c.functionName, 30).padEnd(30)} ${c.where}  ${callLineText(c)}`,
    ),
  ];
}

/** The lock waits: per lock and acquire site, heaviest first. */
export function formatWaits(locks: Figures['locks']): string[] {
  if (!locks) return [];
  const lines = [
    `  lock waits (${locks.library})      of latency   wait p50   hold p50  acquired/s`,
  ];
  for (const r of waitRows(locks.rows)) {
    lines.push(
      `    ${truncate(r.lock, 30).padEnd(30)} ${r.ofLatency.padStart(9)} ${r.waitP50.padStart(10)} ${r.holdP50.padStart(10)} ${r.perSec.padStart(11)}   ${r.where}${r.note ? `  ${r.note}` : ''}`,
    );
  }
  lines.push(`    ${ACQUIRED_PER_SEC_NOTE}`);
  return lines;
}

/** Where memory was allocated: the bytes, then the functions that allocated them, most first. */
export function formatAllocations(
  allocations: Figures['allocations'],
  unavailable?: string,
): string[] {
  if (!allocations) return unavailable ? [`  allocated   ${unavailable}`] : [];
  const lines = [`  allocated   ${allocationSummary(allocations)}`];
  if (allocations.rows.length === 0) return lines;
  lines.push(
    `  where memory is allocated${' '.repeat(6)}${allocationBytesHeading(allocations).padStart(11)}   of bytes`,
  );
  for (const r of allocationRows(allocations))
    lines.push(
      `    ${truncate(r.function, 30).padEnd(30)} ${r.bytes.padStart(10)} ${r.share.padStart(10)}   ${r.where}`,
    );
  lines.push(`    ${allocationNote(allocations)}`);
  return lines;
}

/** What blocked the event loop: the stalls, then the functions in them, most blocking first. */
export function formatStalls(stalls: Figures['stalls']): string[] {
  if (!stalls) return [];
  const lines = [`  stalls      ${stallSummary(stalls)}`];
  if (stalls.rows.length === 0) return lines;
  lines.push(`  blocked the loop${' '.repeat(15)}stalls      total    longest  of blocking`);
  for (const r of stallRows(stalls)) {
    lines.push(
      `    ${truncate(r.function, 30).padEnd(30)} ${r.stalls.padStart(6)} ${r.total.padStart(10)} ${r.longest.padStart(10)} ${r.ofBlocking.padStart(12)}   ${r.where}`,
    );
  }
  lines.push(`    ${stallNote(stalls)}`);
  const threads = threadLoopRows(stalls);
  if (threads.length === 0) return lines;
  lines.push(
    `  ${THREAD_LOOPS_TITLE.toLowerCase()}${' '.repeat(6)}stalls  delay p50        p99        max`,
  );
  for (const t of threads)
    lines.push(
      `    ${truncate(t.thread, 30).padEnd(30)} ${t.stalls.padStart(6)} ${t.p50.padStart(10)} ${t.p99.padStart(10)} ${t.max.padStart(10)}`,
    );
  lines.push(`    ${threadLoopNote(stalls)}`);
  return lines;
}

/** A comparison of two runs as a person reads it: ratios, then what changed most. */
export function formatComparison(
  comparison: Comparison,
  labels: [string, string],
  figures: [Pick<ComparedRun, 'load'> | undefined, Pick<ComparedRun, 'load'> | undefined],
  cwd = process.cwd(),
  records?: [RunRecord | undefined, RunRecord | undefined],
): string {
  return [
    `  before      ${labels[0]}`,
    `  after       ${labels[1]}`,
    ...(records ? [`  runs        ${runDifferences(...records).replace(/^runs /, '')}`] : []),
    `  headline    ${comparisonHeadline(comparison, cwd).text}`,
    ...loadChangeLines(comparison, figures),
    ...(comparison.ratios.cpuPerRequest !== undefined
      ? [
          `  CPU/request ${ratio(comparison.ratios.cpuPerRequest)}${perRequestCountText(comparison)}`,
        ]
      : []),
    ...lockChangeTexts(comparison, cwd).map((text) => `  lock        ${text}`),
    ...allocationChangeTexts(comparison, cwd).map((text) => `  allocated   ${text}`),
    ...stallChangeTexts(comparison, cwd).map((text) => `  loop        ${text}`),
    ...codeChangeLines(comparison, cwd),
  ].join('\n');
}

/** req/s, its verdicts, the latency percentiles and the errors, before → after. */
function loadChangeLines(
  comparison: Comparison,
  figures: [Pick<ComparedRun, 'load'> | undefined, Pick<ComparedRun, 'load'> | undefined],
): string[] {
  const [a, b] = figures.map((r) => r?.load);
  if (!a || !b) return [];
  return [
    `  req/s       ${one.format(a.requestsPerSec)} → ${one.format(b.requestsPerSec)}   ${ratio(comparison.ratios.requestsPerSec)}`,
    ...comparisonVerdicts(comparison).map((verdict) => `  verdict     ${verdict}`),
    ...(['p50', 'p90', 'p99'] as const).map((p) => {
      const key = `latency${p.toUpperCase()}` as 'latencyP50' | 'latencyP90' | 'latencyP99';
      return `  latency ${p} ${ms(a.latencyMs[p])} → ${ms(b.latencyMs[p])}   ${ratio(comparison.ratios[key])}`;
    }),
    `  errors      ${int.format(a.errors + a.non2xx)} → ${int.format(b.errors + b.non2xx)} (errors and non-2xx)`,
  ];
}

/** The functions and the lines of the user's code that changed most, five of each. */
function codeChangeLines(comparison: Comparison, cwd: string): string[] {
  const signed = (v: number) => `${v >= 0 ? '+' : '−'}${amount(Math.abs(v), comparison.unit)}`;
  const unit = comparison.unit === 'share' ? 'share of the profile' : 'self time per request';
  const changes = [
    ['functions', comparison.functions],
    ['lines', comparison.lines.filter((c) => c.category === 'user')],
  ] as const;
  return changes.flatMap(([what, all]) => [
    ...(all.length > 0 ? [`  ${what} that changed most (${unit})`] : []),
    ...all
      .slice(0, 5)
      .map(
        (c) =>
          `    ${signed(c.after - c.before).padStart(10)}  ${truncate(c.name, 28).padEnd(28)} ${amountOrNone(c.before, comparison.unit)} → ${amountOrNone(c.after, comparison.unit)}   ${c.file ? `${displayPath(c.file, cwd)}:${c.line}` : `[${c.category}]`}`,
      ),
  ]);
}

/** Which count the comparison's per-request figures divide by, in words: " (per response …)". */
function perRequestCountText(comparison: Comparison): string {
  const counts = comparison.perRequestCounts;
  if (!counts) return '';
  if (counts.before === 'served.finished' && counts.after === 'served.finished')
    return ' (per response the service finished in the window)';
  if (counts.before === 'load.requests' && counts.after === 'load.requests')
    return ' (per answer the load got)';
  return ' (per response the service finished in the window, or the load got where a run lacks that count)';
}
