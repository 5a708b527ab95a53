/**
 * A verdict with its evidence: is the endpoint waiting, CPU-bound, or under allocation and GC
 * pressure? From the profile's analysis, plus the load summary and the agent's metrics when the
 * run has them. Pure.
 *
 * Its parts: the thresholds (diagnosisThresholds.ts), each verdict's sentence (verdicts.ts), how
 * numbers and files are said (diagnosisWords.ts).
 */

import { type Analysis, sourceOf } from './analyze';
import { THRESHOLDS } from './diagnosisThresholds';
import type { Diagnosis, Evidence, LoopFigures, RunFigures } from './diagnosisTypes';
import { baseName, ms, percent } from './diagnosisWords';
import { missedCpuText } from './missedCpu';
import {
  type Conditions,
  type Figures,
  failingVerdict,
  gcPressureVerdict,
  lockVerdict,
  mixedVerdict,
  type Reading,
  saturatedVerdict,
  waitingVerdict,
  workIsTheLatencyVerdict,
} from './verdicts';

export type { Diagnosis, Evidence, RunFigures, Verdict } from './diagnosisTypes';
// The thresholds are read with the diagnosis.
export { THRESHOLDS };

/**
 * The run's figures and their evidence, where to look in the user's code, then the first verdict
 * that holds, in order: failing, waiting for a lock, waiting, GC pressure, CPU-bound, the work
 * as the latency, mixed.
 */
export function diagnose(analysis: Analysis, run: RunFigures = {}): Diagnosis {
  const diagnosis = diagnoseRun(analysis, run);
  // A file without times (a pprof) has no window: its shares are of the time it sampled.
  if (!analysis.model.noTimeline) return diagnosis;
  return { ...diagnosis, summary: diagnosis.summary.replaceAll(' of the window', OF_SAMPLED) };
}

/** What a share is of, in a profile without a timeline. */
export const OF_SAMPLED = ' of the sampled time';

function diagnoseRun(analysis: Analysis, run: RunFigures): Diagnosis {
  const figures = figuresOf(analysis, run);
  const evidence = evidenceOf(figures, run);
  // With a thread missed, the profile holds the threads that waited, not the one that worked:
  // no place in it is named.
  const focus = analysis.model.durationUs > 0 && !run.missed ? focusOf(analysis) : undefined;
  const failing = failingVerdict(run, evidence, focus);
  if (failing) return failing;
  if (run.missed) {
    evidence.push({
      what: 'CPU in no profiled thread',
      value: run.missed.share,
      unit: 'share',
      threshold: THRESHOLDS.missedCpu.minShareOfCpu,
    });
    const drawn = withLoop(verdictOf(analysis, run, figures, evidence, focus), run);
    return { ...drawn, summary: `${missedCpuText(run.missed)} ${drawn.summary}` };
  }
  return withLoop(verdictOf(analysis, run, figures, evidence, focus), run);
}

/** A verdict with what blocked the event loop said after it, when the loop's delay p99 was high. */
function withLoop(diagnosis: Diagnosis, run: RunFigures): Diagnosis {
  const loop = run.loop;
  if (!loop || loop.delayP99Ms < THRESHOLDS.loop.highDelayP99Ms) return diagnosis;
  const evidence: Evidence[] = [
    ...diagnosis.evidence,
    {
      what: 'event loop delay p99',
      value: loop.delayP99Ms,
      unit: 'ms',
      threshold: THRESHOLDS.loop.highDelayP99Ms,
    },
  ];
  return {
    ...diagnosis,
    summary: `${diagnosis.summary} ${loopText(loop)}`,
    evidence,
  };
}

function loopText({ delayP99Ms, stalls }: LoopFigures): string {
  const delay = `The event loop's delay p99 was ${ms(delayP99Ms)}`;
  if (!stalls || stalls.count === 0) return `${delay}.`;
  const turns = `${stalls.count} turn${stalls.count === 1 ? '' : 's'} over ${ms(stalls.thresholdMs)} held it, the longest ${ms(stalls.longestMs)}`;
  const top = stalls.top;
  if (!top) return `${delay}: ${turns}.`;
  const place = top.file ? ` (${baseName(top.file)}${top.line ? `:${top.line}` : ''})` : '';
  return `${delay}: ${turns}; ${top.name}${place} was running in ${top.stalls} of them.`;
}

