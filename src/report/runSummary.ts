/**
 * A run's summary as label and text pairs, shared by every surface (the CLI's lines, the
 * Markdown table, the report page's rows), and the run in one line for lists. Pure.
 */
import * as path from 'node:path';
import { missedCpu, missedCpuText } from '../profile/missedCpu';
import type { LoadSummary } from '../record/load';
import type { RunRecord } from '../record/run';
import type { Surface } from '../vocabulary/options';
import { responsesOf } from '../vocabulary/served';
import { forSurface, optionRef } from '../vocabulary/words';
import { notMeasuredOf } from './figures';
import { locustRows } from './locustRows';
import { bytes, int, ms, one } from './units';

export function describeTarget(record: RunRecord): string {
  switch (record.target.kind) {
    case 'sample':
      return 'sample service';
    case 'command':
      return `\`${record.target.command}\``;
    case 'url':
      return record.target.url ?? 'URL';
    case 'attach':
      return `${record.target.url ?? 'URL'} (attached at ${record.target.inspector ?? 'its inspector'})`;
  }
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

/** A row of a run's summary: a label and its text (an empty label: a sentence of its own). */
type Row = [label: string, text: string];

/** The summary of a run as label and text pairs (an empty label: a sentence of its own). */
export function runRows(
  record: RunRecord,
  folder: string,
  cwd = process.cwd(),
  surface: Surface = 'cli',
): [string, string][] {
  const rows: Row[] = [
    ...loadRows(record),
    ...serviceRows(record),
    ...attachRows(record),
    ...processRows(record),
    ...warmupRows(record),
    ...profileRows(record),
    ['saved', savedText(record, folder, cwd)],
  ];
  return rows.map(([label, text]) => [label, forSurface(text, surface)]);
}

/** The load's figures: throughput, latency, a ramp's steps and knee, repeats, status codes. */
function loadRows(record: RunRecord): Row[] {
  const load = record.load;
  if (!load) return [];
  const rows: Row[] = [
    [
      'throughput',
      `${one.format(load.requestsPerSec)} req/s · ${int.format(load.requests)} responses in ${one.format(load.durationSec)} s · ` +
        `${int.format(load.errors)} errors · ${int.format(load.timeouts)} timeouts · ${int.format(load.non2xx)} non-2xx`,
    ],
  ];
  if (load.requests > 0) {
    rows.push([
      'latency',
      `p50 ${ms(load.latencyMs.p50)} · p90 ${ms(load.latencyMs.p90)} · p99 ${ms(load.latencyMs.p99)} · max ${ms(load.latencyMs.max)}`,
    ]);
  }
  rows.push(...locustRows(load));
  if (load.ramp) {
    const steps = load.ramp.steps.map(
      (step) => `${int.format(step.connections)} → ${int.format(step.requestsPerSec)}`,
    );
    rows.push(['steps', `${steps.join(' · ')} req/s`], ['knee', kneeText(load.ramp)]);
  }
  if (record.repeats && record.repeats.length > 1) {
    rows.push([
      'repeats',
      `${record.repeats.map((r) => int.format(r.requestsPerSec)).join(' · ')} req/s in ${record.repeats.length} loads`,
    ]);
  }
  const codes = Object.entries(load.statusCodes);
  if (codes.length > 0 && (codes.length > 1 || !codes[0][0].startsWith('2'))) {
    rows.push([
      'status',
      codes.map(([code, count]) => `${code} × ${int.format(count)}`).join(' · '),
    ]);
  }
  return rows;
}

/** The service process's CPU (all threads) and event-loop delay. */
function serviceRows(record: RunRecord): Row[] {
  const { agent, load } = record;
  if (!agent) return [];
  const cpuMs = agent.cpuUserMs + agent.cpuSystemMs;
  // Per response the service finished in the window, when its agents counted them: the window's
  // CPU went to those, not only to the load's answers.
  const responses = responsesOf(record);
  const perRequest = !responses
    ? ''
    : responses.counts === 'served.finished' && responses.count !== load?.requests
      ? ` (${ms(cpuMs / responses.count)} per response, of the ${int.format(responses.count)} it finished in the window)`
      : ` (${ms(cpuMs / responses.count)} per response)`;
  // The process's CPU, all threads (the profile's busy share and GC are the diagnosis's figures).
  return [
    [
      'service',
      `process CPU ${int.format(agent.cpuShare * 100)} % of a core${perRequest} · ` +
        `loop delay p99 ${ms(agent.eventLoopDelayMs.p99)}`,
    ],
  ];
}

/** An attached process that finished less than this share of the load's responses was one of several. */
const SHARE_OF_LOAD = 0.9;

/**
 * A service Hotpath attached to: which process, what attaching did to it, and what the run could
 * not measure without the agent (named, so that no figure of it reads as 0).
 */
function attachRows(record: RunRecord): Row[] {
  const rows: Row[] = [];
  if (record.target?.inspector !== undefined) {
    const pid = record.target.profiledPid !== undefined ? `pid ${record.target.profiledPid}, ` : '';
    const left = record.target.kind === 'attach' ? '; Hotpath never stops it' : '';
    rows.push(['attached', `${pid}through its inspector at ${record.target.inspector}${left}`]);
    // One process of several (a cluster's worker): the rest of the load went to others.
    const { served, load } = record;
    if (served && load && served.finishedDuringLoad < SHARE_OF_LOAD * load.requests)
      rows.push([
        '',
        `it finished ${int.format(served.finishedDuringLoad)} of the load's ${int.format(load.requests)} responses: other processes (a cluster's workers?) served the rest, and are not in the profile`,
      ]);
    for (const effect of record.attach?.sideEffects ?? []) rows.push(['', effect]);
  }
  const notMeasured = notMeasuredOf(record);
  if (notMeasured) rows.push(['not measured', notMeasured.join(' · ')]);
  return rows;
}

/** The processes and threads profiled, when more than one (a cluster) or some were not. */
function processRows(record: RunRecord): Row[] {
  const processes = record.processes;
  const missed = missedCpu(record);
  const threadRows: Row[] = [];
  if (processes?.threads && processes.threads.seen > 0)
    threadRows.push([
      'threads',
      `${processes.threads.profiled} profiled / ${processes.threads.seen} seen${processes.threads.missed.map((t) => ` · not profiled: pid ${t.pid} thread ${t.threadId} \`${t.command}\` (${t.why})`).join('')}`,
    ]);
  if (missed) threadRows.push(['', missedCpuText(missed)]);
  if (!processes || (processes.profiled.length <= 1 && processes.skipped.length === 0))
    return threadRows;
  const unit = (u: { pid: number; threadId: number }) =>
    u.threadId ? `pid ${u.pid} thread ${u.threadId}` : `pid ${u.pid}`;
  // Counted over the window only, as the service row's responses are: requests that started in
  // it (the load's last ones too, answered after it stopped) and the responses finished in it.
  const served = (p: (typeof processes.profiled)[number]) =>
    p.finished === undefined
      ? `${int.format(p.requests)} requests started in the window`
      : `${int.format(p.requests)} requests started and ${int.format(p.finished)} responses finished in the window`;
  const profiled = processes.profiled.map(
    (p) =>
      `${unit(p)} (${p.idle ? 'idle in the window: left out of the merged profile' : `${served(p)}${p.merged ? '' : ', served nothing: left out of the merged profile'}`})`,
  );
  const threads = processes.profiled.filter((p) => p.threadId !== 0).length;
  const mains = processes.profiled.length - threads;
  const rows: Row[] = [
    [
      'processes',
      `${mains} serving port ${processes.port} profiled${threads ? `, with ${threads} worker thread${threads === 1 ? '' : 's'}` : ''}: ${profiled.join(' · ')}`,
    ],
  ];
  for (const skipped of processes.skipped.filter((s) => s.why.includes('cluster primary')))
    rows.push(['', `not profiled: ${unit(skipped)} \`${skipped.command}\` ${skipped.why}`]);
  if (processes.overCap > 0)
    rows.push([
      '',
      `${processes.overCap} more not profiled: the cap is ${processes.cap} (${optionRef('max-processes')})`,
    ]);
  return [...rows, ...threadRows];
}

