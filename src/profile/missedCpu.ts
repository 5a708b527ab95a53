/**
 * The check that no thread doing the work was missed: the CPU the service's processes used over
 * the window (the agent's `process.cpuUsage`, every thread of the process) against the time the
 * profiled threads' profiles were busy. A pool thread the capture never reached shows as CPU that
 * no profile accounts for. Pure, over what run.json records.
 */
import type { AgentMetrics } from '../record/load';
import type { ProcessesReport } from '../record/run';

/**
 * How far process CPU may exceed the profiled busy time before a thread is said to be missed:
 * a share of the process CPU and a floor in cores, both to be passed.
 *
 * Measured on this repo's zoo (2-core machine shared with other work, `--preset quick`, 3 s),
 * 22 runs with every thread profiled (express, koa, fastify, hono, a cluster, worker-threads,
 * piscina, workerpool, a Worker from a string): the process CPU exceeded the profiled busy time
 * by at most 25.8 % of the CPU and 0.08 cores (fastify, 1,290 ms of CPU, 958 ms busy), 1.0 %
 * and 0.01 cores otherwise (worker-threads); in the rest the busy time was the larger, by up to
 * 2.5x (a profile's busy time is wall time, which grows when the machine is short of CPU). What
 * runs beside the profiled threads (V8's GC and compiler helpers, libuv's pool) adds CPU that no
 * profile holds.
 * A piscina pool of two threads the capture did not reach: 91 % of the CPU and 1.2 to 1.6 cores
 * in no profile (5,601 ms of CPU, 473 ms busy). A pool of two with one thread missed would leave
 * about 45 %. Hence 35 % and a quarter of a core, three times the largest excess seen.
 */
export const MISSED_CPU = { minShareOfCpu: 0.35, minCores: 0.25 };

export interface MissedCpu {
  /** The processes' CPU over the window, ms (user + system, all threads). */
  cpuMs: number;
  /** The profiled threads' busy time over the window, ms. */
  profiledBusyMs: number;
  /** `cpuMs - profiledBusyMs`, and its share of `cpuMs`. */
  unaccountedMs: number;
  share: number;
  /** The same in cores over the window. */
  cores: number;
  /** The threads whose profiles are in the run, and those seen but not profiled (with why). */
  profiled: string[];
  missed: string[];
}

type Figures = {
  agent?: Pick<AgentMetrics, 'cpuUserMs' | 'cpuSystemMs' | 'wallMs'>;
  processes?: Pick<ProcessesReport, 'profiled' | 'threads'>;
};

/** The CPU no profiled thread accounts for, when it passes the noise; undefined otherwise. */
export function missedCpu(run: Figures): MissedCpu | undefined {
  const { agent, processes } = run;
  if (!agent || !processes) return undefined;
  const merged = processes.profiled.filter((p) => p.merged);
  // An older run, or one without a profile: nothing to weigh.
  if (merged.length === 0 || merged.some((p) => p.busyMs === undefined)) return undefined;
  const cpuMs = agent.cpuUserMs + agent.cpuSystemMs;
  const profiledBusyMs = merged.reduce((sum, p) => sum + (p.busyMs ?? 0), 0);
  const unaccountedMs = cpuMs - profiledBusyMs;
  const share = cpuMs > 0 ? unaccountedMs / cpuMs : 0;
  const cores = agent.wallMs > 0 ? unaccountedMs / agent.wallMs : 0;
  if (share <= MISSED_CPU.minShareOfCpu || cores <= MISSED_CPU.minCores) return undefined;
  return {
    cpuMs,
    profiledBusyMs,
    unaccountedMs,
    share,
    cores,
    profiled: processes.profiled.map(
      (p) =>
        `${p.threadId ? `pid ${p.pid} thread ${p.threadId}` : `pid ${p.pid} main thread`} (${p.command}${p.merged ? '' : ', left out'})`,
    ),
    missed: (processes.threads?.missed ?? []).map(
      (t) => `pid ${t.pid} thread ${t.threadId} (${t.command}: ${t.why})`,
    ),
  };
}

/** The check in a sentence, for the summary, the report and the diagnosis alike. */
export function missedCpuText(missed: MissedCpu): string {
  const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
  const msText = (x: number) => `${Math.round(x).toLocaleString('en-US')} ms`;
  const seen = `threads profiled: ${missed.profiled.join(', ')}`;
  const notProfiled = missed.missed.length
    ? `; seen but not profiled: ${missed.missed.join(', ')}`
    : '; no other thread was seen';
  return (
    `The profile misses work: the service used ${msText(missed.cpuMs)} of CPU over the window, ` +
    `the profiled threads were busy ${msText(missed.profiledBusyMs)}, so ${pct(missed.share)} ` +
    `(${missed.cores.toFixed(1)} cores) ran in threads no profile holds (${seen}${notProfiled}). ` +
    'Where the time went cannot be told from this profile.'
  );
}

/**
 * Each profiled thread's busy share of the window, when several were merged: the one verdict a
 * merged profile's average cannot give (a pool's thread at full use beside a main thread that
 * only awaits it). Undefined for one thread, or an older run.
 */
export function threadBusyShares(run: Figures): { label: string; share: number }[] | undefined {
  const { agent, processes } = run;
  if (!agent || !processes || agent.wallMs <= 0) return undefined;
  const merged = processes.profiled.filter((p) => p.merged);
  if (merged.length < 2 || merged.some((p) => p.busyMs === undefined)) return undefined;
  return merged.map((p) => ({
    label: p.threadId ? `thread ${p.threadId} (${p.command})` : `the main thread of pid ${p.pid}`,
    share: Math.min(1, (p.busyMs ?? 0) / agent.wallMs),
  }));
}