function verdictOf(
  analysis: Analysis,
  run: RunFigures,
  figures: Figures,
  evidence: Evidence[],
  focus: Reading['focus'],
): Diagnosis {
  const reading: Reading = {
    analysis,
    run,
    figures,
    evidence,
    focus,
    machine: machineNote(run, evidence),
    ...conditionsOf(figures),
  };
  return (
    lockVerdict(reading) ??
    waitingVerdict(reading) ??
    gcPressureVerdict(reading) ??
    saturatedVerdict(reading) ??
    workIsTheLatencyVerdict(reading) ??
    mixedVerdict(reading)
  );
}

/** The figures of the run a verdict rests on: the profile's shares, CPU per response, per process. */
function figuresOf(analysis: Analysis, run: RunFigures): Figures {
  const { shares } = analysis;
  const busy = 1 - shares.idle;
  const gcShare = shares.gc;
  const requests = run.load?.requests ?? 0;
  const cpuPerResponseMs =
    run.metrics && requests > 0
      ? (run.metrics.cpuUserMs + run.metrics.cpuSystemMs) / requests
      : undefined;
  const latencyOverCpu =
    cpuPerResponseMs && cpuPerResponseMs > 0 && run.load
      ? run.load.latencyMs.p50 / cpuPerResponseMs
      : undefined;
  const processes = Math.max(1, run.processes ?? 1);
  return {
    busy,
    idle: shares.idle,
    gcShare,
    gcOfBusy: busy > 0 ? gcShare / busy : 0,
    cpuPerResponseMs,
    latencyOverCpu,
    processes,
    coresPerProcess: run.metrics ? run.metrics.cpuShare / processes : undefined,
    busiestThread: run.threads?.reduce<{ label: string; share: number } | undefined>(
      (best, t) => (best && best.share >= t.share ? best : t),
      undefined,
    ),
  };
}

/** The evidence every verdict shows; the verdicts add their own. */
function evidenceOf(figures: Figures, run: RunFigures): Evidence[] {
  const { busy, gcOfBusy, processes, coresPerProcess, cpuPerResponseMs, latencyOverCpu } = figures;
  const evidence: Evidence[] = [
    { what: 'profile busy (not idle)', value: busy, unit: 'share' },
    {
      what: 'garbage collector, of the busy time',
      value: gcOfBusy,
      unit: 'share',
      threshold: THRESHOLDS.gc.minShareOfBusy,
    },
  ];
  if (run.metrics)
    evidence.push({
      what: processes > 1 ? 'service CPU per process (of one core)' : 'service CPU (of one core)',
      value: coresPerProcess ?? 0,
      unit: 'share',
      threshold: THRESHOLDS.cpuBound.minCoresPerProcess,
    });
  if (cpuPerResponseMs !== undefined)
    evidence.push({ what: 'CPU per response', value: cpuPerResponseMs, unit: 'ms' });
  if (latencyOverCpu !== undefined) {
    evidence.push({
      what: 'latency p50 ÷ CPU per response',
      value: latencyOverCpu,
      unit: 'x',
      threshold: THRESHOLDS.waiting.minLatencyOverCpu,
    });
  }
  return evidence;
}

/** Whether the CPU was full, the service waited, or each response was its own work. */
function conditionsOf({
  busy,
  coresPerProcess,
  latencyOverCpu,
  busiestThread,
}: Figures): Conditions {
  // A thread full through the window is the CPU's limit, however idle the threads beside it
  // (the main thread awaiting a pool): the verdict is not drawn from their average alone.
  const saturated =
    busy >= THRESHOLDS.cpuBound.minBusyShare ||
    (busiestThread !== undefined && busiestThread.share >= THRESHOLDS.cpuBound.minBusyShare) ||
    (coresPerProcess !== undefined && coresPerProcess >= THRESHOLDS.cpuBound.minCoresPerProcess);
  const waiting =
    !saturated &&
    busy <= THRESHOLDS.waiting.maxBusyShare &&
    (latencyOverCpu === undefined || latencyOverCpu >= THRESHOLDS.waiting.minLatencyOverCpu);
  const workIsTheLatency =
    !saturated &&
    latencyOverCpu !== undefined &&
    latencyOverCpu <= THRESHOLDS.cpuBound.maxLatencyOverCpu;
  return { saturated, waiting, workIsTheLatency };
}

