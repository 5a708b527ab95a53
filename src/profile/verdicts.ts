/**
 * The verdicts of a diagnosis, each in its own words: failing, waiting for a lock, waiting,
 * allocation and GC pressure, CPU-bound (the CPU full, or each response its own work), mixed.
 * Each reads the run's figures (see `diagnose`) and says its sentence, or passes.
 */

import { WATCHED_LOCK_LIBRARIES } from '../record/locks';
import { optionRef } from '../vocabulary/words';
import type { Analysis } from './analyze';
import { THRESHOLDS } from './diagnosisThresholds';
import type { Diagnosis, Evidence, RunFigures } from './diagnosisTypes';
import { baseName, busyRows, capital, ms, percent, size } from './diagnosisWords';
import { aLockOf, WAIT_THRESHOLDS } from './waits';

/** The run's figures a verdict rests on. */
export interface Figures {
  /** The profile's share not idle, its idle share, and the garbage collector's. */
  busy: number;
  idle: number;
  gcShare: number;
  gcOfBusy: number;
  cpuPerResponseMs: number | undefined;
  latencyOverCpu: number | undefined;
  processes: number;
  coresPerProcess: number | undefined;
  /** The busiest of several profiled threads (a pool's), by its own share of the window. */
  busiestThread?: { label: string; share: number } | undefined;
}

/** Which way the figures point. */
export interface Conditions {
  /** The CPU was full: the profile busy, or a process using its core. */
  saturated: boolean;
  /** Mostly idle, and latency far above the CPU a response costs. */
  waiting: boolean;
  /** Not full, but each response took about its own CPU time: no wait in it, the load was light. */
  workIsTheLatency: boolean;
}

/** What each verdict reads: the figures, the evidence so far, where to look, the machine's note. */
export interface Reading extends Conditions {
  analysis: Analysis;
  run: RunFigures;
  figures: Figures;
  evidence: Evidence[];
  focus: Focus | undefined;
  /** A sentence when the machine was short of CPU, else ''. */
  machine: string;
}

export type Focus = { words: string; lookAt: Diagnosis['lookAt'] };

/** The place to look, when the profile named one. */
function lookAtOf(focus: Focus | undefined): Pick<Diagnosis, 'lookAt'> {
  const lookAt = focus?.lookAt;
  return lookAt ? { lookAt } : {};
}

/** Failing: at least half the answers were errors, so the profile shows the error path. */
export function failingVerdict(
  run: RunFigures,
  evidence: Evidence[],
  focus: Focus | undefined,
): Diagnosis | undefined {
  const load = run.load;
  if (!load || load.non2xx === undefined) return undefined;
  const failedConnections = Math.max(0, (load.errors ?? 0) - (load.timeouts ?? 0));
  const failed = load.non2xx + failedConnections;
  const failedShare = failed / Math.max(1, load.requests + failedConnections);
  evidence.unshift({
    what: 'error answers (non-2xx, connection errors)',
    value: failedShare,
    unit: 'share',
    threshold: THRESHOLDS.failing.minShare,
  });
  if (!(failed > 0 && failedShare >= THRESHOLDS.failing.minShare)) return undefined;
  const codes = Object.entries(load.statusCodes ?? {})
    .filter(([code]) => !code.startsWith('2'))
    .sort((a, b) => b[1] - a[1])
    .map(([code, count]) => `${count} × ${code}`);
  if (failedConnections > 0) codes.push(`${failedConnections} connection errors`);
  return {
    verdict: 'failing',
    summary:
      `Failing: ${percent(failedShare)} of the answers were errors (${codes.join(', ')}). ` +
      "The profile shows the error path, not the endpoint's work: fix the errors first (check the method, path, body and the service's log).",
    evidence,
    ...lookAtOf(focus),
  };
}

