/**
 * A run in words: every number, share, ratio, time and path as Hotpath prints it, for the CLI,
 * the HTML and Markdown reports and the editor alike (one home, so they never drift apart).
 * Pure: data in, text out.
 */
import * as path from 'node:path';
import {
  type Analysis,
  type AnalyzedFunction,
  hotFunctions,
  hotLines,
  sourceOf,
} from '../profile/analyze';
import { type BreakdownRow, breakdown } from '../profile/breakdown';
import type { ComparedRun, Comparison, GateResult } from '../profile/compare';
import type { Diagnosis } from '../profile/diagnosis';
import { scriptPath } from '../profile/sourcemaps';
import {
  directionOf,
  intervalText,
  ratioInterval,
  samplesOf,
  tooWide,
  verdictText,
} from '../profile/stats';
import type { Waits } from '../profile/waits';
import type { WaitRow } from '../protocol/flame';
import type { LoadSummary } from '../record/load';
import type { RunRecord } from '../record/run';
import { packageRoot } from '../vocabulary/paths';
import { PRESETS } from '../vocabulary/presets';
import type { LoadProgress } from '../vocabulary/progress';
import { describeShape } from '../vocabulary/shapes';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const one = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** Milliseconds: "1,518 ms", "50.2 ms"; under one, microseconds ("420 µs", "4.2 µs"), never "0 ms". */
export function ms(value: number): string {
  if (value >= 100) return `${int.format(value)} ms`;
  if (value >= 1 || value <= 0) return `${one.format(value)} ms`;
  const us = value * 1000;
  return us >= 10 ? `${int.format(us)} µs` : `${one.format(us)} µs`;
}

/** Milliseconds that may be a few microseconds (a lock held an instant): the same as `ms`. */
export const fineMs = ms;