/**
 * A sentence when the machine was short of CPU over the window (other programs held at least
 * half a core, or every core was busy): what ran, so the user reads the figures for what they are.
 */
function machineNote(run: RunFigures, evidence: Evidence[]): string {
  const machine = run.machine;
  const short = machineShortOfCpu(run);
  if (!machine || !short) return '';
  const { serviceCores, others, idleCores } = short;
  evidence.push({ what: 'machine busy (all cores)', value: machine.busyShare, unit: 'share' });
  evidence.push({
    what: 'idle CPU left (cores)',
    value: idleCores,
    unit: 'x',
    threshold: THRESHOLDS.machine.maxIdleCores,
  });
  if (!short.short) return '';
  const cores = (n: number) => n.toFixed(1);
  // Without the agent's metrics (a service Hotpath attached to) the service's CPU is not
  // measured: it is among the others, never said to be 0.
  const who =
    serviceCores === undefined
      ? `Hotpath's load ${cores(machine.loadGeneratorCores)}, the service and other programs ${cores(others)} cores (the service's own share not measured)`
      : `the service ${cores(serviceCores)}, Hotpath's load ${cores(machine.loadGeneratorCores)}, other programs ${cores(others)} cores`;
  return others >= THRESHOLDS.machine.minOtherCores
    ? ` The machine was short of CPU: its ${machine.cores} cores were ${percent(machine.busyShare)} busy over the window (${who}), ` +
        'so the service ran slower than on a quiet machine: compare runs made alike.'
    : ` The machine was short of CPU: its ${machine.cores} cores were ${percent(machine.busyShare)} busy over the window (${who}): ` +
        'the service shared them with the load generator, so it could not go faster here.';
}

/**
 * The machine over the window in cores: the service's, other programs' (what is left of the
 * busy cores after the service and Hotpath's own processes), the idle left; and whether the
 * machine was short of CPU (almost no idle left). Undefined when the run did not measure it.
 */
export function machineShortOfCpu(run: Pick<RunFigures, 'machine' | 'metrics'>):
  | {
      short: boolean;
      /** Undefined without the agent's metrics: not measured, and counted among `others`. */
      serviceCores: number | undefined;
      others: number;
      idleCores: number;
    }
  | undefined {
  const machine = run.machine;
  if (!machine) return undefined;
  const serviceCores = run.metrics?.cpuShare;
  const busyCores = machine.busyShare * machine.cores;
  const others = Math.max(0, busyCores - (serviceCores ?? 0) - machine.loadGeneratorCores);
  const idleCores = machine.cores - busyCores;
  return { short: idleCores < THRESHOLDS.machine.maxIdleCores, serviceCores, others, idleCores };
}

/**
 * Where to look in the user's code: the function of theirs with the most time, what it calls
 * outside their code included (a crypto loop's hashing is charged to the function that calls
 * it), and its hottest line when that line is a meaningful share of the window.
 */
