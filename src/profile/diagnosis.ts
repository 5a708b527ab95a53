/**
 * A verdict with its evidence: is the endpoint waiting, CPU-bound, or under allocation and GC
 * pressure? From the profile's analysis, plus the load summary and the agent's metrics when the
 * run has them. Pure.
 */

import type { MachineUse } from '../record/run';
import { optionRef } from '../vocabulary/words';
import { type Analysis, sourceOf } from './analyze';
import { breakdown } from './breakdown';
import { WAIT_THRESHOLDS, type Waits } from './waits';

/**
 * The thresholds, as data. Chosen from runs of the sample service on a 2-core machine (50 and 4
 * connections, 2–10 s):
 *   /read      idle 99.6 %, service CPU 5–7 % of a core, latency p50 1,500 ms vs 3 ms CPU/response
 *   /fast      idle ~80 %, CPU 20 %, p50 50 ms vs 0.2 ms CPU/response (waits on its 50 ms call)
 *   /cpu       idle 5 %, CPU 100 %, GC 0.1 % of the profile
 *   /cpualloc  idle 5 %, CPU 100 %, GC 5.8 % of the profile
 * The sampling profiler inflates event-loop utilisation (2 % → ~60 % on /read), so CPU time and
 * the profile's idle share are used instead.
 */
export const THRESHOLDS = {
  waiting: {
    /** At most this share of the profile busy (not idle)… */
    maxBusyShare: 0.5,
    /** …and latency at least this many times the CPU time spent per response. */
    minLatencyOverCpu: 5,
  },
  cpuBound: {
    /** At least this share of the profile busy… */
    minBusyShare: 0.8,
    /**
     * …or, busy less than that, latency p50 at most this many times the CPU per response: each
     * response takes about its own CPU time, so the work itself is the latency and the idle time
     * was the load not keeping the service full (4 connections on one core read 2–4x saturated).
     */
    maxLatencyOverCpu: 2,
    /**
     * …or at least this much of a core per profiled process (process CPU, all threads): a
     * service whose worker thread is saturated while its main thread idles is CPU-bound too.
     */
    minCoresPerProcess: 0.8,
  },
  gc: {
    /**
     * GC pressure: at least this share of the busy time in the garbage collector. Saturated
     * framework services (Express, Koa on the zoo) spend 3–8 % of it there, Fastify with a
     * response schema and a catalog builder 8–16 %, a hashing loop in a worker 20–26 %: the cost
     * of the JavaScript they run, told as a note of the CPU-bound verdict. A third of the busy
     * time is where collecting is the single biggest thing the CPU does.
     */
    minShareOfBusy: 0.3,
    /** A CPU-bound verdict mentions GC from this share of the busy time. */
    noteShareOfBusy: 0.05,
  },
  lines: {
    /** A line is named as "the hottest line" only from this share of the window. */
    minShare: 0.05,
  },
  machine: {
    /**
     * The machine was short of CPU when less than this much of a core was left idle over the
     * window (a 2-core machine 88 % busy): the service could not have run more than it did.
     */
    maxIdleCores: 0.25,
    /** Other programs are named as the reason from this much CPU (cores); else Hotpath's load. */
    minOtherCores: 0.5,
  },
  failing: {
    /**
     * At least this share of the answers were errors (non-2xx, or connection errors other than
     * timeouts; timeouts are latency, and /read under 1,000 users times out by design).
     */
    minShare: 0.5,
  },
} as const;

export type Verdict = 'failing' | 'waiting' | 'cpu-bound' | 'gc-pressure' | 'mixed';

export interface Evidence {
  what: string;
  value: number;
  /** How the value is shown: a share (0..1), milliseconds, or a plain ratio. */
  unit: 'share' | 'ms' | 'x';
  threshold?: number;
}

export interface Diagnosis {
  verdict: Verdict;
  /**
   * One or two sentences in plain words. They may refer to an option (`optionRef`): show them
   * through `forSurface` (vocabulary/words.ts), as every renderer of report/ does.
   */
  summary: string;
  evidence: Evidence[];
  /**
   * Where to look first, in the original source: the hottest line, or, with `functionOnly`, the
   * start of the hottest function when its lines cannot be named (tsx, a minified build).
   */
  lookAt?: {
    file: string;
    line: number;
    functionName: string;
    selfShare: number;
    functionOnly?: true;
  };
}