/** The warm-up's requests still in the service when the window opened, if any. */
function warmupRows(record: RunRecord): Row[] {
  const warmup = record.warmup;
  const unread = warmup?.unreadAtOpen?.connections ?? 0;
  if (!warmup || (!warmup.leftInFlight && !unread)) return [];
  const left = [
    warmup.leftInFlight
      ? `${int.format(warmup.leftInFlight)} of its requests were still in the service`
      : '',
    unread
      ? `${int.format(unread)} of its connections still held requests the service had not read`
      : '',
  ].filter(Boolean);
  return [
    [
      'warm-up',
      `${left.join(' and ')} after ${one.format((warmup.drainedMs ?? 0) / 1000)} s (${optionRef('drain-timeout')}): their work ran inside the measured window`,
    ],
  ];
}

/** The profile's size and sampling (or why there is none), and how a run that ended early ended. */
function profileRows(record: RunRecord): Row[] {
  const rows: Row[] = [];
  if (record.profile.file !== null) {
    rows.push([
      'profile',
      `${bytes(record.profile.bytes)} · sampled every ${int.format(record.profile.samplingIntervalUs)} µs${heapText(record)}`,
    ]);
  } else if (record.status === 'done') {
    rows.push(['profile', `none: ${record.profile.why}`]);
  }
  if (record.status !== 'done' && record.error) {
    const verb = record.status === 'cancelled' ? 'cancelled' : 'failed';
    rows.push(['', `run ${verb} while ${record.stage.replace('-', ' ')}: ${record.error.message}`]);
  }
  return rows;
}

/**
 * The allocation profile beside the CPU profile: " · allocations 580 KB, sampled every 512 KB
 * allocated (the sampler restarted every 10 s, at most 100,000 samples a thread)".
 */
function heapText(record: RunRecord): string {
  const heap = record.heap;
  if (!heap) return '';
  if (heap.file === null) return ` · no allocations: ${heap.why}`;
  return ` · allocations ${bytes(heap.bytes)}, sampled every ${bytes(heap.samplingIntervalBytes)} allocated (the sampler restarted every ${one.format(heap.sliceMs / 1000)} s, at most ${int.format(heap.maxSamples)} samples a thread)`;
}

/** Where the run was saved, relative to `cwd` when inside it, and its files. */
function savedText(record: RunRecord, folder: string, cwd: string): string {
  const shown = path.relative(cwd, folder);
  const where = (
    shown && !shown.startsWith('..') && shown.length < folder.length ? shown : folder
  ).replace(/[\\/]+$/, ''); // a folder given as `runs/x/` is still shown with one separator
  const heap = record.heap?.file ? `, ${record.heap.file}` : '';
  const files =
    record.profile.file !== null ? `run.json, ${record.profile.file}${heap}` : 'run.json';
  return `${where}${path.sep} (${files})`;
}
