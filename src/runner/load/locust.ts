/**
 * Locust as the load: the user's locustfile, run headless by the real `locust` (one process, or
 * a master with local or external workers), with Hotpath's module beside it
 * (locust/hotpathLocust.py) sending exact per-interval figures over a loopback TCP port. The
 * console is never read for figures. The window opens mid-load (window.ts, 'mid-load'): once
 * every user runs and every worker has joined, after the warm-up. Every Locust process is
 * started in a process group of its own and ended by it, on completion, cancel and error.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { LoadSummary, LocustLoad } from '../../record/load';
import type { LoadOptions } from '../../record/run';
import { HotpathError, throwIfCancelled } from '../../vocabulary/errors';
import { locustExitMeaning } from '../../vocabulary/locust';
import { packageRoot } from '../../vocabulary/paths';
import type { LoadProgress } from '../../vocabulary/progress';
import { optionRef } from '../../vocabulary/words';
import { isLoopbackHost } from '../loopback';
import { warmupFailure } from '../window';
import { type LocustTally, SlotTable } from './locustFigures';
import { cpuMsOf, findLocust, freePort, LocustProcess } from './locustProcess';
import { SLOT_MS } from './protocol';

export interface LocustRunOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: LoadProgress) => void) | undefined;
  /** Opens the window (the capture): runs once the users and workers are all up and warm. */
  beforeStart?: (() => Promise<void>) | undefined;
  /** Seconds of load after every user runs and before the window opens. */
  warmupSec: number;
  /** Measure even when every request before the window failed. */
  allowErrors: boolean;
  /** Words for the user while the load runs (the commands external workers need). */
  onNotice?: ((text: string) => void) | undefined;
  /** Seconds to wait for the users to start and the workers to join. */
  startTimeoutSec?: number;
}

export { findLocust };

/** Hotpath's module, passed to Locust beside the user's locustfile. */
export function locustModule(): string {
  return path.join(packageRoot(), 'locust', 'hotpathLocust.py');
}

/** A message of Hotpath's module (see locust/hotpathLocust.py). */
type ModuleMessage =
  | { type: 'hello'; role: 'local' | 'master'; version: string; pid: number }
  | {
      type: 'slots';
      node: string;
      upTo: number;
      slots: Record<string, Record<string, LocustTally>>;
    }
  | { type: 'spawned'; users: number }
  | { type: 'workers'; workers: { id: string; state: string }[] }
  | { type: 'bye' };

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The command a worker runs, on this machine or another. */
export function workerArgs(files: string, masterHost: string, masterPort: number): string[] {
  return [
    '-f',
    files,
    '--worker',
    '--master-host',
    masterHost,
    '--master-port',
    String(masterPort),
  ];
}

/**
 * Runs the locustfile against `url` (an origin) for the window of `load.durationSec` seconds,
 * and resolves with its figures over exactly that window. Rejects with CANCELLED when `signal`
 * fires, after every Locust process has ended.
 */
