/**
 * The agent, preloaded into every Node process of the target through
 * `NODE_OPTIONS=--require …/agent.js`. It connects back to the runner, reports its pid and the
 * addresses its servers listen on, and on command drives `node:inspector` in-process: sampling
 * interval, start, stop. It never keeps the process alive and never lets its own trouble reach
 * the service: every failure is reported to the runner or dropped.
 */
import * as inspector from 'node:inspector';
import * as net from 'node:net';
import {
  monitorEventLoopDelay,
  PerformanceObserver,
  constants as perfConstants,
  performance,
} from 'node:perf_hooks';
import { writeFileAtomic } from '../files';
import {
  AGENT_SOCKET_ENV,
  AGENT_TOKEN_ENV,
  type AgentCommand,
  type AgentMessage,
  type AgentMetrics,
  type StartResult,
  type StopResult,
} from './protocol';

const socketPath = process.env[AGENT_SOCKET_ENV];
const token = process.env[AGENT_TOKEN_ENV];
if (socketPath && token) install(socketPath, token);

function install(socketPath: string, token: string): void {
  let capture: Capture | undefined;
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
  // runs (the runner crashed or was killed), end the process rather than leave it behind.
  socket.once('close', () => {
    capture?.abandon();
    capture = undefined;
    if (!connected) return;
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
    node: process.version,
    argv: process.argv.slice(0, 4),
  });

  // Report every TCP server that starts listening in this process.
  const originalListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listen(this: net.Server, ...args: unknown[]) {
    this.once('listening', () => {
      const address = this.address();
      if (address && typeof address === 'object') send({ type: 'listening', address });
    });
    return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof originalListen;

  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let command: AgentCommand;
      try {
        command = JSON.parse(line) as AgentCommand;
      } catch {
        continue;
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
    }
  });

  async function handle(command: AgentCommand): Promise<StartResult | StopResult> {
    switch (command.type) {
      case 'start': {
        if (capture) throw new Error('a capture is already on');
        capture = await Capture.start(command.profile, command.samplingIntervalUs);
        return { startedAt: capture.startedAt };
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

/** One capture window: the CPU profile and the metrics measured over the same time. */
class Capture {
  private constructor(
    private readonly session: inspector.Session | undefined,
    private readonly samplingIntervalUs: number | undefined,
    readonly startedAt: number,
    private readonly elu: ReturnType<typeof performance.eventLoopUtilization>,
    private readonly cpu: NodeJS.CpuUsage,
    private readonly delay: ReturnType<typeof monitorEventLoopDelay>,
    private readonly gc: {
      observer: PerformanceObserver;
      byKind: Record<string, { count: number; totalMs: number }>;
    },
    private readonly heap: {
      startUsedBytes: number;
      peakUsedBytes: number;
      peakRssBytes: number;
      timer: NodeJS.Timeout;
    },
  ) {}

  static async start(profile: boolean, samplingIntervalUs: number): Promise<Capture> {
    let session: inspector.Session | undefined;
    if (profile) {
      session = new inspector.Session();
      session.connect();
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    }
    const byKind: Record<string, { count: number; totalMs: number }> = {};
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = gcKindName((entry as { detail?: { kind?: number } }).detail?.kind);
        const slot = byKind[kind] ?? { count: 0, totalMs: 0 };
        slot.count++;
        slot.totalMs += entry.duration;
        byKind[kind] = slot;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const memory = process.memoryUsage();
    const heap = {
      startUsedBytes: memory.heapUsed,
      peakUsedBytes: memory.heapUsed,
      peakRssBytes: memory.rss,
      timer: setInterval(() => {
        const m = process.memoryUsage();
        heap.peakUsedBytes = Math.max(heap.peakUsedBytes, m.heapUsed);
        heap.peakRssBytes = Math.max(heap.peakRssBytes, m.rss);
      }, 100),
    };
    heap.timer.unref();
    if (session) await post(session, 'Profiler.start');
    return new Capture(
      session,
      profile ? samplingIntervalUs : undefined,
      Date.now(),
      performance.eventLoopUtilization(),
      process.cpuUsage(),
      delay,
      { observer, byKind },
      heap,
    );
  }

  /** Ends the capture and throws its data away. */
  abandon(): void {
    this.session?.disconnect();
    this.delay.disable();
    this.gc.observer.disconnect();
    clearInterval(this.heap.timer);
  }

  async stop(profilePath: string | undefined): Promise<StopResult> {
    let profileJson: string | undefined;
    if (this.session) {
      const { profile } = (await post(this.session, 'Profiler.stop')) as { profile: unknown };
      this.session.disconnect();
      profileJson = JSON.stringify(profile);
    }
    const wallMs = Date.now() - this.startedAt;
    const elu = performance.eventLoopUtilization(this.elu);
    const cpu = process.cpuUsage(this.cpu);
    this.delay.disable();
    this.gc.observer.disconnect();
    clearInterval(this.heap.timer);
    const memory = process.memoryUsage();
    const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const gcTotalMs = Object.values(this.gc.byKind).reduce((sum, k) => sum + k.totalMs, 0);
    const metrics: AgentMetrics = {
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      cpuShare: wallMs > 0 ? (cpu.user + cpu.system) / 1000 / wallMs : 0,
      eventLoopUtilization: elu.utilization,
      eventLoopDelayMs: {
        min: ms(this.delay.min),
        mean: ms(this.delay.mean),
        p50: ms(this.delay.percentile(50)),
        p90: ms(this.delay.percentile(90)),
        p99: ms(this.delay.percentile(99)),
        max: ms(this.delay.max),
      },
      gc: {
        count: Object.values(this.gc.byKind).reduce((sum, k) => sum + k.count, 0),
        totalMs: gcTotalMs,
        share: wallMs > 0 ? gcTotalMs / wallMs : 0,
        byKind: this.gc.byKind,
      },
      heap: {
        startUsedBytes: this.heap.startUsedBytes,
        endUsedBytes: memory.heapUsed,
        peakUsedBytes: Math.max(this.heap.peakUsedBytes, memory.heapUsed),
        peakRssBytes: Math.max(this.heap.peakRssBytes, memory.rss),
      },
      samplingIntervalUs: this.samplingIntervalUs,
    };
    let profileBytes = 0;
    if (profileJson !== undefined && profilePath) {
      await writeFileAtomic(profilePath, profileJson);
      profileBytes = Buffer.byteLength(profileJson);
    }
    return { profileBytes, metrics };
  }
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
