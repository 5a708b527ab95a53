/**
 * The agent, preloaded into every Node process of the target through
 * `NODE_OPTIONS=--require …/agent.js`. It connects back to the runner, reports its pid and the
 * addresses its servers listen on, and on command drives `node:inspector` in-process: sampling
 * interval, start, stop. It never keeps the process alive and never lets its own trouble reach
 * the service: every failure is reported to the runner or dropped.
 */
import * as diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import * as inspector from 'node:inspector';
import Module, { findSourceMap } from 'node:module';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  monitorEventLoopDelay,
  PerformanceObserver,
  constants as perfConstants,
  performance,
} from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { isMainThread, threadId } from 'node:worker_threads';
import type { AgentMetrics } from '../../record/load';
import { writeFileAtomic } from '../files';
import { isAsyncMutex, type LockReport, LockTracker } from './locks';
import {
  AGENT_LOCKS_ENV,
  AGENT_SOCKET_ENV,
  AGENT_TOKEN_ENV,
  type AgentCommand,
  type AgentMessage,
  type BeginResult,
  readLines,
  type StartResult,
  type StopResult,
  sourceMapsFileOf,
} from './protocol';

const socketPath = process.env[AGENT_SOCKET_ENV];
const token = process.env[AGENT_TOKEN_ENV];
if (socketPath && token) install(socketPath, token);

/** Where requests wait for locks: async-mutex, watched from the moment the service loads it. */
const locks = new LockTracker();

function install(socketPath: string, token: string): void {
  let capture: Capture | undefined;
  keepTsNodeMaps();
  if (process.env[AGENT_LOCKS_ENV] !== '0') watchRequire();
  const socket = net.createConnection(socketPath);
  socket.unref();
  socket.setNoDelay(true);
  socket.on('error', () => {
    /* reported through 'close' */
  });
  let connected = false;
  socket.once('connect', () => {
    connected = true;
  });
  // The runner owns this process's lifetime: if its channel closes while the process still
  // runs (the runner crashed or was killed), end the process rather than leave it behind. A
  // worker thread leaves that to its process's main thread (its socket closes as it exits).
  socket.once('close', () => {
    capture?.abandon();
    capture = undefined;
    if (!connected || !isMainThread) return;
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 5000).unref();
  });
  const send = (message: AgentMessage) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
  };
  send({
    type: 'hello',
    token,
    pid: process.pid,
    ppid: process.ppid,
    threadId,
    node: process.version,
    argv: process.argv.slice(0, 4),
  });

  // Report every TCP server that starts listening in this process.
  const originalListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listen(this: net.Server, ...args: unknown[]) {
    this.once('listening', () => {
      const address = this.address();
      if (address && typeof address === 'object') send({ type: 'listening', address });
      // A unix socket or a Windows pipe: said, so that the runner can tell the user at once.
      else if (typeof address === 'string')
        send({ type: 'listening', address: { address, port: -1, family: 'unix' } });
    });
    return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof originalListen;

  readLines(socket, (line) => {
    let command: AgentCommand;
    try {
      command = JSON.parse(line) as AgentCommand;
    } catch {
      return undefined;
    }
    handle(command).then(
      (result) => send({ type: 'reply', id: command.id, ok: true, result }),
      (error: unknown) =>
        send({
          type: 'reply',
          id: command.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        }),
    );
    return undefined;
  });

  async function handle(command: AgentCommand): Promise<StartResult | BeginResult | StopResult> {
    switch (command.type) {
      case 'start': {
        if (capture) throw new Error('a capture is already on');
        capture = await Capture.arm(command.profile, command.samplingIntervalUs);
        return { startedAt: Date.now() };
      }
      case 'begin': {
        if (!capture) throw new Error('no capture is on');
        return capture.begin(command.drainMs);
      }
      case 'stop': {
        if (!capture) throw new Error('no capture is on');
        const current = capture;
        capture = undefined;
        return current.stop(command.profilePath);
      }
    }
  }
}

/**
 * ts-node hands Node its JavaScript with an inline source map, which Node keeps (for the profile's
 * lines, through findSourceMap) only with source maps enabled. ts-node maps its stack traces
 * itself (source-map-support's Error.prepareStackTrace, which takes precedence), so turning Node's
 * on changes nothing the service shows; it is done only when ts-node runs the service.
 */
