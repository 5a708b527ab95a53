/**
 * The machine during the window: how busy its cores were, and how much of that was Hotpath's own
 * processes (the runner, and the load process it forks). What is left, minus the service's CPU, is other programs: a
 * build, a browser, another test. A profile taken while they held the CPU is slower than the
 * service is, and the diagnosis says so.
 */
import * as os from 'node:os';
import type { MachineUse } from '../record/run';

export interface MachineMark {
  atMs: number;
  /** Summed over the cores, in ms. */
  busyMs: number;
  idleMs: number;
  /** This process's CPU time (user + system), in µs. */
  ownUs: number;
}

export function markMachine(): MachineMark {
  let busyMs = 0;
  let idleMs = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, irq, idle } = cpu.times;
    busyMs += user + nice + sys + irq;
    idleMs += idle;
  }
  const own = process.cpuUsage();
  return { atMs: performance.now(), busyMs, idleMs, ownUs: own.user + own.system };
}

/**
 * From two marks and the CPU time of the load process over the same window (it runs apart);
 * undefined when the interval is too short to say (or the counters did not move).
 */
export function machineUse(
  start: MachineMark,
  end: MachineMark,
  loadProcessMs = 0,
): MachineUse | undefined {
  const wallMs = end.atMs - start.atMs;
  const busy = end.busyMs - start.busyMs;
  const total = busy + (end.idleMs - start.idleMs);
  if (wallMs < 200 || total <= 0) return undefined;
  return {
    cores: os.cpus().length,
    busyShare: Math.min(1, Math.max(0, busy / total)),
    loadGeneratorCores: ((end.ownUs - start.ownUs) / 1000 + loadProcessMs) / wallMs,
  };
}