/** Waiting for a lock: the most waited-on lock holds a large share of the latency. */
export function lockVerdict({
  run,
  figures,
  evidence,
  machine,
  waiting,
}: Reading): Diagnosis | undefined {
  const lock = run.waits?.sites[0];
  if (!(waiting && lock && lock.waitShare >= WAIT_THRESHOLDS.diagnosis.minWaitShare))
    return undefined;
  evidence.push({
    what: `latency spent waiting for ${lock.name}, acquired at ${baseName(lock.site.file)}:${lock.site.line}`,
    value: lock.waitShare,
    unit: 'share',
    threshold: WAIT_THRESHOLDS.diagnosis.minWaitShare,
  });
  evidence.push({ what: 'lock held (p50)', value: lock.holdMs.p50, unit: 'ms' });
  const across = lock.heldAcrossAwait
    ? `, across an await (a request costs ${ms(figures.cpuPerResponseMs ?? 0)} of CPU)`
    : '';
  return {
    verdict: 'waiting',
    summary:
      `Waiting for a lock: ${percent(lock.waitShare)} of the latency is spent waiting for ${lock.name} (${aLockOf(lock.kind)}) acquired at ` +
      `${baseName(lock.site.file)}:${lock.site.line} (${ms(lock.waitMs.p50)} p50); each holder keeps it ${ms(lock.holdMs.p50)}${across}. ` +
      `Hold it only around the shared data, not across the slow call, or let readers share it.${machine}`,
    evidence,
    lookAt: {
      file: lock.site.file,
      line: lock.site.line,
      functionName: lock.site.functionName,
      waitShare: lock.waitShare,
    },
  };
}

/** Waiting: mostly idle, on something a CPU profile cannot show; what the run knows of it. */
export function waitingVerdict({
  analysis,
  run,
  figures,
  evidence,
  machine,
  waiting,
}: Reading): Diagnosis | undefined {
  if (!waiting) return undefined;
  const { latencyOverCpu, cpuPerResponseMs } = figures;
  const lock = run.waits?.sites[0];
  const latency =
    latencyOverCpu !== undefined && run.load
      ? ` Requests take ${ms(run.load.latencyMs.p50)} (p50) but cost ${ms(cpuPerResponseMs ?? 0)} of CPU each: ${Math.round(latencyOverCpu)}x.`
      : '';
  // What the run knows of the wait beyond the CPU profile: the locks it watched, a ramp.
  const locks = run.waits
    ? lock
      ? ` No lock explains it: the most waited-on, ${lock.name} (${aLockOf(lock.kind)}) acquired at ${baseName(lock.site.file)}:${lock.site.line}, takes ${percent(lock.waitShare)} of the latency.`
      : ' No lock explains it: the locks watched were never waited for.'
    : run.locksWatched
      ? ` No watched lock explains it: none was seen (Hotpath watches ${WATCHED_LOCK_LIBRARIES.join(', ')}).`
      : '';
  // A file without a timeline (a pprof) is no run to take again with a ramp: no advice for one.
  const ramp = analysis.model.noTimeline
    ? ''
    : !run.ramp
      ? ` A ramp (${optionRef('preset', 'ramp')}) tells per-request waits (req/s grows with connections) from a shared resource (req/s stays flat).`
      : run.ramp.stillRising || run.ramp.growth >= 2
        ? ` The ramp's req/s grew ${run.ramp.growth.toFixed(1)}x with connections: each request waits on its own (slow I/O or a timer), not on a shared resource.`
        : ` The ramp's req/s did not grow with connections (${run.ramp.growth.toFixed(1)}x): requests queue for something shared (a lock, a pool, a single connection).`;
  return {
    verdict: 'waiting',
    summary:
      `Waiting: the process was idle ${percent(figures.idle)} of the time.${latency} ` +
      `Requests wait for something other than the CPU: slow I/O, a pool, or a lock held across an await.${locks}${ramp} ` +
      `A CPU profile cannot show what they wait for.${machine}`,
    evidence,
  };
}

/** The process's CPU in words: "95 % of a core", per process for a cluster. */
function cpuWords({ coresPerProcess, processes }: Figures): string | undefined {
  return coresPerProcess !== undefined
    ? `${percent(coresPerProcess)} of a core${processes > 1 ? ` per process (${processes} processes)` : ''}`
    : undefined;
}

/** One GC figure everywhere: the profile's, of the window (the breakdown's row), and of the busy time. */
function gcWords({ gcShare, gcOfBusy }: Figures): string {
  return `the garbage collector took ${percent(gcShare)} of the window (${percent(gcOfBusy)} of the busy time)`;
}

/**
 * Who allocated the bytes, as V8's sampler recorded it (the allocating function and its own
 * line, never the line that allocated): "; cpualloc (handlers.ts:76) allocates 97 % of the
 * bytes, 1.1 MB per request".
 */
function allocationText(run: RunFigures): string {
  const top = run.allocations?.top ?? [];
  if (top.length === 0) return '';
  const each = top.map((f) => {
    const place = f.file ? ` (${baseName(f.file)}${f.line ? `:${f.line}` : ''})` : '';
    const perRequest =
      f.perResponseBytes !== undefined ? `, ${size(f.perResponseBytes)} per request` : '';
    return `${f.name}${place} allocates ${percent(f.share)} of the bytes${perRequest}`;
  });
  return `; ${each.join('; ')}`;
}