function keepTsNodeMaps(): void {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? '', process.argv[1] ?? ''];
  if (!flags.some((flag) => /(^|[\\/\s=])ts-node([\\/]|$)/.test(flag))) return;
  try {
    process.setSourceMapsEnabled(true);
  } catch {
    /* an older Node: lines stay as generated, with the note */
  }
}

/**
 * Hands the service a watched async-mutex when it requires it (by name: other modules' exports
 * are never touched). An ES module import of it is not seen: its waits are then simply absent.
 */
function watchRequire(): void {
  // `async-mutex`, `async-mutex/lib/index.js`, or a vendored `./vendor/async-mutex`.
  const ASYNC_MUTEX_ID = /(^|[\\/])async-mutex([\\/]|$)/;
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  const original = proto.require;
  keepOwnFrameOutOfCrashes();
  proto.require = function hotpathRequire(this: unknown, id: string) {
    // biome-ignore lint/complexity/noArguments: passed on exactly as given
    const exports = original.apply(this, arguments as unknown as [string]);
    if (ASYNC_MUTEX_ID.test(id) && isAsyncMutex(exports)) {
      try {
        return locks.instrument(exports as object, packageVersion(this, id));
      } catch {
        return exports;
      }
    }
    return exports;
  };
}

/**
 * A module that throws while it loads (or is not found) throws through the require hook, so a
 * service that crashes on start would print `Module.hotpathRequire` of Hotpath's bundle between
 * its own frames. Just before Node prints an uncaught exception, that line is taken out of its
 * stack. (Catching and rethrowing in the hook would move Node's `^` marker to the rethrow; V8
 * has no way to keep a frame out of the traces a service logs itself.)
 */
function keepOwnFrameOutOfCrashes(): void {
  process.on('uncaughtExceptionMonitor', (error) => {
    try {
      if (error instanceof Error && typeof error.stack === 'string') {
        error.stack = error.stack
          .split('\n')
          .filter((line) => !/^\s+at (\S+\.)?hotpathRequire\b/.test(line))
          .join('\n');
      }
    } catch {
      /* a frozen error, or a getter-only stack: left as it is */
    }
  });
}

/** The version of the package `id` resolves to from `parent`, from its package.json. */
function packageVersion(parent: unknown, id: string): string | undefined {
  try {
    const resolve = (
      Module as unknown as { _resolveFilename: (id: string, parent: unknown) => string }
    )._resolveFilename;
    let dir = path.dirname(resolve(id, parent));
    for (let i = 0; i < 5; i++) {
      const file = path.join(dir, 'package.json');
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'async-mutex') return pkg.version;
      } catch {
        /* not here: one folder up */
      }
      dir = path.dirname(dir);
    }
  } catch {
    /* unknown */
  }
  return undefined;
}

/**
 * One capture. `arm` turns the CPU profiler on, before the warm-up: V8 (11.x, Node 20) does
 * not log code that was optimized while no profiler ran, and samples in such code lose their
 * frames (a warmed-up /cpu handler showed as `runMicrotasks` in about one run in six). `begin`
 * opens the measured window: a second profile on the same profiler (`console.profile`, which
 * shares its code map), and the metrics. `stop` ends both and keeps only the window's.
 */
class Capture {
  #window: Window | undefined;
  readonly #requests = new Requests();

  private constructor(
    private readonly session: inspector.Session | undefined,
    private readonly samplingIntervalUs: number | undefined,
  ) {}

  static async arm(profile: boolean, samplingIntervalUs: number): Promise<Capture> {
    if (!profile) return new Capture(undefined, undefined);
    const session = new inspector.Session();
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await post(session, 'Profiler.start');
    return new Capture(session, samplingIntervalUs);
  }

  /**
   * Opens the measured window once the requests that came in since `arm` (the warm-up's) have
   * ended, or after `drainMs`: a warm-up leaves work queued in the service (requests waiting
   * for a lock, say) that would otherwise run inside the window and be charged to it.
   */
  async begin(drainMs: number): Promise<BeginResult> {
    if (this.#window) throw new Error('the window is open already');
    const { drainedMs, leftInFlight } = await this.#requests.drain(drainMs);
    this.#requests.count();
    const startedAt = await this.#open();
    return { startedAt, drainedMs, leftInFlight };
  }

  async #open(): Promise<number> {
    const title = `hotpath-window-${process.pid}-${threadId}-${Date.now()}`;
    if (this.session) {
      console.profile(title);
      // The window's profile keeps the profiler (and its code log) alive: the warm-up's profile
      // can go, so that only one profile records samples during the window.
      await post(this.session, 'Profiler.stop');
    }
    // Metrics last: the load starts right after, with nothing more for the agent to do.
    this.#window = new Window(title);
    locks.start();
    return this.#window.startedAt;
  }