export async function runLocust(
  url: string,
  load: LoadOptions,
  options: LocustRunOptions,
): Promise<LoadSummary> {
  const spec = load.locust as LocustLoad;
  throwIfCancelled(options.signal);
  const locust = findLocust(spec.locustPath);
  if (!fs.existsSync(spec.file))
    throw new HotpathError(
      'BAD_OPTION',
      `${optionRef('locustfile')}: ${spec.file} does not exist`,
      'locustfile',
    );
  const files = `${spec.file},${locustModule()}`;
  const durationMs = (load.durationSec ?? 10) * 1000;
  const startTimeoutSec = options.startTimeoutSec ?? 60;
  const distributed = spec.workers + spec.externalWorkers > 0;

  // The channel: Hotpath's module connects here (the local process, or the master).
  const table = new SlotTable();
  const upTo = new Map<string, number>();
  const state = {
    version: '',
    role: '',
    spawnedAt: undefined as number | undefined,
    users: spec.users,
    workers: new Map<string, string>(),
    joined: new Set<string>(),
    lost: [] as { id: string; at: number }[],
    firstAt: undefined as number | undefined,
    bye: false,
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    let buffered = '';
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line) onMessage(JSON.parse(line) as ModuleMessage);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const onMessage = (message: ModuleMessage) => {
    switch (message.type) {
      case 'hello':
        state.version = message.version;
        state.role = message.role;
        break;
      case 'slots': {
        const first = table.add(message.slots);
        if (first !== undefined && (state.firstAt === undefined || first < state.firstAt))
          state.firstAt = first;
        upTo.set(message.node, Math.max(upTo.get(message.node) ?? 0, message.upTo));
        break;
      }
      case 'spawned':
        state.spawnedAt ??= Date.now();
        state.users = message.users;
        break;
      case 'workers':
        for (const worker of message.workers) {
          state.joined.add(worker.id);
          const was = state.workers.get(worker.id);
          if (worker.state === 'missing' && was !== 'missing')
            state.lost.push({ id: worker.id, at: Date.now() });
        }
        state.workers = new Map(message.workers.map((w) => [w.id, w.state]));
        break;
      case 'bye':
        state.bye = true;
        break;
      default:
        message satisfies never;
    }
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const channelPort = (server.address() as net.AddressInfo).port;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOTPATH_LOCUST_CHANNEL: `127.0.0.1:${channelPort}`,
    PYTHONUNBUFFERED: '1',
  };
  delete env.NODE_OPTIONS;
  const processes: LocustProcess[] = [];
  const start = (role: string, args: string[]) => {
    const child = spawn(locust, args, {
      env,
      cwd: path.dirname(spec.file),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new LocustProcess(role, child);
    processes.push(started);
    return started;
  };

  // A run-time past the planned end: Locust ends itself even if Hotpath cannot end it.
  const runTimeSec = Math.ceil(
    startTimeoutSec + spec.users / spec.spawnRate + options.warmupSec + durationMs / 1000 + 60,
  );
  const common = [
    '-f',
    files,
    '--headless',
    '--only-summary',
    '-u',
    String(spec.users),
    '-r',
    String(spec.spawnRate),
    '--host',
    url,
    '-t',
    `${runTimeSec}s`,
  ];
  let main: LocustProcess;
  if (!distributed) {
    main = start('locust', common);
  } else {
    const masterPort = await freePort(
      spec.masterHost === '0.0.0.0' ? '127.0.0.1' : spec.masterHost,
    );
    const expected = spec.workers + spec.externalWorkers;
    main = start('master', [
      ...common,
      '--master',
      '--master-bind-host',
      spec.masterHost,
      '--master-bind-port',
      String(masterPort),
      '--expect-workers',
      String(expected),
      '--expect-workers-max-wait',
      String(startTimeoutSec),
    ]);
    const connectTo = spec.masterHost === '0.0.0.0' ? '127.0.0.1' : spec.masterHost;
    for (let i = 0; i < spec.workers; i++)
      start(`worker ${i + 1}`, workerArgs(files, connectTo, masterPort));
    if (!isLoopbackHost(spec.masterHost))
      options.onNotice?.(
        `⚠ the Locust master listens on ${spec.masterHost}:${masterPort}, beyond this machine's loopback: anyone who reaches it can join as a worker and send load where the master says. Prefer an SSH tunnel to 127.0.0.1 (ssh -R ${masterPort}:127.0.0.1:${masterPort} worker-host), or a network you trust.`,
      );
    if (spec.externalWorkers > 0)
      options.onNotice?.(
        `waiting for ${spec.externalWorkers} Locust worker(s): on each machine, with ${path.basename(spec.file)} and hotpathLocust.py (from ${locustModule()}) in its folder, run:\n` +
          `  locust ${workerArgs(`${path.basename(spec.file)},hotpathLocust.py`, spec.masterHost, masterPort).join(' ')}`,
      );
  }

  let windowOpen = false;
  // Locust's main process ending fails the run; a worker ending before the window does too
  // (the window would wait for it), one ending in the window is reported as lost.
  const check = () => {
    throwIfCancelled(options.signal);
    const gone = processes.find((p) => !p.running && (p === main || !windowOpen));
    if (gone) {
      const code = gone.child.exitCode;
      const tail = gone.stderrTail().split('\n').slice(-12).join('\n');
      throw new HotpathError(
        'LOAD',
        `Locust (${gone.role}) ${code === null ? `was killed by ${gone.child.signalCode}` : `exited with code ${code}: ${locustExitMeaning(code)}`}, before the load ended${tail ? `:\n${tail}` : ''}`,
      );
    }
  };
  const expectedWorkers = spec.workers + spec.externalWorkers;
  const liveWorkers = () => [...state.workers.values()].filter((s) => s !== 'missing').length;

  try {
    // Users up and workers joined.
    const deadline = Date.now() + startTimeoutSec * 1000;
    while (state.spawnedAt === undefined || (distributed && liveWorkers() < expectedWorkers)) {
      check();
      if (Date.now() > deadline)
        throw new HotpathError(
          'LOCUST_WORKERS',
          distributed
            ? `${liveWorkers()} of ${expectedWorkers} Locust workers joined and ${state.spawnedAt === undefined ? 'the users were not all started' : 'the users started'} within ${startTimeoutSec} s`
            : `Locust did not start its ${spec.users} users within ${startTimeoutSec} s`,
          distributed ? 'load-workers' : 'users',
        );
      await delay(50);
    }
    // The warm-up: the load runs on, not measured.
    const warmEnd = Date.now() + options.warmupSec * 1000;
    while (Date.now() < warmEnd) {
      check();
      await delay(50);
    }
    const beforeEnd = Date.now();
    await waitCovered(upTo, state, beforeEnd, distributed, check);
    const beforeFirst = Math.floor((state.firstAt ?? beforeEnd) / SLOT_MS);
    const before = table.summarize(beforeFirst, Math.floor(beforeEnd / SLOT_MS), undefined);
    const failed = warmupFailure(before.summary, new URL(load.path, url).toString());
    if (failed && !options.allowErrors) throw new HotpathError('WARMUP_ERRORS', failed);

    // The window, mid-load.
    await options.beforeStart?.();
    check();
    windowOpen = true;
    const windowStart = Date.now();
    const pids = () => processes.map((p) => p.child.pid);
    const cpuAtStart = cpuMsOf(pids());
    const windowEnd = windowStart + durationMs;
    const firstSlot = Math.ceil(windowStart / SLOT_MS);
    let shown = 0;
    const progress = () => {
      const lead = table.leadOf(load.path, firstSlot, Math.floor(Date.now() / SLOT_MS));
      // Each whole second of the window whose figures are all in.
      const covered = coveredUpTo(upTo, state, distributed);
      while ((shown + 1) * 1000 <= Math.min(covered, windowEnd) - firstSlot * SLOT_MS) {
        const from = firstSlot + shown * (1000 / SLOT_MS);
        const second = table.summarize(from, from + 1000 / SLOT_MS, lead);
        const sofar = table.summarize(firstSlot, from + 1000 / SLOT_MS, lead);
        shown++;
        options.onProgress?.({
          elapsedSec: shown,
          plannedSec: durationMs / 1000,
          requests: sofar.summary.requests,
          requestsPerSec: second.summary.requests,
          p50Ms: second.summary.requests > 0 ? second.summary.latencyMs.p50 : undefined,
          p99Ms: second.summary.requests > 0 ? second.summary.latencyMs.p99 : undefined,
          errors: sofar.summary.errors,
          timeouts: 0,
          non2xx: sofar.summary.non2xx,
          connections: state.users,
        });
      }
    };
    while (Date.now() < windowEnd) {
      check();
      progress();
      await delay(Math.min(100, Math.max(0, windowEnd - Date.now())));
    }
    const lastSlot = Math.floor(windowEnd / SLOT_MS);
    const generatorCpuMs = cpuMsOf(pids()) - cpuAtStart;
    await waitCovered(upTo, state, windowEnd, distributed, check);
    progress();
    const lead = table.leadOf(load.path, firstSlot, lastSlot);
    const { summary, byName } = table.summarize(firstSlot, lastSlot, lead);
    // Locust ends: its own shutdown (SIGTERM), which tells its workers to quit.
    await main.end(5000);
    await Promise.all(processes.map((p) => p.end(5000)));
    const exit = main.child.exitCode;
    return {
      ...summary,
      url: new URL(load.path, url).toString(),
      method: byName.find((n) => n.name === lead)?.method ?? load.method,
      connections: state.users,
      workers: distributed ? expectedWorkers : 1,
      // The local Locust processes' CPU over the window (not external workers').
      generatorCpuMs,
      locust: {
        version: state.version,
        ...(lead !== undefined ? { lead } : {}),
        byName,
        users: state.users,
        before: {
          durationSec: before.summary.durationSec,
          requests: before.summary.requests,
          requestsPerSec: before.summary.requestsPerSec,
        },
        ...(distributed
          ? {
              workers: {
                expected: expectedWorkers,
                joined: [...state.joined].sort(),
                lost: state.lost.map((l) => ({
                  id: l.id,
                  atSec: Math.round((l.at - windowStart) / 100) / 10,
                })),
              },
            }
          : {}),
        exit: { code: exit, meaning: locustExitMeaning(exit) },
      },
    };
  } finally {
    await Promise.all(processes.map((p) => p.end(3000)));
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Until when every live source's figures are in (epoch ms): the local process, or each worker
 * that is not missing (a missing worker's figures stop where it was lost).
 */
function coveredUpTo(
  upTo: Map<string, number>,
  state: { workers: Map<string, string> },
  distributed: boolean,
): number {
  if (!distributed) return upTo.get('local') ?? 0;
  const live = [...state.workers].filter(([, s]) => s !== 'missing').map(([id]) => id);
  if (live.length === 0) return Date.now();
  return Math.min(...live.map((id) => upTo.get(id) ?? 0));
}

/** Waits (5 s at most) until the figures of every live source reach `until`. */
async function waitCovered(
  upTo: Map<string, number>,
  state: { workers: Map<string, string> },
  until: number,
  distributed: boolean,
  check: () => void,
): Promise<void> {
  const deadline = Date.now() + 5000;
  while (coveredUpTo(upTo, state, distributed) < until && Date.now() < deadline) {
    check();
    await delay(20);
  }
}