/** The GC note of a CPU-bound verdict, from a small share of the busy time up. */
function gcNote(figures: Figures, run: RunFigures): string {
  return figures.gcOfBusy >= THRESHOLDS.gc.noteShareOfBusy
    ? ` ${capital(gcWords(figures))}: allocation adds to it${allocationText(run)}.`
    : '';
}

/** Allocation and GC pressure: the CPU full, a third of it collecting. */
export function gcPressureVerdict(reading: Reading): Diagnosis | undefined {
  const { figures, evidence, focus, machine, saturated, run } = reading;
  if (!(saturated && figures.gcOfBusy >= THRESHOLDS.gc.minShareOfBusy)) return undefined;
  const cpu = cpuWords(figures);
  return {
    verdict: 'gc-pressure',
    summary:
      `Allocation and GC pressure: ${gcWords(figures)}${allocationText(run)}${cpu ? `; process CPU ${cpu}` : ''}.` +
      `${focus?.words ?? ''} Look for copies and temporary objects made on every turn of a hot loop.${machine}`,
    evidence,
    ...lookAtOf(focus),
  };
}

/** CPU-bound: the CPU was full; where its time went. */
export function saturatedVerdict(reading: Reading): Diagnosis | undefined {
  const { analysis, figures, evidence, focus, machine, saturated, run } = reading;
  if (!saturated) return undefined;
  const cpu = cpuWords(figures);
  return {
    verdict: 'cpu-bound',
    summary:
      `CPU-bound: ${cpu ? `process CPU ${cpu}; ` : ''}the profile was busy ${percent(figures.busy)} of the window${threadWords(figures)}. ` +
      `It went to ${busyRows(analysis)}.${focus?.words ?? ''}${gcNote(figures, run)}${machine}`,
    evidence,
    ...lookAtOf(focus),
  };
}

/** The busiest thread, when it alone was full while the threads' average was not. */
function threadWords({ busiestThread, busy }: Figures): string {
  if (!busiestThread || busy >= THRESHOLDS.cpuBound.minBusyShare) return '';
  if (busiestThread.share < THRESHOLDS.cpuBound.minBusyShare) return '';
  return ` (${busiestThread.label} alone: ${percent(busiestThread.share)})`;
}

/** CPU-bound, not full: each response takes about its own CPU time, so the work is the latency. */
export function workIsTheLatencyVerdict(reading: Reading): Diagnosis | undefined {
  const { analysis, run, figures, evidence, focus, machine, workIsTheLatency } = reading;
  const { cpuPerResponseMs } = figures;
  if (!workIsTheLatency || !run.load || cpuPerResponseMs === undefined) return undefined;
  const idle = machine
    ? 'the machine was short of CPU (below)'
    : 'the load did not keep it busy (more connections would)';
  return {
    verdict: 'cpu-bound',
    summary:
      `CPU-bound: a response takes ${ms(run.load.latencyMs.p50)} (p50) and costs ${ms(cpuPerResponseMs)} of CPU: its time is the work itself. ` +
      `The profile was idle ${percent(figures.idle)} of the window: ${idle}. ` +
      `The busy time went to ${busyRows(analysis)}.${focus?.words ?? ''}${gcNote(figures, run)}${machine}`,
    evidence,
    ...lookAtOf(focus),
  };
}

/** Mixed: neither waiting nor the CPU alone explains the latency. */
export function mixedVerdict({ analysis, figures, evidence, focus, machine }: Reading): Diagnosis {
  const cpu = cpuWords(figures);
  return {
    verdict: 'mixed',
    summary:
      `Mixed: busy ${percent(figures.busy)} of the window${cpu ? `, process CPU ${cpu}` : ''}, idle the rest: neither waiting nor the CPU alone explains the latency. ` +
      `The busy time went to ${busyRows(analysis)}.${focus?.words ?? ''}` +
      (machine
        ? ` ${machine.trim()} Run it again on a quiet machine: a service that cannot get the CPU reads as neither.`
        : // A file without a timeline (a pprof) is no run to take again with a ramp.
          analysis.model.noTimeline
          ? ''
          : ` Try a ramp (${optionRef('preset', 'ramp')}): if req/s stops growing while the CPU is not full, requests queue for something shared; if the CPU fills, it is the work itself.`),
    evidence,
    ...lookAtOf(focus),
  };
}