  /** Ends the capture and throws its data away. */
  abandon(): void {
    this.#requests.close();
    locks.stop();
    this.#window?.close();
    this.session?.disconnect();
  }

  async stop(profilePath: string | undefined): Promise<StopResult> {
    const window = this.#window;
    if (!window) {
      this.abandon();
      throw new Error('the capture window was never opened');
    }
    const lockReport = locks.stop();
    const requests = this.#requests.close();
    let profileJson: string | undefined;
    let sourceMaps: Record<string, unknown> = {};
    if (this.session) {
      const session = this.session;
      const finished = new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the profiler did not finish the window')),
          10_000,
        );
        session.on(
          'Profiler.consoleProfileFinished',
          (message: { params: { title?: string; profile: unknown } }) => {
            if (message.params.title !== window.title) return;
            clearTimeout(timer);
            resolve(message.params.profile);
          },
        );
      });
      console.profileEnd(window.title);
      try {
        const profile = await finished;
        profileJson = JSON.stringify(profile);
        sourceMaps = heldSourceMaps(profile, lockUrls(lockReport));
      } finally {
        session.disconnect();
      }
    }
    const metrics = window.close(this.samplingIntervalUs);
    let profileBytes = 0;
    const mapCount = Object.keys(sourceMaps).length;
    if (profileJson !== undefined && profilePath) {
      await writeFileAtomic(profilePath, profileJson);
      profileBytes = Buffer.byteLength(profileJson);
      if (mapCount > 0) {
        await writeFileAtomic(sourceMapsFileOf(profilePath), JSON.stringify(sourceMaps));
      }
    }
    return {
      profileBytes,
      metrics,
      requests,
      sourceMaps: mapCount,
      ...(lockReport ? { locks: lockReport } : {}),
    };
  }
}

/**
 * The HTTP requests this process (or thread) receives, through Node's own diagnostics channels
 * (http and https servers, whatever framework is on top): which are still in the service's
 * hands, then how many came in during the window. A request is in the service's hands until
 * its response is ended: a client that hangs up does not end the work its request started.
 */