/** What a diagnosis reads of a run's load summary and agent metrics (structural). */
export interface RunFigures {
  load?: {
    requests: number;
    latencyMs: { p50: number };
    errors?: number;
    timeouts?: number;
    non2xx?: number;
    statusCodes?: Record<string, number>;
  };
  metrics?: { cpuUserMs: number; cpuSystemMs: number; cpuShare: number };
  /** How many processes were profiled (a cluster's workers): CPU is judged per process. */
  processes?: number;
  /** Where requests waited for locks, when the run watched them. */
  waits?: Waits | undefined;
  /** A ramp's knee: whether req/s still grew with connections. */
  ramp?: { growth: number; stillRising?: boolean } | undefined;
  /** The machine over the window, when the runner measured it. */
  machine?: MachineUse | undefined;
}

export function diagnose(analysis: Analysis, run: RunFigures = {}): Diagnosis {
  const { shares, model } = analysis;
  const busy = 1 - shares.idle;
  const gcShare = shares.gc;
  const gcOfBusy = busy > 0 ? gcShare / busy : 0;
  const evidence: Evidence[] = [
    { what: 'profile busy (not idle)', value: busy, unit: 'share' },
    {
      what: 'garbage collector, of the busy time',
      value: gcOfBusy,
      unit: 'share',
      threshold: THRESHOLDS.gc.minShareOfBusy,
    },
  ];
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
  const coresPerProcess = run.metrics ? run.metrics.cpuShare / processes : undefined;
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

  const focus = model.durationUs > 0 ? focusOf(analysis) : undefined;
  const lookAt = focus?.lookAt;
  const where = focus?.words ?? '';

  const load = run.load;
  if (load && load.non2xx !== undefined) {
    const failedConnections = Math.max(0, (load.errors ?? 0) - (load.timeouts ?? 0));
    const failed = load.non2xx + failedConnections;
    const failedShare = failed / Math.max(1, load.requests + failedConnections);
    evidence.unshift({
      what: 'error answers (non-2xx, connection errors)',
      value: failedShare,
      unit: 'share',
      threshold: THRESHOLDS.failing.minShare,
    });
    if (failed > 0 && failedShare >= THRESHOLDS.failing.minShare) {
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
        ...(lookAt ? { lookAt } : {}),
      };
    }
  }

  const machine = machineNote(run, evidence);
  const saturated =
    busy >= THRESHOLDS.cpuBound.minBusyShare ||
    (coresPerProcess !== undefined && coresPerProcess >= THRESHOLDS.cpuBound.minCoresPerProcess);
  const waiting =
    !saturated &&
    busy <= THRESHOLDS.waiting.maxBusyShare &&
    (latencyOverCpu === undefined || latencyOverCpu >= THRESHOLDS.waiting.minLatencyOverCpu);
  // Not full, but each response took about its own CPU time: no wait in it, the load was light.
  const workIsTheLatency =
    !saturated &&
    latencyOverCpu !== undefined &&
    latencyOverCpu <= THRESHOLDS.cpuBound.maxLatencyOverCpu;
  const lock = run.waits?.sites[0];
  if (waiting && lock && lock.waitShare >= WAIT_THRESHOLDS.diagnosis.minWaitShare) {
    evidence.push({
      what: `latency spent waiting for ${lock.name}, acquired at ${baseName(lock.site.file)}:${lock.site.line}`,
      value: lock.waitShare,
      unit: 'share',
      threshold: WAIT_THRESHOLDS.diagnosis.minWaitShare,
    });
    evidence.push({ what: 'lock held (p50)', value: lock.holdMs.p50, unit: 'ms' });
    const across = lock.heldAcrossAwait
      ? `, across an await (a request costs ${ms(cpuPerResponseMs ?? 0)} of CPU)`
      : '';
    return {
      verdict: 'waiting',
      summary:
        `Waiting for a lock: ${percent(lock.waitShare)} of the latency is spent waiting for ${lock.name} (a ${lock.kind}) acquired at ` +
        `${baseName(lock.site.file)}:${lock.site.line} (${ms(lock.waitMs.p50)} p50); each holder keeps it ${ms(lock.holdMs.p50)}${across}. ` +
        `Hold it only around the shared data, not across the slow call, or let readers share it.${machine}`,
      evidence,
      lookAt: {
        file: lock.site.file,
        line: lock.site.line,
        functionName: lock.site.functionName,
        selfShare: lock.waitShare,
      },
    };
  }
  if (waiting) {
    const latency =
      latencyOverCpu !== undefined && run.load
        ? ` Requests take ${ms(run.load.latencyMs.p50)} (p50) but cost ${ms(cpuPerResponseMs ?? 0)} of CPU each: ${Math.round(latencyOverCpu)}x.`
        : '';
    // What the run knows of the wait beyond the CPU profile: the locks it watched, a ramp.
    const locks = run.waits
      ? lock
        ? ` No lock explains it: the most waited-on, ${lock.name} (a ${lock.kind}) acquired at ${baseName(lock.site.file)}:${lock.site.line}, takes ${percent(lock.waitShare)} of the latency.`
        : ' No lock explains it: the async-mutex locks watched were never waited for.'
      : '';
    const ramp = !run.ramp
      ? ` A ramp (${optionRef('preset', 'ramp')}) tells per-request waits (req/s grows with connections) from a shared resource (req/s stays flat).`
      : run.ramp.stillRising || run.ramp.growth >= 2
        ? ` The ramp's req/s grew ${run.ramp.growth.toFixed(1)}x with connections: each request waits on its own (slow I/O or a timer), not on a shared resource.`
        : ` The ramp's req/s did not grow with connections (${run.ramp.growth.toFixed(1)}x): requests queue for something shared (a lock, a pool, a single connection).`;
    return {
      verdict: 'waiting',
      summary:
        `Waiting: the process was idle ${percent(shares.idle)} of the time.${latency} ` +
        `Requests wait for something other than the CPU: slow I/O, a pool, or a lock held across an await.${locks}${ramp} ` +
        `A CPU profile cannot show what they wait for.${machine}`,
      evidence,
    };
  }
  const cpu =
    coresPerProcess !== undefined
      ? `${percent(coresPerProcess)} of a core${processes > 1 ? ` per process (${processes} processes)` : ''}`
      : undefined;
  // One GC figure everywhere: the profile's, of the window (the breakdown's row), and of the busy time.
  const gc = `the garbage collector took ${percent(gcShare)} of the window (${percent(gcOfBusy)} of the busy time)`;
  if (saturated && gcOfBusy >= THRESHOLDS.gc.minShareOfBusy) {
    return {
      verdict: 'gc-pressure',
      summary:
        `Allocation and GC pressure: ${gc}${cpu ? `; process CPU ${cpu}` : ''}.` +
        `${where} Look for copies and temporary objects made on every turn of a hot loop.${machine}`,
      evidence,
      ...(lookAt ? { lookAt } : {}),
    };
  }
  const spent = busyRows(analysis);
  const gcNote =
    gcOfBusy >= THRESHOLDS.gc.noteShareOfBusy ? ` ${capital(gc)}: allocation adds to it.` : '';
  if (saturated) {
    return {
      verdict: 'cpu-bound',
      summary:
        `CPU-bound: ${cpu ? `process CPU ${cpu}; ` : ''}the profile was busy ${percent(busy)} of the window. ` +
        `It went to ${spent}.${where}${gcNote}${machine}`,
      evidence,
      ...(lookAt ? { lookAt } : {}),
    };
  }
  if (workIsTheLatency && run.load && cpuPerResponseMs !== undefined) {
    const idle = machine
      ? 'the machine was short of CPU (below)'
      : 'the load did not keep it busy (more connections would)';
    return {
      verdict: 'cpu-bound',
      summary:
        `CPU-bound: a response takes ${ms(run.load.latencyMs.p50)} (p50) and costs ${ms(cpuPerResponseMs)} of CPU: its time is the work itself. ` +
        `The profile was idle ${percent(shares.idle)} of the window: ${idle}. ` +
        `The busy time went to ${spent}.${where}${gcNote}${machine}`,
      evidence,
      ...(lookAt ? { lookAt } : {}),
    };
  }
  return {
    verdict: 'mixed',
    summary:
      `Mixed: busy ${percent(busy)} of the window${cpu ? `, process CPU ${cpu}` : ''}, idle the rest: neither waiting nor the CPU alone explains the latency. ` +
      `The busy time went to ${spent}.${where} ` +
      (machine
        ? `${machine.trim()} Run it again on a quiet machine: a service that cannot get the CPU reads as neither.`
        : `Try a ramp (${optionRef('preset', 'ramp')}): if req/s stops growing while the CPU is not full, requests queue for something shared; if the CPU fills, it is the work itself.`),
    evidence,
    ...(lookAt ? { lookAt } : {}),
  };
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
  const who = `the service ${cores(serviceCores)}, Hotpath's load ${cores(machine.loadGeneratorCores)}, other programs ${cores(others)} cores`;
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
export function machineShortOfCpu(
  run: Pick<RunFigures, 'machine' | 'metrics'>,
): { short: boolean; serviceCores: number; others: number; idleCores: number } | undefined {
  const machine = run.machine;
  if (!machine) return undefined;
  const serviceCores = run.metrics?.cpuShare ?? 0;
  const busyCores = machine.busyShare * machine.cores;
  const others = Math.max(0, busyCores - serviceCores - machine.loadGeneratorCores);
  const idleCores = machine.cores - busyCores;
  return { short: idleCores < THRESHOLDS.machine.maxIdleCores, serviceCores, others, idleCores };
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The busy time's three biggest parts, in words: "your code 41 %, fastify 12 %, native 9 %". */
function busyRows(analysis: Analysis): string {
  const rows = breakdown(analysis).filter((r) => r.kind !== 'idle');
  const label = (r: (typeof rows)[number]): string =>
    r.kind === 'user'
      ? 'your code'
      : r.kind === 'package'
        ? `${r.owner}`
        : r.kind === 'node'
          ? "Node's JavaScript"
          : r.kind === 'native'
            ? `native code (${r.names
                .slice(0, 2)
                .map((n) => n.name.replace(/^native code in /, ''))
                .join(', ')})`
            : r.kind === 'generated'
              ? `code generated at run time (run by ${r.owner})`
              : r.kind === 'gc'
                ? 'the garbage collector'
                : r.kind === 'hotpath'
                  ? "Hotpath's agent"
                  : 'unattributed';
  return rows
    .slice(0, 3)
    .map((r) => `${label(r)} ${percent(r.share)}`)
    .join(', ');
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
  if (!start) return undefined;
  const share = own[best] / durationUs;
  const calls = own[best] > f.selfUs * 1.05 ? ' with what it calls' : '';
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
        selfShare: share,
        functionOnly: true,
      },
    };
  }
  if (line && line.selfUs / durationUs >= THRESHOLDS.lines.minShare) {
    const lineFn = analysis.functions[line.functionId];
    const inOther = line.functionId !== best && lineFn ? ` in ${lineFn.name}, which it calls` : '';
    return {
      words: ` Most of your code's time is in ${f.name} (${at}): ${percent(share)} of the window${calls}; its hottest line is ${baseName(line.file)}:${line.line}${inOther} (${percent(line.selfUs / durationUs)}).`,
      lookAt: {
        file: line.file,
        line: line.line,
        functionName: lineFn?.name ?? f.name,
        selfShare: line.selfUs / durationUs,
      },
    };
  }
  return {
    words: ` Most of your code's time is in ${f.name} (${at}): ${percent(share)} of the window${calls}; no line of it stands out.`,
    lookAt: { file: start.source, line: start.line, functionName: f.name, selfShare: share },
  };
}

function percent(share: number): string {
  const value = share * 100;
  // 99.6 % is not 100 %: whole numbers only where rounding cannot say "all".
  return `${(value >= 10 && value < 99.5) || value >= 99.95 ? Math.round(value) : value.toFixed(1)} %`;
}

function ms(value: number): string {
  return value >= 100
    ? `${Math.round(value).toLocaleString('en-US')} ms`
    : `${value.toFixed(1)} ms`;
}

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}