function focusOf(analysis: Analysis): { words: string; lookAt: Diagnosis['lookAt'] } | undefined {
  const { frames, durationUs } = analysis.model;
  const own = new Float64Array(analysis.functions.length);
  // Each frame's self time goes to the deepest function of the user's code on its stack.
  const owner = new Int32Array(frames.fn.length).fill(-1);
  for (let i = 0; i < frames.fn.length; i++) {
    const f = analysis.functions[frames.fn[i]];
    const parent = frames.parent[i];
    owner[i] = f?.category === 'user' ? frames.fn[i] : parent >= 0 ? owner[parent] : -1;
    const category = f?.category;
    if (owner[i] >= 0 && category !== 'idle' && category !== 'gc' && category !== 'program')
      own[owner[i]] += frames.self[i];
  }
  let best = -1;
  for (let id = 0; id < own.length; id++) if (own[id] > (best < 0 ? 0 : own[best])) best = id;
  if (best < 0) return undefined;
  const f = analysis.functions[best];
  const start = sourceOf(f);
  const share = own[best] / durationUs;
  const calls = own[best] > f.selfUs * 1.05 ? ' with what it calls' : '';
  if (!start) {
    // Code with no file: a Worker run from a string (`eval: true`, V8's `[worker eval]`). Its
    // function is named all the same, where V8 placed it; there is no file to open.
    if (!f.generated.url || f.generated.line <= 0) return undefined;
    return {
      words: ` Most of your code's time is in ${f.name} (${f.generated.url}:${f.generated.line}, code given as a string, not a file): ${percent(share)} of the window${calls}.`,
      lookAt: undefined,
    };
  }
  const ownLine = analysis.lines.find((l) => l.functionId === best);
  // Its hottest line, or that of a function of yours it calls: V8 inlines a small function into
  // its caller, whose self time then holds the callee's lines (an Express handler and the
  // function it calls).
  const calledByBest = new Set<number>();
  const under = new Uint8Array(frames.fn.length);
  for (let i = 0; i < frames.fn.length; i++) {
    const parent = frames.parent[i];
    under[i] = frames.fn[i] === best || (parent >= 0 && under[parent]) ? 1 : 0;
    if (under[i]) calledByBest.add(frames.fn[i]);
  }
  const line = analysis.lines.find(
    (l) => calledByBest.has(l.functionId) && analysis.functions[l.functionId]?.category === 'user',
  );
  const at = `${baseName(start.source)}:${start.line}`;
  if ((f.unplacedUs ?? 0) > (ownLine?.selfUs ?? 0)) {
    return {
      words: ` Most of your code's time is in ${f.name} (${at}): ${percent(share)} of the window${calls}; its lines cannot be told apart (see the note).`,
      lookAt: {
        file: start.source,
        line: start.line,
        functionName: f.name,
        selfShare: f.selfUs / durationUs,
        withCallsShare: share,
        functionOnly: true,
      },
    };
  }
  const calling = f.callLines?.[0];
  const callShare = calling ? calling.totalUs / durationUs : 0;
  const callWords =
    calling && callShare >= THRESHOLDS.lines.minShare
      ? `${baseName(calling.file)}:${calling.line} calls ${percent(callShare)} (${calling.calleeNames.join(', ')}) — inferred from the callees' names${calling.ambiguous ? `, or ${(calling.alsoLines ?? []).map((l) => `${baseName(calling.file)}:${l}`).join(', ')} does: which one is not known` : ''}`
      : '';
  if (line && line.selfUs / durationUs >= THRESHOLDS.lines.minShare) {
    const lineFn = analysis.functions[line.functionId];
    const inOther = line.functionId !== best && lineFn ? ` in ${lineFn.name}, which it calls` : '';
    const andCalls = callWords && calling && calling.totalUs > line.selfUs ? `; ${callWords}` : '';
    return {
      words: ` Most of your code's time is in ${f.name} (${at}): ${percent(share)} of the window${calls}; its hottest line is ${baseName(line.file)}:${line.line}${inOther} (${percent(line.selfUs / durationUs)})${andCalls}.`,
      lookAt: {
        file: line.file,
        line: line.line,
        functionName: lineFn?.name ?? f.name,
        selfShare: line.selfUs / durationUs,
      },
    };
  }
  if (calling && callWords)
    return {
      words: ` Most of your code's time is in ${f.name} (${at}): ${percent(share)} of the window${calls}; no line of it stands out by its own time, but ${callWords}.`,
      lookAt: { file: calling.file, line: calling.line, functionName: f.name, selfShare: share },
    };
  return {
    words: ` Most of your code's time is in ${f.name} (${at}): ${percent(share)} of the window${calls}; no line of it stands out.`,
    lookAt: {
      file: start.source,
      line: start.line,
      functionName: f.name,
      selfShare: f.selfUs / durationUs,
      withCallsShare: share,
    },
  };
}