class Requests {
  /** Responses not yet ended, while draining matters (from arm to the window). */
  #live: Set<{ writableEnded: boolean }> | undefined = new Set();
  #counted = 0;
  readonly #onStart = (message: unknown) => {
    const { response } = message as { response: { writableEnded: boolean } };
    this.#live?.add(response);
    this.#counted++;
  };
  readonly #onFinish = (message: unknown) => {
    this.#live?.delete((message as { response: { writableEnded: boolean } }).response);
  };

  constructor() {
    diagnostics.subscribe('http.server.request.start', this.#onStart);
    diagnostics.subscribe('http.server.response.finish', this.#onFinish);
  }

  /** Waits until every response started so far is ended, for at most `ms`. */
  async drain(ms: number): Promise<{ drainedMs: number; leftInFlight: number }> {
    const started = Date.now();
    const live = this.#live ?? new Set();
    for (;;) {
      // A response whose client hung up never fires 'finish': it is done once it is ended.
      for (const response of live) if (response.writableEnded) live.delete(response);
      if (live.size === 0 || Date.now() - started >= ms)
        return { drainedMs: Date.now() - started, leftInFlight: live.size };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** From now on only counts requests (the window's). */
  count(): void {
    this.#live = undefined;
    this.#counted = 0;
  }

  /** Stops listening; returns the requests counted. */
  close(): number {
    diagnostics.unsubscribe('http.server.request.start', this.#onStart);
    diagnostics.unsubscribe('http.server.response.finish', this.#onFinish);
    this.#live = undefined;
    return this.#counted;
  }
}

/** The service's metrics over the measured window. */
class Window {
  readonly startedAt = Date.now();
  readonly #elu = performance.eventLoopUtilization();
  readonly #cpu = process.cpuUsage();
  readonly #delay = monitorEventLoopDelay({ resolution: 10 });
  readonly #gcByKind: Record<string, { count: number; totalMs: number }> = {};
  readonly #gc: PerformanceObserver;
  readonly #heap: { startUsedBytes: number; peakUsedBytes: number; peakRssBytes: number };
  readonly #heapTimer: NodeJS.Timeout;

  constructor(readonly title: string) {
    this.#gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = gcKindName((entry as { detail?: { kind?: number } }).detail?.kind);
        const slot = this.#gcByKind[kind] ?? { count: 0, totalMs: 0 };
        slot.count++;
        slot.totalMs += entry.duration;
        this.#gcByKind[kind] = slot;
      }
    });
    this.#gc.observe({ entryTypes: ['gc'] });
    this.#delay.enable();
    const memory = process.memoryUsage();
    const heap = {
      startUsedBytes: memory.heapUsed,
      peakUsedBytes: memory.heapUsed,
      peakRssBytes: memory.rss,
    };
    this.#heap = heap;
    this.#heapTimer = setInterval(() => {
      const m = process.memoryUsage();
      heap.peakUsedBytes = Math.max(heap.peakUsedBytes, m.heapUsed);
      heap.peakRssBytes = Math.max(heap.peakRssBytes, m.rss);
    }, 100);
    this.#heapTimer.unref();
  }

  close(samplingIntervalUs?: number): AgentMetrics {
    const wallMs = Date.now() - this.startedAt;
    const elu = performance.eventLoopUtilization(this.#elu);
    const cpu = process.cpuUsage(this.#cpu);
    this.#delay.disable();
    this.#gc.disconnect();
    clearInterval(this.#heapTimer);
    const memory = process.memoryUsage();
    const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const kinds = Object.values(this.#gcByKind);
    const gcTotalMs = kinds.reduce((sum, k) => sum + k.totalMs, 0);
    return {
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      cpuShare: wallMs > 0 ? (cpu.user + cpu.system) / 1000 / wallMs : 0,
      eventLoopUtilization: elu.utilization,
      eventLoopDelayMs: {
        min: ms(this.#delay.min),
        mean: ms(this.#delay.mean),
        p50: ms(this.#delay.percentile(50)),
        p90: ms(this.#delay.percentile(90)),
        p99: ms(this.#delay.percentile(99)),
        max: ms(this.#delay.max),
      },
      gc: {
        count: kinds.reduce((sum, k) => sum + k.count, 0),
        totalMs: gcTotalMs,
        share: wallMs > 0 ? gcTotalMs / wallMs : 0,
        byKind: this.#gcByKind,
      },
      heap: {
        startUsedBytes: this.#heap.startUsedBytes,
        endUsedBytes: memory.heapUsed,
        peakUsedBytes: Math.max(this.#heap.peakUsedBytes, memory.heapUsed),
        peakRssBytes: Math.max(this.#heap.peakRssBytes, memory.rss),
      },
      samplingIntervalUs,
    };
  }
}

/**
 * The source maps Node holds in memory for the profile's scripts. A service run by tsx or
 * ts-node (or with --enable-source-maps) was compiled in memory: its maps are nowhere on disk.
 */
function heldSourceMaps(profile: unknown, more: string[] = []): Record<string, unknown> {
  const maps: Record<string, unknown> = {};
  const nodes = (profile as { nodes?: { callFrame?: { url?: string } }[] }).nodes ?? [];
  const urls = [...nodes.map((node) => node.callFrame?.url), ...more];
  const seen = new Set<string>();
  for (const url of urls) {
    if (!url || seen.has(url) || !(url.startsWith('file:') || path.isAbsolute(url))) continue;
    seen.add(url);
    try {
      const map =
        findSourceMap(url) ??
        findSourceMap(url.startsWith('file:') ? url : pathToFileURL(url).href);
      if (map?.payload) maps[url] = map.payload;
    } catch {
      /* no map for this script */
    }
  }
  return maps;
}

/** The scripts of the lock report's stacks: their maps are saved with the profile's. */
function lockUrls(report: LockReport | undefined): string[] {
  if (!report) return [];
  return [
    ...report.sites.flatMap((site) => site.stack.map((frame) => frame.url)),
    ...report.locks.flatMap((lock) => (lock.created ?? []).map((frame) => frame.url)),
  ];
}

function gcKindName(kind: number | undefined): string {
  switch (kind) {
    case perfConstants.NODE_PERFORMANCE_GC_MINOR:
      return 'minor';
    case perfConstants.NODE_PERFORMANCE_GC_MAJOR:
      return 'major';
    case perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental';
    case perfConstants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weakcb';
    default:
      return 'other';
  }
}

function post(session: inspector.Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}
