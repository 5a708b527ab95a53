/**
 * The Locust processes of a load: where the `locust` command is, each process in a process group
 * of its own (ended by the group: SIGTERM, Locust's own shutdown, then SIGKILL), their CPU time,
 * and a free port for a master.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { HotpathError } from '../../vocabulary/errors';
import { LOCUST_INSTALL } from '../../vocabulary/locust';
import { optionRef } from '../../vocabulary/words';

/** The `locust` command: the one named (the setting `hotpath.locustPath`), or the one on PATH. */
export function findLocust(named: string | undefined): string {
  if (named) {
    if (isExecutable(named)) return named;
    throw new HotpathError(
      'LOCUST_MISSING',
      `${optionRef('locust-path')} names ${named}, which is not an executable file; ${LOCUST_INSTALL}`,
      'locust-path',
    );
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, process.platform === 'win32' ? 'locust.exe' : 'locust');
    if (isExecutable(file)) return file;
  }
  throw new HotpathError(
    'LOCUST_MISSING',
    `${optionRef('locustfile')} runs the load with Locust, and no \`locust\` command is on PATH; ${LOCUST_INSTALL} with ${optionRef('locust-path')}. Hotpath does not fall back to its own load for a locustfile.`,
    'locust-path',
  );
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A Locust process Hotpath started, in a process group of its own. */
export class LocustProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = '';
  constructor(
    readonly role: string,
    readonly child: ChildProcess,
  ) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    child.stdout?.resume();
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  stderrTail(): string {
    return this.#stderr.trim();
  }
  /** Its group: SIGTERM (Locust's own shutdown), then SIGKILL after `graceMs`. */
  async end(graceMs: number): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (this.running) signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Whatever it left in its group (nothing, normally).
    signalGroup(pid, 'SIGKILL');
  }
}

/**
 * CPU time (ms) the processes used so far, from Linux's /proc/<pid>/stat (utime + stime, in
 * clock ticks of 10 ms: USER_HZ is 100 on Linux); 0 where it cannot be read.
 */
export function cpuMsOf(pids: (number | undefined)[]): number {
  let ms = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ms += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // Gone, or not Linux.
    }
  }
  return ms;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** A free loopback port, for the master's workers to connect to. */
export async function freePort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
