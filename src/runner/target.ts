import { type ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import type { TargetSpec } from '../record/run';
import { type ErrorCode, HotpathError, throwIfCancelled } from '../vocabulary/errors';
import { bundle } from '../vocabulary/paths';
import { optionRef } from '../vocabulary/words';
import type { AgentChannel, AgentConnection } from './agent/channel';
import { openInspector } from './attach/signal';
import { findServicePort, type Listener, noAgent } from './listening';
import { type PortOwner, portOwner } from './portOwner';

/** A target that answers: the service Hotpath started (with its agent), or a URL. */
export interface StartedTarget {
  /** The origin the load goes to, such as http://127.0.0.1:41234. */
  url: string;
  /** The pid of the process Hotpath started (the leader of its process group). */
  pid: number | undefined;
  /** The agent in the process that serves `url`; none for a URL Hotpath did not start. */
  agent: AgentConnection | undefined;
  /** Ends the whole process tree that Hotpath started; nothing for a URL. Safe to call twice. */
  stop(): Promise<void>;
  /** The last lines the process wrote to stderr. */
  stderrTail(): string;
  /** How the process Hotpath started ended ("was killed by SIGKILL"), once it has. */
  howItEnded(): string | undefined;
  /** A process it started without the agent, its inspector opened by SIGUSR1 (`attachSignal`). */
  opened?: { inspector: string; pid: number };
}

export interface StartTargetOptions {
  channel: AgentChannel;
  nodePath: string;
  readyTimeoutSec: number;
  /** false: the agent leaves the service's locks alone. */
  watchLocks?: boolean;
  /** true: the agent samples the window's allocations. */
  allocations?: boolean;
  /** true: an https target's certificate is not checked (self-signed on loopback). */
  insecure?: boolean;
  signal: AbortSignal | undefined;
  /** Told the pid as soon as the process runs, before it is ready. */
  onSpawned?: ((pid: number) => void) | undefined;
}

const POLL_MS = 100;
const TERM_GRACE_MS = 3000;

export async function startTarget(
  spec: TargetSpec,
  options: StartTargetOptions,
): Promise<StartedTarget> {
  throwIfCancelled(options.signal);
  // A service already running (attached to through its inspector, or only loaded): never stopped.
  if (spec.kind === 'url' || spec.kind === 'attach') {
    await waitUntilAnswers(
      spec.url,
      options.readyTimeoutSec * 1000,
      options.signal,
      undefined,
      options.insecure,
    );
    return {
      url: spec.url,
      pid: undefined,
      agent: undefined,
      stop: async () => {},
      stderrTail: () => '',
      howItEnded: () => undefined,
    };
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.channel.env(bundle('agent.js'), process.env.NODE_OPTIONS, options),
  };
  // Inside VS Code, process.execPath is Electron: it runs as plain Node only with this set.
  if (
    spec.kind === 'sample' &&
    process.versions.electron &&
    options.nodePath === process.execPath
  ) {
    env.ELECTRON_RUN_AS_NODE = '1';
  }
  // Its own process group (detached), so that stopping it reaches everything it started.
  const child =
    spec.kind === 'sample'
      ? spawn(options.nodePath, [bundle('sampleService.js'), '--port', '0'], {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          env,
        })
      : spawn(spec.command, {
          shell: true,
          cwd: spec.cwd,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          env,
        });
  const process_ = new TargetProcess(
    child,
    spec.kind === 'sample' ? 'the sample service' : `the service \`${spec.command}\``,
  );
  try {
    const spawned = await process_.spawned;
    if (!spawned.ok)
      throw new HotpathError(
        'TARGET_EXITED',
        `could not start ${process_.label}: ${spawned.error}`,
      );
    if (child.pid !== undefined) options.onSpawned?.(child.pid);
    const deadline = delay(options.readyTimeoutSec * 1000);
    const giveUp = Promise.race([process_.exited, deadline, aborted(options.signal)]);

    let url: string;
    let agent: AgentConnection | undefined;
    let opened: StartedTarget['opened'];
    if (spec.kind === 'sample') {
      const line = await Promise.race([process_.listeningLine, giveUp.then(() => undefined)]);
      throwIfCancelled(options.signal);
      if (line === undefined) throw process_.notReadyError(undefined, options.readyTimeoutSec);
      url = line;
      try {
        agent = await options.channel.agentListeningOn(portOf(url), options.signal, giveUp);
      } catch (error) {
        throwIfCancelled(options.signal);
        if (process_.hasExited) throw process_.exitError();
        throw error;
      }
    } else {
      const found = await waitForPort(spec.url, options, process_, `\`${spec.command}\``, spec);
      url = found.url;
      const port = portOf(url);
      agent = options.channel.agents.find((a) => a.ports.includes(port));
      if (found.withoutAgent !== undefined)
        opened = {
          inspector: await openInspector(found.withoutAgent, () => process_.stderrTail()),
          pid: found.withoutAgent,
        };
    }
    if (!agent && !opened) throw process_.notReadyError(url, options.readyTimeoutSec);
    await waitUntilAnswers(
      url,
      options.readyTimeoutSec * 1000,
      options.signal,
      process_,
      options.insecure,
    );
    return {
      url,
      pid: child.pid,
      agent,
      stop: () => process_.stop(),
      stderrTail: () => process_.stderrTail(),
      howItEnded: () => (process_.hasExited ? process_.how() : undefined),
      ...(opened ? { opened } : {}),
    };
  } catch (error) {
    await process_.stop();
    throw error;
  }
}

/**
 * Waits until the service listens where it can be loaded: the port of `url`, or without one the
 * single port it opens. Says at once when it will not fit (see findServicePort). A process the
 * command started that answers at `url` without the agent is returned (`withoutAgent`, its pid)
 * instead of failing when the spec asks to open its inspector (`attachSignal`).
 */
async function waitForPort(
  url: string | undefined,
  options: StartTargetOptions,
  process_: TargetProcess,
  label: string,
  spec: { attachSignal?: boolean },
): Promise<{ url: string; withoutAgent?: number }> {
  const started = Date.now();
  const deadline = started + options.readyTimeoutSec * 1000;
  let firstAt: number | undefined;
  let lastAt = started;
  let seen = 0;
  let answersAtUrl = false;
  let owner: PortOwner | undefined;
  let probedAt = 0;
  for (;;) {
    throwIfCancelled(options.signal);
    if (process_.hasExited) throw process_.exitError();
    const listening: Listener[] = options.channel.agents.flatMap((a) =>
      a.listening.map((l) => ({ ...l, pid: a.pid })),
    );
    const now = Date.now();
    if (listening.length !== seen) {
      seen = listening.length;
      firstAt ??= now;
      lastAt = now;
    }
    // Whether anything answers at the URL matters only while nothing of ours listens on its port.
    if (url && !listening.some((l) => l.port === portOf(url)) && now - probedAt >= 500) {
      answersAtUrl = await answers(url, 500);
      probedAt = Date.now();
      // Who answers there, then: a process the command started without the agent, or another.
      owner = answersAtUrl ? portOwner(portOf(url), process_.child.pid) : undefined;
    }
    const finding = findServicePort(
      {
        url,
        listening,
        agents: options.channel.agents.length,
        answersAtUrl,
        owner,
        sinceStartMs: now - started,
        sinceFirstListenMs: firstAt === undefined ? 0 : now - firstAt,
        quietMs: now - lastAt,
      },
      label,
    );
    if (finding.kind === 'found') return { url: finding.url };
    if (
      url &&
      finding.kind === 'error' &&
      finding.code === 'NO_AGENT' &&
      spec.attachSignal &&
      owner?.startedByRoot
    )
      return { url, withoutAgent: owner.pid };
    if (finding.kind === 'error') throw process_.errorWithTail(finding.code, finding.message);
    if (now >= deadline) {
      if (options.channel.agents.length === 0) {
        const none = noAgent(label);
        throw process_.errorWithTail(none.code, none.message);
      }
      throw process_.notReadyError(url, options.readyTimeoutSec);
    }
    await options.channel.changed(100);
  }
}

/** The sample service, started to be tried by hand (no agent, no profile): "Start Sample Service". */
export interface RunningService {
  url: string;
  pid: number | undefined;
  /** Resolves when the process has exited, whoever ended it. */
  exited: Promise<void>;
  /** Ends its process group: SIGTERM, then SIGKILL after a grace period. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startSampleService(options: {
  nodePath: string;
  readyTimeoutSec: number;
}): Promise<RunningService> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (process.versions.electron && options.nodePath === process.execPath)
    env.ELECTRON_RUN_AS_NODE = '1';
  const child = spawn(options.nodePath, [bundle('sampleService.js'), '--port', '0'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const process_ = new TargetProcess(child, 'the sample service');
  try {
    const spawned = await process_.spawned;
    if (!spawned.ok)
      throw new HotpathError(
        'TARGET_EXITED',
        `could not start the sample service: ${spawned.error}`,
      );
    const giveUp = Promise.race([process_.exited, delay(options.readyTimeoutSec * 1000)]);
    const url = await Promise.race([process_.listeningLine, giveUp.then(() => undefined)]);
    if (url === undefined) throw process_.notReadyError(undefined, options.readyTimeoutSec);
    return { url, pid: child.pid, exited: process_.exited, stop: () => process_.stop() };
  } catch (error) {
    await process_.stop();
    throw error;
  }
}

/** A process Hotpath started: its output tails, its exit, and how to end its tree. */
class TargetProcess {
  readonly spawned: Promise<{ ok: true } | { ok: false; error: string }>;
  readonly exited: Promise<void>;
  readonly listeningLine: Promise<string>;
  hasExited = false;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly #stderr: string[] = [];
  #thrown: string[] | undefined;
  #stopping: Promise<void> | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    this.spawned = new Promise((resolve) => {
      child.once('spawn', () => resolve({ ok: true }));
      child.once('error', (error) => resolve({ ok: false, error: error.message }));
    });
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        this.hasExited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      };
      child.once('exit', done);
      child.once('error', () => done(null, null));
    });
    let stdout = '';
    this.listeningLine = new Promise((resolve) => {
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        stdout = (stdout + chunk).slice(-16_384);
        for (let nl = stdout.indexOf('\n'); nl >= 0; nl = stdout.indexOf('\n')) {
          const line = stdout.slice(0, nl);
          stdout = stdout.slice(nl + 1);
          this.#keep(line);
          try {
            const parsed = JSON.parse(line) as { event?: string; url?: string };
            if (parsed.event === 'listening' && typeof parsed.url === 'string') resolve(parsed.url);
          } catch {
            /* an ordinary log line */
          }
        }
      });
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      const lines = stderr.split('\n');
      stderr = lines.pop() ?? '';
      for (const line of lines) this.#keep(line);
    });
    child.stderr?.on('end', () => {
      if (stderr) this.#keep(stderr);
      stderr = '';
    });
  }

  #keep(line: string): void {
    const kept = line.length > 500 ? `${line.slice(0, 500)}…` : line;
    // Node reports an uncaught exception with `<file>:<line>`, the source line, a ^ and the
    // error, then a stack that can push all of that out of the last 20 lines: kept apart.
    if (/^(\/|file:|[A-Za-z]:\\|node:)\S*:\d+$/.test(line)) this.#thrown = [kept];
    else if (this.#thrown && this.#thrown.length < 5) this.#thrown.push(kept);
    this.#stderr.push(kept);
    if (this.#stderr.length > 20) this.#stderr.shift();
  }

  /** The last lines the service wrote, after the report of the exception it threw, if any. */
  stderrTail(): string {
    const thrown = this.#thrown ?? [];
    // Shown apart only when the tail no longer begins with it.
    const apart = thrown.length > 0 && !this.#stderr.includes(thrown[0]);
    return [...(apart ? [...thrown, '…'] : []), ...this.#stderr].join('\n');
  }

  how(): string {
    return this.exitSignal
      ? `was killed by ${this.exitSignal}`
      : `exited with code ${this.exitCode}`;
  }

  exitError(): HotpathError {
    const how = this.how();
    return new HotpathError(
      'TARGET_EXITED',
      `${this.label} ${how} before it was ready${this.#tail()}`,
    );
  }

  notReadyError(url: string | undefined, timeoutSec: number): HotpathError {
    if (this.hasExited) return this.exitError();
    const where = url ? ` at ${url}` : '';
    return new HotpathError(
      'TARGET_NOT_READY',
      `${this.label} did not answer${where} within ${timeoutSec} s${this.#tail()}`,
    );
  }

  /** An error of code `code` with the service's last output. */
  errorWithTail(code: ErrorCode, message: string): HotpathError {
    return new HotpathError(code, `${message}${this.#tail()}`);
  }

  #tail(): string {
    const tail = this.stderrTail().trim();
    return tail ? `; its last output:\n${tail}` : '; it printed nothing';
  }

  /** SIGTERM to the process group, SIGKILL to whatever is left after a grace period. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const pid = this.child.pid;
      if (pid === undefined) return;
      signalGroup(pid, 'SIGTERM');
      await Promise.race([this.exited, delay(TERM_GRACE_MS)]);
      // The leader may be gone while children it started (npm's, say) still run.
      signalGroup(pid, 'SIGKILL');
      await Promise.race([this.exited, delay(TERM_GRACE_MS)]);
    })();
    return this.#stopping;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is already empty */
  }
}

