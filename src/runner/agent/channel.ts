import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HotpathError, throwIfCancelled } from '../../vocabulary/errors';
import {
  AGENT_HEAP_ENV,
  AGENT_LOCKS_ENV,
  AGENT_SOCKET_ENV,
  AGENT_TOKEN_ENV,
  type AgentCommand,
  type AgentMessage,
  type BeginResult,
  type ListeningAddress,
  readLines,
  type StartResult,
  type StopResult,
} from './protocol';

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** One agent, in one process of the target (or in one worker thread of such a process). */
export class AgentConnection {
  readonly listening: ListeningAddress[] = [];
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  #gone!: () => void;
  /** Resolves when the agent's connection closes: its process exited or was killed. */
  readonly gone = new Promise<void>((resolve) => {
    this.#gone = resolve;
  });

  constructor(
    private readonly socket: net.Socket,
    readonly pid: number,
    readonly node: string,
    readonly ppid = 0,
    /** 0 for a process's main thread, else the worker thread's id. */
    readonly threadId = 0,
    /** Its first arguments (`node server.js`), joined: to tell processes apart. */
    readonly command = '',
  ) {}

  /** The ports its servers listen on. */
  get ports(): number[] {
    return this.listening.map((l) => l.port);
  }

  /** Arms the capture: the profiler runs from now on, through the warm-up; nothing is kept until `begin`. */
  start(
    profile: boolean,
    samplingIntervalUs: number,
    stallThresholdMs: number,
    timeoutMs: number,
  ): Promise<StartResult> {
    return this.#request(
      { type: 'start', id: 0, profile, samplingIntervalUs, stallThresholdMs },
      timeoutMs,
    ) as Promise<StartResult>;
  }

  /** Opens the measured window once the warm-up's requests have ended (at most `drainMs`). */
  begin(drainMs: number, timeoutMs: number): Promise<BeginResult> {
    return this.#request(
      { type: 'begin', id: 0, drainMs },
      drainMs + timeoutMs,
    ) as Promise<BeginResult>;
  }

  /** Ends the capture; the agent writes the profile to `profilePath` (temp file + rename). */
  stop(profilePath: string | undefined, timeoutMs: number): Promise<StopResult> {
    return this.#request({ type: 'stop', id: 0, profilePath }, timeoutMs) as Promise<StopResult>;
  }

  /** @internal */
  receive(message: AgentMessage): void {
    if (message.type === 'listening') this.listening.push(message.address);
    else if (message.type === 'reply') {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.ok) pending.resolve(message.result);
      else
        pending.reject(
          new HotpathError('AGENT', `the agent in pid ${this.pid} failed: ${message.error}`),
        );
    }
  }

  /** @internal */
  closed(): void {
    this.#gone();
    for (const pending of this.#pending.values()) {
      pending.reject(
        new HotpathError(
          'AGENT',
          `the service process (pid ${this.pid}) went away during the capture`,
        ),
      );
    }
    this.#pending.clear();
  }

  #request(command: AgentCommand, timeoutMs: number): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new HotpathError(
            'AGENT',
            `the agent in pid ${this.pid} did not answer "${command.type}" within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }
}

/**
 * The runner's end of the agent channel: a Unix socket in a fresh folder that only this user
 * can enter, and a random token that every agent must present. Hand `env()` to the target.
 */
export class AgentChannel {
  readonly agents: AgentConnection[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(
    private readonly server: net.Server,
    private readonly folder: string,
    readonly socketPath: string,
    private readonly token: string,
  ) {}

  static async open(): Promise<AgentChannel> {
    // mkdtemp makes the folder with mode 0700: no other user can reach the socket.
    const folder = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'hotpath-'));
    const socketPath = path.join(folder, 'agent.sock');
    const token = randomBytes(24).toString('hex');
    const server = net.createServer();
    const channel = new AgentChannel(server, folder, socketPath, token);
    server.on('connection', (socket) => channel.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await fs.promises.chmod(socketPath, 0o600);
    return channel;
  }

  /** The variables that make a Node process load the agent and find this channel. */
  env(
    agentScript: string,
    inherited: string | undefined,
    {
      watchLocks = true,
      allocations = false,
    }: { watchLocks?: boolean; allocations?: boolean } = {},
  ): Record<string, string> {
    const requireAgent = `--require ${JSON.stringify(agentScript)}`;
    return {
      [AGENT_SOCKET_ENV]: this.socketPath,
      [AGENT_TOKEN_ENV]: this.token,
      [AGENT_LOCKS_ENV]: watchLocks ? '1' : '0',
      [AGENT_HEAP_ENV]: allocations ? '1' : '0',
      NODE_OPTIONS: inherited ? `${inherited} ${requireAgent}` : requireAgent,
    };
  }

  /**
   * The agent whose process listens on `port`. Resolves as soon as one reports it; rejects
   * when `signal` fires or `give_up` resolves first.
   */
  async agentListeningOn(
    port: number,
    signal: AbortSignal | undefined,
    giveUp: Promise<unknown>,
  ): Promise<AgentConnection> {
    for (;;) {
      throwIfCancelled(signal);
      const found = this.agents.find((a) => a.listening.some((l) => l.port === port));
      if (found) return found;
      let wake!: () => void;
      const changed = new Promise<void>((resolve) => {
        wake = resolve;
      });
      this.#waiters.add(wake);
      const onAbort = () => wake();
      signal?.addEventListener('abort', onAbort, { once: true });
      const stop = await Promise.race([changed.then(() => false), giveUp.then(() => true)]);
      this.#waiters.delete(wake);
      signal?.removeEventListener('abort', onAbort);
      if (stop) {
        const again = this.agents.find((a) => a.listening.some((l) => l.port === port));
        if (again) return again;
        throw new HotpathError(
          'TARGET_NOT_OURS',
          `no process started by Hotpath listens on port ${port}`,
        );
      }
    }
  }

  /** Resolves at the next message of any agent (a hello, an address), or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.#waiters;
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await fs.promises.rm(this.folder, { recursive: true, force: true });
  }

  #accept(socket: net.Socket): void {
    socket.on('error', () => {});
    let connection: AgentConnection | undefined;
    // A peer that does not present the token at once is dropped.
    const hello = setTimeout(() => socket.destroy(), 5000);
    // Before the hello, a line is at most a small message: a peer cannot make us buffer much.
    readLines(
      socket,
      (line) => {
        let message: AgentMessage;
        try {
          message = JSON.parse(line) as AgentMessage;
        } catch {
          return false;
        }
        if (!connection) {
          if (message.type !== 'hello' || !sameToken(message.token, this.token)) return false;
          clearTimeout(hello);
          connection = new AgentConnection(
            socket,
            message.pid,
            message.node,
            message.ppid,
            // An agent of an older Hotpath sends no threadId.
            typeof message.threadId === 'number' ? message.threadId : 0,
            Array.isArray(message.argv) ? commandOf(message.argv, message.cwd) : '',
          );
          this.agents.push(connection);
        } else {
          connection.receive(message);
        }
        for (const wake of this.#waiters) wake();
        return undefined;
      },
      1 << 20,
    );
    socket.on('close', () => {
      clearTimeout(hello);
      connection?.closed();
    });
  }
}

/**
 * `/usr/bin/node /srv/app/dist/main.js --flag`, run in /srv/app, as `node dist/main.js --flag`:
 * the script as its folder names it (a script elsewhere by its file name), short enough for a
 * summary line.
 */
export function commandOf(argv: unknown[], cwd?: unknown): string {
  const script = (file: string) => {
    if (typeof cwd !== 'string' || !path.isAbsolute(file)) return path.basename(file);
    const relative = path.relative(cwd, file);
    return relative && !relative.startsWith('..') && !path.isAbsolute(relative)
      ? relative
      : path.basename(file);
  };
  return argv
    .filter((a): a is string => typeof a === 'string')
    .map((a, i) => (i === 0 ? path.basename(a) : i === 1 ? script(a) : a))
    .join(' ')
    .slice(0, 200);
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
