/**
 * A verdict with its evidence: is the endpoint waiting, CPU-bound, or under allocation and GC
 * pressure? From the profile's analysis, plus the load summary and the agent's metrics when the
 * run has them. Pure.
 */
import { type Analysis, sourceOf } from './analyze';
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
    /** At least this share of the profile busy. */
    minBusyShare: 0.8,
  },
  gc: {
    /** At least this share of the profile in the garbage collector. */
    minShare: 0.03,
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
  /** One or two sentences in plain words. */
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
  /** Where requests waited for locks, when the run watched them. */
  waits?: Waits | undefined;
}

export function diagnose(analysis: Analysis, run: RunFigures = {}): Diagnosis {
  const { shares, model } = analysis;
  const busy = 1 - shares.idle;
  const gcShare = shares.gc;
  const evidence: Evidence[] = [
    { what: 'profile busy (not idle)', value: busy, unit: 'share' },
    { what: 'garbage collector', value: gcShare, unit: 'share', threshold: THRESHOLDS.gc.minShare },
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
  if (run.metrics)
    evidence.push({
      what: 'service CPU (of one core)',
      value: run.metrics.cpuShare,
      unit: 'share',
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

  const hottestLine = analysis.lines.find(
    (l) => analysis.functions[l.functionId]?.category === 'user',
  );
  // A function whose time has no line (tsx, a minified build) is named as a function.
  let lineless: { f: Analysis['functions'][number]; us: number } | undefined;
  for (const f of analysis.functions) {
    const us = f.unplacedUs ?? 0;
    if (f.category === 'user' && us > (lineless?.us ?? 0)) lineless = { f, us };
  }
  const start = lineless && sourceOf(lineless.f);
  const lookAt: Diagnosis['lookAt'] =
    model.durationUs <= 0
      ? undefined
      : lineless && start && (!hottestLine || lineless.us > hottestLine.selfUs)
        ? {
            file: start.source,
            line: start.line,
            functionName: lineless.f.name,
            selfShare: lineless.f.selfUs / model.durationUs,
            functionOnly: true,
          }
        : hottestLine
          ? {
              file: hottestLine.file,
              line: hottestLine.line,
              functionName: analysis.functions[hottestLine.functionId].name,
              selfShare: hottestLine.selfUs / model.durationUs,
            }
          : undefined;
  const where = !lookAt
    ? ''
    : lookAt.functionOnly
      ? ` The hottest function of your code is ${lookAt.functionName} at ${baseName(lookAt.file)}:${lookAt.line} (${percent(lookAt.selfShare)} of the time); its lines cannot be told apart (see the note).`
      : ` The hottest line of your code is ${baseName(lookAt.file)}:${lookAt.line} in ${lookAt.functionName} (${percent(lookAt.selfShare)} of the time).`;

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

  const waiting =
    busy <= THRESHOLDS.waiting.maxBusyShare &&
    (latencyOverCpu === undefined || latencyOverCpu >= THRESHOLDS.waiting.minLatencyOverCpu);
  const lock = run.waits?.sites[0];
  if (waiting && lock && lock.waitShare >= WAIT_THRESHOLDS.diagnosis.minWaitShare) {
    evidence.push({
      what: `latency spent waiting for the ${lock.kind} at ${baseName(lock.site.file)}:${lock.site.line}`,
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
        `Waiting for a lock: ${percent(lock.waitShare)} of the latency is spent waiting for the ${lock.kind} acquired at ` +
        `${baseName(lock.site.file)}:${lock.site.line} (${ms(lock.waitMs.p50)} p50); each holder keeps it ${ms(lock.holdMs.p50)}${across}. ` +
        'Hold it only around the shared data, not across the slow call, or let readers share it.',
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
    return {
      verdict: 'waiting',
      summary:
        `Waiting: the process was idle ${percent(shares.idle)} of the time.${latency} ` +
        'Requests wait for something other than the CPU: slow I/O, or a lock held across an await ' +
        '(then req/s stays flat however many connections you add). A CPU profile cannot show what they wait for.',
      evidence,
    };
  }
  if (gcShare >= THRESHOLDS.gc.minShare) {
    return {
      verdict: 'gc-pressure',
      summary:
        `Allocation and GC pressure: the garbage collector took ${percent(gcShare)} of the time.` +
        `${where} Look for copies and temporary objects made on every turn of a hot loop.`,
      evidence,
      ...(lookAt ? { lookAt } : {}),
    };
  }
  if (busy >= THRESHOLDS.cpuBound.minBusyShare) {
    return {
      verdict: 'cpu-bound',
      summary: `CPU-bound: the process was busy ${percent(busy)} of the time.${where}`,
      evidence,
      ...(lookAt ? { lookAt } : {}),
    };
  }
  return {
    verdict: 'mixed',
    summary: `Mixed: busy ${percent(busy)} of the time, idle the rest; neither waiting nor CPU alone explains the latency.${where}`,
    evidence,
    ...(lookAt ? { lookAt } : {}),
  };
}

function percent(share: number): string {
  const value = share * 100;
  // 99.6 % is not 100 %: whole numbers only where rounding cannot say "all".
  return `${value >= 10 && value < 99.5 ? Math.round(value) : value >= 99.95 ? '100' : value.toFixed(1)} %`;
}

function ms(value: number): string {
  return value >= 100
    ? `${Math.round(value).toLocaleString('en-US')} ms`
    : `${value.toFixed(1)} ms`;
}

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}