/** A share of a whole (0..1) as a percentage: "12.3 %". */
export function share(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

/** A ratio of two figures (after ÷ before): "0.52x", "49.3x"; "–" when there is none. */
export function ratio(value: number | undefined): string {
  return value === undefined ? '–' : `${value >= 10 ? one.format(value) : value.toFixed(2)}x`;
}

/** A relative change, whole per cent: "+12 %", "−40 %". */
export function change(fraction: number): string {
  const percent = Math.round(fraction * 100);
  return percent < 0 ? `−${-percent} %` : `+${percent} %`;
}

/** An amount of a comparison: a share of the profile, or µs (per request) as milliseconds. */
export function amount(value: number, unit: Comparison['unit']): string {
  return unit === 'share' ? share(value) : fineMs(value / 1000);
}

/** A time per request when the run counted its requests, else for the whole run: "16.2 ms/req". */
export function timePerRequest(us: number, requests: number | undefined): string {
  return requests ? `${ms(us / 1000 / requests)}/req` : ms(us / 1000);
}

function bytes(value: number): string {
  if (value >= 1 << 20) return `${one.format(value / (1 << 20))} MB`;
  if (value >= 1 << 10) return `${int.format(value / (1 << 10))} KB`;
  return `${value} B`;
}

export function describeTarget(record: RunRecord): string {
  switch (record.target.kind) {
    case 'sample':
      return 'sample service';
    case 'command':
      return `\`${record.target.command}\``;
    case 'url':
      return record.target.url ?? 'URL';
  }
}

export function formatHeader(record: RunRecord): string {
  const load = record.options.load;
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

/** Where a ramp's throughput stopped rising, in words. */
export function kneeText(ramp: NonNullable<LoadSummary['ramp']>): string {
  const { knee, steps } = ramp;
  const last = steps[steps.length - 1];
  const bound =
    knee.p99BrokenAt !== undefined
      ? `; p99 passed the bound at ${int.format(steps[knee.p99BrokenAt].connections)} connections (${ms(steps[knee.p99BrokenAt].p99Ms)})`
      : '';
  if (knee.stillRising)
    return `still rising at ${int.format(knee.connections)} connections (${int.format(knee.requestsPerSec)} req/s, p99 ${ms(knee.p99Ms)}): the knee lies further up`;
  if (knee.step === 0)
    return `no growth: ${one.format(knee.requestsPerSec)} req/s at ${int.format(knee.connections)} connection${knee.connections === 1 ? '' : 's'}, and no more at ${int.format(last.connections)} (${one.format(last.requestsPerSec)} req/s, p99 ${ms(last.p99Ms)}): something other than the load's size pins it${bound}`;
  return `at ${int.format(knee.connections)} connections: ${int.format(knee.requestsPerSec)} req/s (${one.format(knee.growth)}x the first step), p99 ${ms(knee.p99Ms)}; more connections brought no more${bound}`;
}

/** A saved run's figures in one line, for a list of runs: "1,234 req/s · p99 12 ms · preset quick". */
export function runFigures(record: RunRecord): string {
  const load = record.load;
  const figures = load
    ? `${one.format(load.requestsPerSec)} req/s · p99 ${ms(load.latencyMs.p99)}`
    : 'no load figures';
  return `${figures} · preset ${record.preset}`;
}

/** The load summary and where the run was saved, as a person reads it after a run. */
export function formatRun(record: RunRecord, folder: string, cwd = process.cwd()): string {
  return runRows(record, folder, cwd)
    .map(([label, text]) => (label ? `  ${label.padEnd(11)} ${text}` : `  ${text}`))
    .join('\n');
}

/** The summary of a run as label and text pairs (an empty label: a sentence of its own). */
export function runRows(
  record: RunRecord,
  folder: string,
  cwd = process.cwd(),
): [string, string][] {
  const rows: [string, string][] = [];
  const row = (label: string, text: string) => rows.push([label, text]);
  const load = record.load;
  if (load) {
    row(
      'throughput',
      `${one.format(load.requestsPerSec)} req/s · ${int.format(load.requests)} responses in ${one.format(load.durationSec)} s · ` +
        `${int.format(load.errors)} errors · ${int.format(load.timeouts)} timeouts · ${int.format(load.non2xx)} non-2xx`,
    );
    if (load.requests > 0) {
      row(
        'latency',
        `p50 ${ms(load.latencyMs.p50)} · p90 ${ms(load.latencyMs.p90)} · p99 ${ms(load.latencyMs.p99)} · max ${ms(load.latencyMs.max)}`,
      );
    }
    if (load.ramp) {
      const steps = load.ramp.steps.map(
        (step) => `${int.format(step.connections)} → ${int.format(step.requestsPerSec)}`,
      );
      row('steps', `${steps.join(' · ')} req/s`);
      row('knee', kneeText(load.ramp));
    }
    if (record.repeats && record.repeats.length > 1) {
      row(
        'repeats',
        `${record.repeats.map((r) => int.format(r.requestsPerSec)).join(' · ')} req/s in ${record.repeats.length} loads`,
      );
    }
    const codes = Object.entries(load.statusCodes);
    if (codes.length > 0 && (codes.length > 1 || !codes[0][0].startsWith('2'))) {
      row('status', codes.map(([code, count]) => `${code} × ${int.format(count)}`).join(' · '));
    }
  }
  const agent = record.agent;
  if (agent) {
    const cpuMs = agent.cpuUserMs + agent.cpuSystemMs;
    const perRequest =
      load && load.requests > 0 ? ` (${ms(cpuMs / load.requests)} per response)` : '';
    // The process's CPU, all threads (the profile's busy share and GC are the diagnosis's figures).
    row(
      'service',
      `process CPU ${int.format(agent.cpuShare * 100)} % of a core${perRequest} · ` +
        `loop delay p99 ${ms(agent.eventLoopDelayMs.p99)}`,
    );
  }
  const processes = record.processes;
  if (processes && (processes.profiled.length > 1 || processes.skipped.length > 0)) {
    const unit = (u: { pid: number; threadId: number }) =>
      u.threadId ? `pid ${u.pid} thread ${u.threadId}` : `pid ${u.pid}`;
    const profiled = processes.profiled.map(
      (p) =>
        `${unit(p)} (${p.idle ? 'idle in the window: left out of the merged profile' : `${int.format(p.requests)} requests${p.merged ? '' : ', served nothing: left out of the merged profile'}`})`,
    );
    const threads = processes.profiled.filter((p) => p.threadId !== 0).length;
    const mains = processes.profiled.length - threads;
    row(
      'processes',
      `${mains} serving port ${processes.port} profiled${threads ? `, with ${threads} worker thread${threads === 1 ? '' : 's'}` : ''}: ${profiled.join(' · ')}`,
    );
    for (const skipped of processes.skipped.filter((s) => s.why.includes('cluster primary')))
      row('', `not profiled: ${unit(skipped)} \`${skipped.command}\` ${skipped.why}`);
    if (processes.overCap > 0)
      row(
        '',
        `${processes.overCap} more not profiled: the cap is ${processes.cap} (--max-processes)`,
      );
  }
  if (record.warmup?.leftInFlight) {
    row(
      'warm-up',
      `${int.format(record.warmup.leftInFlight)} of its requests were still in the service after ${one.format((record.warmup.drainedMs ?? 0) / 1000)} s (--drain-timeout): their work ran inside the measured window`,
    );
  }
  if (record.profile.file !== null) {
    row(
      'profile',
      `${bytes(record.profile.bytes)} · sampled every ${int.format(record.profile.samplingIntervalUs)} µs`,
    );
  } else if (record.status === 'done') {
    row('profile', `none: ${record.profile.why}`);
  }
  if (record.status !== 'done' && record.error) {
    const verb = record.status === 'cancelled' ? 'cancelled' : 'failed';
    row('', `run ${verb} while ${record.stage.replace('-', ' ')}: ${record.error.message}`);
  }
  const shown = path.relative(cwd, folder);
  const where = shown && !shown.startsWith('..') && shown.length < folder.length ? shown : folder;
  const files = record.profile.file !== null ? `run.json, ${record.profile.file}` : 'run.json';
  row('saved', `${where}${path.sep} (${files})`);
  return rows;
}

/** What the walk-through's two pairs of runs show, in plain words. */
export function formatLessons(
  runs: Record<string, RunRecord>,
  /** Each run's garbage collector share of the window, from its profile (the breakdown's figure). */
  gcShares: Record<string, number> = {},
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
  const perResponse = (record: RunRecord | undefined) =>
    record?.agent && record.load && record.load.requests > 0
      ? (record.agent.cpuUserMs + record.agent.cpuSystemMs) / record.load.requests
      : undefined;
  const cpu = perResponse(runs['/cpu']);
  const alloc = perResponse(runs['/cpualloc']);
  if (cpu !== undefined && alloc !== undefined && cpu > 0) {
    const [gcAlloc, gcCpu] = [gcShares['/cpualloc'], gcShares['/cpu']];
    const gc =
      gcAlloc !== undefined && gcCpu !== undefined
        ? `; the garbage collector ${share(gcAlloc)} of the window against ${share(gcCpu)}`
        : '';
    lines.push(
      `  /cpualloc cost ${one.format(alloc / cpu)}x the process CPU per response of /cpu ` +
        `(${ms(alloc)} against ${ms(cpu)}${gc}): ` +
        'the same loop, plus a needless copy of the ids on every turn.',
    );
  }
  lines.push(
    '  Open the profiles in the run folders (Chrome DevTools or VS Code can read them) to see where.',
  );
  return lines.join('\n');
}

/** A file as a person reads it: relative to the current folder when inside it. */
export function displayPath(
  file: string,
  cwd = process.cwd(),
  hotpathRoot = hotpathRootOrNone(),
): string {
  if (file.startsWith('file://')) file = scriptPath(file) ?? file;
  if (!path.isAbsolute(file)) return file;
  const inside = (root: string) => {
    const relative = path.relative(root, file);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative)
      ? relative
      : undefined;
  };
  const here = inside(cwd);
  if (here) return here;
  // A dependency, wherever its project is: from its node_modules folder on.
  const modules = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (modules >= 0) return file.slice(modules + 1);
  // Hotpath's own files (the sample service's sources) from where Hotpath is installed.
  const own = hotpathRoot && inside(hotpathRoot);
  return own ? path.join('hotpath', own) : file;
}

function hotpathRootOrNone(): string | undefined {
  try {
    return packageRoot();
  } catch {
    return undefined;
  }
}

/** Where a function is, for people: its original file:line, else its script's. */
export function functionLocation(f: AnalyzedFunction, cwd = process.cwd()): string {
  return f.original
    ? `${displayPath(f.original.source, cwd)}:${f.original.line}`
    : `${displayPath(scriptPath(f.generated.url) ?? f.generated.url, cwd)}:${f.generated.line}`;
}

/**
 * The hot lines to print: true lines, and each function's inlined code as a row of its own
 * (never as its declaration line), heaviest first.
 */
export function hotLineRows(
  analysis: Analysis,
  limit: number,
  cwd = process.cwd(),
): { name: string; selfUs: number; where: string }[] {
  const rows = hotLines(analysis, limit).map((l) => ({
    name: analysis.functions[l.functionId]?.name ?? '',
    selfUs: l.selfUs,
    where: `${displayPath(l.file, cwd)}:${l.line}`,
  }));
  for (const f of analysis.functions) {
    if (f.category !== 'user' || !f.inlinedUs) continue;
    const at = sourceOf(f);
    rows.push({
      name: f.name,
      selfUs: f.inlinedUs,
      where: `inlined code in ${f.name}${at ? ` (${displayPath(at.source, cwd)})` : ''}`,
    });
  }
  return rows.sort((a, b) => b.selfUs - a.selfUs).slice(0, limit);
}

/** A breakdown row in words: what it is, its share, and the heaviest names in it. */
export interface BreakdownText {
  label: string;
  share: string;
  detail: string;
}

/**
 * The breakdown as rows of text, every row kept so that they add up to the whole window (a
 * row under 0.05 % reads 0.0 % but is there): for the CLI, the Markdown and HTML reports.
 */
const SMALL_ROW = 0.005;

export function breakdownRows(rows: readonly BreakdownRow[]): BreakdownText[] {
  const label = (row: BreakdownRow): string => {
    switch (row.kind) {
      case 'user':
        return 'your code';
      case 'package':
        return `${row.owner} (package)`;
      case 'node':
        return "Node's JavaScript";
      case 'native':
        return 'native code and V8 built-ins';
      case 'generated':
        return `generated code, run by ${row.owner}`;
      case 'gc':
        return 'garbage collector';
      case 'idle':
        return 'idle';
      case 'hotpath':
        return "Hotpath's agent";
      case 'unattributed':
        return 'unattributed (V8: program)';
      default: {
        const never: never = row.kind;
        return never;
      }
    }
  };
  const named = (row: BreakdownRow) =>
    row.kind === 'gc' || row.kind === 'idle' || row.kind === 'unattributed'
      ? ''
      : row.names.map((n) => `${n.name} ${share(n.share)}`).join(', ');
  // Rows under half a per cent go to one row of their own, so that the rows still add up.
  const shown = rows.filter((row) => row.share >= SMALL_ROW);
  const rest = rows.filter((row) => row.share < SMALL_ROW);
  const restShare = rest.reduce((sum, row) => sum + row.share, 0);
  return [
    ...shown.map((row) => ({ label: label(row), share: share(row.share), detail: named(row) })),
    ...(rest.length > 0
      ? [
          {
            label: `${rest.length} more, each under ${share(SMALL_ROW)}`,
            share: share(restShare),
            detail: rest
              .slice(0, 4)
              .map((row) => label(row))
              .join(', '),
          },
        ]
      : []),
  ];
}

/** The diagnosis and the hot functions and lines, each with its original file:line. */
export function formatAnalysis(
  analysis: Analysis,
  diagnosis: Diagnosis,
  requests: number | undefined,
  cwd = process.cwd(),
  waits?: Waits,
): string {
  const duration = analysis.model.durationUs;
  const perRequest = (us: number) => (requests && requests > 0 ? ms(us / 1000 / requests) : '');
  const lines: string[] = [];
  lines.push(`  diagnosis   ${diagnosis.summary}`);
  const visible = (us: number) => us / duration >= 0.0005; // rows that would read 0.0 % say nothing
  const functions = hotFunctions(analysis, 5).filter((f) => visible(f.selfUs));
  if (functions.length > 0) {
    lines.push(`  hot functions${' '.repeat(22)}self     total${requests ? '  per response' : ''}`);
    for (const f of functions) {
      const where = functionLocation(f, cwd);
      const owner = f.packageName ? ` [${f.packageName}]` : f.category === 'node' ? ' [node]' : '';
      lines.push(
        `    ${truncate(f.name + owner, 30).padEnd(30)} ${share(f.selfUs / duration).padStart(7)} ${share(f.totalUs / duration).padStart(8)}  ${perRequest(f.selfUs).padStart(10)}   ${where}`,
      );
    }
  }
  const spent = breakdownRows(breakdown(analysis));
  if (spent.length > 0) {
    lines.push(`  time went to${' '.repeat(23)}self  of the window`);
    for (const row of spent)
      lines.push(
        `    ${truncate(row.label, 30).padEnd(30)} ${row.share.padStart(7)}  ${row.detail}`,
      );
  }
  const hot = hotLineRows(analysis, 5, cwd).filter((l) => visible(l.selfUs));
  if (hot.length > 0) {
    lines.push(`  hot lines${' '.repeat(26)}self${requests ? '  per response' : ''}`);
    for (const l of hot) {
      lines.push(
        `    ${truncate(l.name, 30).padEnd(30)} ${share(l.selfUs / duration).padStart(7)}  ${perRequest(l.selfUs).padStart(12)}   ${l.where}`,
      );
    }
  }
  if (waits) lines.push(...formatWaits(waits, cwd));
  for (const note of analysis.notes.slice(0, 3)) lines.push(`  note        ${note}`);
  return lines.join('\n');
}

/**
 * What the lock table's rate is, said under it: the lock's acquisitions, not requests. It counts
 * every acquire call granted in the profiled window, and requests the load gave up on when it
 * stopped are granted the lock too (and answer nothing), so on a queued lock it runs above req/s.
 */
export const ACQUIRED_PER_SEC_NOTE =
  "acquired/s: times the lock was granted per second of the profiled window, every acquire call, requests the load gave up on when it stopped included; not the run's req/s";

/** The lock waits as rows of text, heaviest first: for the CLI, the HTML and Markdown reports. */
export function waitRows(waits: Waits, cwd = process.cwd()): WaitRow[] {
  return waits.sites
    .filter((s) => s.asked > 0)
    .slice(0, 10)
    .map((s) => ({
      lock: s.name,
      where: `${displayPath(s.site.file, cwd)}:${s.site.line}`,
      ofLatency: share(s.waitShare),
      waitP50: fineMs(s.waitMs.p50),
      waitP99: fineMs(s.waitMs.p99),
      holdP50: fineMs(s.holdMs.p50),
      perSec: s.perSec.toFixed(1),
      note: s.heldAcrossAwait ? 'held across an await' : '',
    }));
}

/** The lock library, as reports name it: "async-mutex 0.5.0". */
export function waitLibrary(waits: Waits): string {
  return `${waits.library.name}${waits.library.version ? ` ${waits.library.version}` : ''}`;
}

/** The lock waits: per lock and acquire site, heaviest first. */
export function formatWaits(waits: Waits, cwd = process.cwd()): string[] {
  const rows = waitRows(waits, cwd).slice(0, 5);
  if (rows.length === 0) return [];
  const lines = [
    `  lock waits (${waitLibrary(waits)})      of latency   wait p50   hold p50  acquired/s`,
  ];
  for (const r of rows) {
    lines.push(
      `    ${truncate(r.lock, 30).padEnd(30)} ${r.ofLatency.padStart(9)} ${r.waitP50.padStart(10)} ${r.holdP50.padStart(10)} ${r.perSec.padStart(11)}   ${r.where}${r.note ? `  ${r.note}` : ''}`,
    );
  }
  lines.push(`    ${ACQUIRED_PER_SEC_NOTE}`);
  return lines;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;
}

/** A comparison of two runs as a person reads it: ratios, then what changed most. */
/**
 * Whether the change is real, in words: req/s and mean latency with their intervals, or why
 * there are none.
 */
export function comparisonVerdicts(comparison: Comparison): string[] {
  const spread = comparison.spread;
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
  return verdicts;
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

/** What a comparison leads with, and where in the code its cause is (to open it beside). */
export interface ComparisonHeadline {
  text: string;
  /** The file and line of the change a user can act on, when it is in their code or a lock. */
  file?: string;
  line?: number;
}

/**
 * A comparison's headline: the outcome (req/s, with its interval), then the largest change a
 * user can act on, in time per request: a lock's wait, or a function of their code. Hotpath's
 * own frames are never it (compareRuns leaves them out); a change outside the user's code is
 * named as such only when nothing of theirs changed.
 */
export function comparisonHeadline(
  comparison: Comparison,
  cwd = process.cwd(),
): ComparisonHeadline {
  const rps = comparison.spread?.requestsPerSec;
  const direction = rps ? directionOf(rps) : undefined;
  const outcome = rps
    ? direction === 'up'
      ? `Faster: ${ratio(rps.estimate)} the requests per second (${intervalText(rps)})`
      : direction === 'down'
        ? `Slower: ${ratio(rps.estimate)} the requests per second (${intervalText(rps)})`
        : tooWide(rps)
          ? `Too noisy to tell a change in req/s (${intervalText(rps)}: run longer, or with --repeat N)`
          : `No measurable change in req/s (${intervalText(rps)})`
    : comparison.ratios.requestsPerSec !== undefined
      ? `req/s ${ratio(comparison.ratios.requestsPerSec)} (no interval)`
      : undefined;

  type Cause = { ms: number; text: string; file?: string; line?: number };
  const causes: Cause[] = [];
  const perRequest = comparison.unit === 'us-per-request';
  for (const c of comparison.locks) {
    const [before, after] = [c.before?.waitP50Ms ?? 0, c.after?.waitP50Ms ?? 0];
    const side = (w?: { waitP50Ms: number; waitShare: number }) =>
      w ? `${ms(w.waitP50Ms)} p50 (${Math.round(w.waitShare * 100)} % of the latency)` : 'none';
    causes.push({
      ms: Math.abs(after - before),
      text: `the wait for ${c.name} (a ${c.kind}, acquired at ${displayPath(c.file, cwd)}:${c.line}) went from ${side(c.before)} to ${side(c.after)}`,
      file: c.file,
      line: c.line,
    });
  }
  const yours = comparison.functions.find((c) => c.category === 'user');
  if (yours && Math.abs(yours.after - yours.before) >= 0.1 * Math.max(yours.before, yours.after)) {
    const unit = perRequest ? 'of self time per request' : 'of the profile';
    causes.push({
      ms: perRequest ? Math.abs(yours.after - yours.before) / 1000 : 0,
      text: `${yours.name} (${displayPath(yours.file, cwd)}:${yours.line}) went from ${amountOrNone(yours.before, comparison.unit)} to ${amountOrNone(yours.after, comparison.unit)} ${unit}`,
      file: yours.file,
      line: yours.line,
    });
  }
  const cause = causes.filter((c) => c.ms > 0 || !perRequest).sort((a, b) => b.ms - a.ms)[0];
  let because: string;
  if (cause) {
    because = `The biggest change in your code: ${cause.text}.`;
  } else {
    const other = comparison.functions[0];
    const changed =
      other && Math.abs(other.after - other.before) >= 0.1 * Math.max(other.before, other.after);
    because = changed
      ? `Nothing of your code changed much; the biggest change was outside it: ${other.name} [${other.category}] ${amountOrNone(other.before, comparison.unit)} → ${amountOrNone(other.after, comparison.unit)}${perRequest ? ' per request' : ''}.`
      : 'No function changed by a tenth or more.';
  }
  return {
    text: outcome ? `${outcome}. ${because}` : because,
    ...(cause?.file ? { file: cause.file, line: cause.line } : {}),
  };
}

/** An amount of a comparison, "none" for nothing (never "0 ms"). */
export function amountOrNone(value: number, unit: Comparison['unit']): string {
  return value > 0 ? amount(value, unit) : 'none';
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
  show('Node', before.versions.node, after.versions.node);
  show('Hotpath', before.versions.hotpath, after.versions.hotpath);
  const ids = `runs ${before.id} → ${after.id}`;
  return diffs.length > 0
    ? `${ids}; what differs: ${diffs.join('; ')}`
    : `${ids}; same endpoint, command, load and Node: what changed is the code (or the machine)`;
}

/** A checked gate in words: "gate failed rps<0.9: 95 % CI 0.52–0.61x". */
export function gateText(result: GateResult): string {
  const seen =
    result.ratio === undefined
      ? 'the runs lack that figure'
      : result.interval
        ? intervalText(result.interval)
        : `the ratio is ${result.ratio.toFixed(3)} (no interval for this figure)`;
  switch (result.outcome) {
    case 'failed':
    case 'missing':
      return `gate failed ${result.gate.text}: ${seen}`;
    case 'inconclusive':
      return `gate inconclusive ${result.gate.text}: ${seen} straddles ${result.gate.value}; not a failure (--repeat N narrows the interval)`;
    case 'passed':
      return `gate passed ${result.gate.text}: ${seen}`;
  }
}

export function formatComparison(
  comparison: Comparison,
  labels: [string, string],
  figures: [Pick<ComparedRun, 'load'> | undefined, Pick<ComparedRun, 'load'> | undefined],
  cwd = process.cwd(),
  records?: [RunRecord | undefined, RunRecord | undefined],
): string {
  const lines: string[] = [`  before      ${labels[0]}`, `  after       ${labels[1]}`];
  if (records) lines.push(`  runs        ${runDifferences(...records).replace(/^runs /, '')}`);
  lines.push(`  headline    ${comparisonHeadline(comparison, cwd).text}`);
  const [a, b] = figures.map((r) => r?.load);
  if (a && b) {
    lines.push(
      `  req/s       ${one.format(a.requestsPerSec)} → ${one.format(b.requestsPerSec)}   ${ratio(comparison.ratios.requestsPerSec)}`,
    );
    for (const verdict of comparisonVerdicts(comparison)) lines.push(`  verdict     ${verdict}`);
    for (const p of ['p50', 'p90', 'p99'] as const) {
      const key = `latency${p.toUpperCase()}` as 'latencyP50' | 'latencyP90' | 'latencyP99';
      lines.push(
        `  latency ${p} ${ms(a.latencyMs[p])} → ${ms(b.latencyMs[p])}   ${ratio(comparison.ratios[key])}`,
      );
    }
    lines.push(
      `  errors      ${int.format(a.errors + a.non2xx)} → ${int.format(b.errors + b.non2xx)} (errors and non-2xx)`,
    );
  }
  if (comparison.ratios.cpuPerRequest !== undefined) {
    lines.push(`  CPU/request ${ratio(comparison.ratios.cpuPerRequest)}`);
  }
  for (const text of lockChangeTexts(comparison, cwd)) lines.push(`  lock        ${text}`);
  const signed = (v: number) => `${v >= 0 ? '+' : '−'}${amount(Math.abs(v), comparison.unit)}`;
  const unit = comparison.unit === 'share' ? 'share of the profile' : 'self time per request';
  const changes = [
    ['functions', comparison.functions],
    ['lines', comparison.lines.filter((c) => c.category === 'user')],
  ] as const;
  for (const [what, all] of changes) {
    if (all.length > 0) lines.push(`  ${what} that changed most (${unit})`);
    for (const c of all.slice(0, 5)) {
      lines.push(
        `    ${signed(c.after - c.before).padStart(10)}  ${truncate(c.name, 28).padEnd(28)} ${amountOrNone(c.before, comparison.unit)} → ${amountOrNone(c.after, comparison.unit)}   ${c.file ? `${displayPath(c.file, cwd)}:${c.line}` : `[${c.category}]`}`,
      );
    }
  }
  return lines.join('\n');
}
