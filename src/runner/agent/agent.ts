/**
 * The agent, preloaded into every Node process of the target through
 * `NODE_OPTIONS=--require …/agent.js`. It connects back to the runner, reports its pid and the
 * addresses its servers listen on, and on command drives `node:inspector` in-process: sampling
 * interval, start, stop. It never keeps the process alive and never lets its own trouble reach
 * the service: every failure is reported to the runner or dropped.
 *
 * Its parts, one concern a file: `capture` (the profiler and the window), `metrics` (the
 * window's figures), `requests` (the service's HTTP requests), `requireHook` and `importHook`
 * (the lock libraries handed back watched, to `require` and to `import`), `locks` (the watching), `sourceMaps` (maps held in memory), `threads` (the
 * process's worker threads, profiled from its main thread through the inspector).
 */
import * as net from 'node:net';
import { isMainThread, threadId } from 'node:worker_threads';
import { DEFAULTS } from '../../vocabulary/defaults';
import { Capture } from './capture';
import { watchImport } from './importHook';
import { LockTracker } from './locks';
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
} from './protocol';
import { watchRequire } from './requireHook';
import { keepTsNodeMaps } from './sourceMaps';

/** Where requests wait for locks: the lock libraries, watched from the moment the service loads one. */
const locks = new LockTracker();

type Send = (message: AgentMessage) => void;

function install(socketPath: string, token: string): void {
  keepTsNodeMaps();
  if (process.env[AGENT_LOCKS_ENV] !== '0') {
    watchRequire(locks);
    watchImport(locks);
  }
  const commands = new Commands();
  const socket = connect(socketPath, () => commands.abandon());
  const send: Send = (message) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
  };
  sayHello(send, token);
  reportListening(send);
  answerCommands(socket, send, commands);
}

/**
 * The channel to the runner, which never keeps the process alive. The runner owns this
 * process's lifetime: if its channel closes while the process still runs (the runner crashed or
 * was killed), the process ends rather than stay behind. A worker thread leaves that to its
 * process's main thread (its socket closes as it exits).
 */
function connect(socketPath: string, onClose: () => void): net.Socket {
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
  socket.once('close', () => {
    onClose();
    if (!connected || !isMainThread) return;
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 5000).unref();
  });
  return socket;
}

/** Who this process is, with the runner's token. */
function sayHello(send: Send, token: string): void {
  send({
    type: 'hello',
    token,
    pid: process.pid,
    ppid: process.ppid,
    threadId,
    node: process.version,
    argv: process.argv.slice(0, 4),
    cwd: process.cwd(),
  });
}

/** Reports every TCP server that starts listening in this process. */
function reportListening(send: Send): void {
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
}

/** Each line from the runner is a command; each gets a reply with its id. */
function answerCommands(socket: net.Socket, send: Send, commands: Commands): void {
  readLines(socket, (line) => {
    let command: AgentCommand;
    try {
      command = JSON.parse(line) as AgentCommand;
    } catch {
      return undefined;
    }
    commands.handle(command).then(
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
}

/** The runner's commands: start (arm) a capture, begin its window, stop it. One at a time. */
class Commands {
  #capture: Capture | undefined;

  async handle(command: AgentCommand): Promise<StartResult | BeginResult | StopResult> {
    switch (command.type) {
      case 'start': {
        if (this.#capture) throw new Error('a capture is already on');
        this.#capture = await Capture.arm(
          locks,
          command.profile,
          command.samplingIntervalUs,
          command.stallThresholdMs ?? DEFAULTS.stallThresholdMs,
        );
        return { startedAt: Date.now() };
      }
      case 'begin': {
        if (!this.#capture) throw new Error('no capture is on');
        return this.#capture.begin(command.drainMs);
      }
      case 'stop': {
        if (!this.#capture) throw new Error('no capture is on');
        const current = this.#capture;
        this.#capture = undefined;
        return current.stop(command.profilePath);
      }
    }
  }

  /** The channel closed: the capture's data has nowhere to go. */
  abandon(): void {
    this.#capture?.abandon();
    this.#capture = undefined;
  }
}

// The agent starts here, below every declaration it uses (a class is not hoisted).
const socketPath = process.env[AGENT_SOCKET_ENV];
const token = process.env[AGENT_TOKEN_ENV];
if (socketPath && token) install(socketPath, token);