export function portOf(url: string): number {
  const parsed = new URL(url);
  if (parsed.port) return Number(parsed.port);
  return parsed.protocol === 'https:' ? 443 : 80;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

/** True when anything answers an HTTP GET at `url` (any status). */
export function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    try {
      const request = get(
        url,
        { agent: false, timeout: timeoutMs, rejectUnauthorized: false },
        (response) => {
          response.resume();
          resolve(true);
        },
      );
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(false));
    } catch {
      resolve(false);
    }
  });
}

/**
 * Whether an https URL's certificate is one Node trusts; the reason (V8's error code and text)
 * when not. The load itself never verifies (autocannon does not): this is where it is said.
 */
export function untrustedCertificate(url: string, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const request = https.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(undefined);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', (error: NodeJS.ErrnoException) => {
      const tls = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(error.code ?? '');
      resolve(tls ? `${error.code}: ${error.message}` : undefined);
    });
  });
}

async function waitUntilAnswers(
  url: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  process_: TargetProcess | undefined,
  insecure = false,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    throwIfCancelled(signal);
    if (process_?.hasExited) throw process_.exitError();
    if (await answers(url)) {
      const untrusted = url.startsWith('https:') && !insecure && (await untrustedCertificate(url));
      if (untrusted)
        throw new HotpathError(
          'TLS_UNTRUSTED',
          `${url} answers with a certificate Node does not trust (${untrusted}); to load it anyway (a self-signed certificate on your own machine), add ${optionRef('insecure')}`,
        );
      return;
    }
    if (Date.now() >= until) {
      if (process_) throw process_.notReadyError(url, timeoutMs / 1000);
      throw new HotpathError(
        'TARGET_NOT_READY',
        `nothing answered at ${url} within ${timeoutMs / 1000} s`,
      );
    }
    await delay(POLL_MS);
  }
}
