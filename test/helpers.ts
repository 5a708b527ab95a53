import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { type CpuProfile, parseProfile } from '../src/profile/cpuprofile';
import { bundle } from '../src/vocabulary/paths';

/** True while a process with this pid exists (zombies count as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Pids of the live processes whose parent is `ppid`, read from /proc. */
export function childrenOf(ppid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid && fields[0] !== 'Z') found.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/**
 * The live processes below `pid` (children, their children…), leaving out tsx's own esbuild
 * service (started by the test runner, not by Hotpath).
 */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of childrenOf(queue.pop() as number)) {
      let command = '';
      try {
        command = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      const [program, first] = command.split('\0');
      if (/[\\/]esbuild$/.test(program) && first?.startsWith('--service')) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Waits until `check` holds, for at most `ms`. */
export async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** A port that nothing listens on now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/** `count` distinct free loopback ports, all held open until each is known, so none repeats. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => net.createServer());
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  return ports;
}

/** The built `hotpath` CLI, as a user runs it. */
export const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');

/** The built CLI run to its end in a child process, in `cwd`: its exit code and output. */
export function runCli(
  cwd: string,
  args: string[],
  timeoutMs = 90_000,
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd,
    timeout: timeoutMs,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What a child's stream has written so far, as text. */
export function written(stream: Readable): () => string {
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
  });
  return () => text;
}

/**
 * `hotpath serve --port 0` of the built CLI: the sample service's process, for the caller to end,
 * and the URL it says it listens on (within 10 s, or the process is ended and this fails).
 */
export async function serveSample(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = written(child.stdout);
  const url = () => /listening on (http:\/\/\S+)/.exec(stdout())?.[1];
  if (!(await eventually(() => url() !== undefined, 10_000))) {
    child.kill();
    assert.fail(`the sample service says it listens: ${stdout()}`);
  }
  return { child, url: url() as string };
}

/** The sample service as a user runs it with `--inspect`, for Hotpath to attach to. */
export interface Inspected {
  child: ChildProcess;
  /** Where it answers. */
  url: string;
  /** Its inspector, `host:port`, as its stderr said. */
  inspector: string;
}

/**
 * The built sample service with its inspector open on a port of its choosing
 * (`--inspect=127.0.0.1:0`) and no agent; the caller ends it by its pid.
 */
export function inspectedSample(): Promise<Inspected> {
  return inspectedNode([bundle('sampleService.js'), '--port', '0']);
}

/**
 * `node --inspect=127.0.0.1:0 <args>` (no agent), the URL it serves: the one given, or the one
 * it prints as the sample service does (`"url":"http://…"`). The caller ends it by its pid.
 */
export async function inspectedNode(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; url?: string } = {},
): Promise<Inspected> {
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: options.env,
  });
  const stdout = written(child.stdout);
  const stderr = written(child.stderr);
  const url = () => options.url ?? /"url":"(http:[^"]+)"/.exec(stdout())?.[1];
  const inspector = () => /Debugger listening on ws:\/\/([\d.]+:\d+)\//.exec(stderr())?.[1];
  // Listening, not only started: a service given its URL answers it once it is up.
  const answers = async () =>
    url() !== undefined &&
    inspector() !== undefined &&
    (await fetch(url() as string).then(
      (response) => response.arrayBuffer().then(() => true),
      () => false,
    ));
  const until = Date.now() + 15_000;
  while (!(await answers())) {
    if (Date.now() > until || child.exitCode !== null) {
      child.kill();
      assert.fail(`the service did not start with its inspector: ${stdout()} ${stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url: url() as string, inspector: inspector() as string };
}

/** The CLI's shortest run: 2 connections for 1 s, no warm-up. */
export const QUICK = ['-c', '2', '-d', '1', '--warmup', '0'];

/** A fresh folder under the OS temp folder, removed by the caller. */
export function tempFolder(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `hotpath-test-${name}-`));
}

export const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

/** A profile recorded in test/fixtures/profiles, its URLs pointed at this checkout's files. */
export function recordedProfile(name: string): CpuProfile {
  const text = fs
    .readFileSync(fixture(path.join('profiles', name)), 'utf8')
    .replaceAll('file:///FIXTURES/', `${pathToFileURL(fixture('')).href}/`)
    .replaceAll('file:///NODE_MODULES/', `${pathToFileURL(path.resolve('node_modules')).href}/`)
    .replaceAll('file:///HOTPATH/', `${pathToFileURL(path.resolve('.')).href}/`);
  return parseProfile(text);
}

/** A seeded random number generator (mulberry32): the same seed, the same numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller) from a seeded stream such as `seededRandom`'s. */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * A frame of a hand-built profile: a name alone is V8's own entry (`(idle)`, `(garbage
 * collector)`, a builtin such as `JSON.parse`: no script, no position); with a `url`, a script's
 * function at a 0-based `line` and `column` (0 unless given), as a `.cpuprofile` writes them.
 */
export type ProfileFrame =
  | string
  | { name: string; url?: string; line?: number; column?: number; scriptId?: string };

/** One sample of a hand-built profile. */
export interface ProfileSample {
  /** The calls from below the root down to the sampled function; `[]` samples the root itself. */
  stack: ProfileFrame[];
  /** How long the sample lasts: the time to the next sample, the last one's to `endTime`. */
  us: number;
  /** The 1-based line of the sampled function that the sample ticks (its `positionTicks`). */
  line?: number;
  /** How many ticks it gives `line`: 1 unless said (V8's ticks need not match the samples). */
  ticks?: number;
}

/** A `.cpuprofile` node as V8 writes it. */
export type ProfileNodeJson = {
  id: number;
  callFrame: {
    functionName: string;
    scriptId: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
  };
  hitCount: number;
  children: number[];
  positionTicks?: { line: number; ticks: number }[];
};

/** A `.cpuprofile` as V8 writes it (the modern format), before any parsing. */
export type ProfileJson = {
  nodes: ProfileNodeJson[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
};

/**
 * A valid `.cpuprofile` from its samples, in time order: the root `(root)` is node 1, each other
 * node is numbered as its stack first appears (the same frames below the same parent are one node),
 * children in that order. A sample lasts `us`; the first starts `leadUs` after `startTime` and
 * the last ends at `endTime`. Position ticks and hit counts add up the samples. A test that wants
 * a broken profile builds a valid one and breaks it where it says.
 */
export function cpuProfile(
  samples: ProfileSample[],
  { startTime = 0, leadUs = 0 }: { startTime?: number; leadUs?: number } = {},
): ProfileJson {
  const callFrame = (frame: ProfileFrame): ProfileNodeJson['callFrame'] => {
    if (typeof frame === 'string') frame = { name: frame };
    const script = Boolean(frame.url);
    return {
      functionName: frame.name,
      scriptId: frame.scriptId ?? (script ? '1' : '0'),
      url: frame.url ?? '',
      lineNumber: frame.line ?? (script ? 0 : -1),
      columnNumber: frame.column ?? (script ? 0 : -1),
    };
  };
  const root: ProfileNodeJson = {
    id: 1,
    callFrame: callFrame('(root)'),
    hitCount: 0,
    children: [],
  };
  const nodes = [root];
  const byPath = new Map<string, ProfileNodeJson>();
  const ids: number[] = [];
  const timeDeltas: number[] = [];
  let end = startTime + leadUs;
  for (const [i, sample] of samples.entries()) {
    let node = root;
    for (const frame of sample.stack) {
      const call = callFrame(frame);
      const key = `${node.id}>${JSON.stringify(call)}`;
      let child = byPath.get(key);
      if (!child) {
        child = { id: nodes.length + 1, callFrame: call, hitCount: 0, children: [] };
        byPath.set(key, child);
        nodes.push(child);
        node.children.push(child.id);
      }
      node = child;
    }
    node.hitCount++;
    if (sample.line !== undefined) {
      node.positionTicks ??= [];
      const ticks = sample.ticks ?? 1;
      const tick = node.positionTicks.find((t) => t.line === sample.line);
      if (tick) tick.ticks += ticks;
      else node.positionTicks.push({ line: sample.line, ticks });
    }
    ids.push(node.id);
    timeDeltas.push(i === 0 ? leadUs : samples[i - 1].us);
    end += sample.us;
  }
  return { nodes, startTime, endTime: end, samples: ids, timeDeltas };
}

/**
 * A profile in the old Chrome format: the nodes nested from a `head`, 1-based lines and columns,
 * `startTime` and `endTime` in seconds, each sample's time in µs in `timestamps`.
 */
export function headFormat(profile: ProfileJson) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  type Head = {
    functionName: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
    id: number;
    children: Head[];
  };
  const nest = ({ id, callFrame, children }: ProfileNodeJson): Head => ({
    functionName: callFrame.functionName,
    url: callFrame.url,
    lineNumber: callFrame.lineNumber + 1,
    columnNumber: callFrame.columnNumber + 1,
    id,
    children: children.map((child) => nest(byId.get(child) as ProfileNodeJson)),
  });
  let time = profile.startTime;
  return {
    head: nest(profile.nodes[0]),
    startTime: profile.startTime / 1e6,
    endTime: profile.endTime / 1e6,
    samples: profile.samples,
    timestamps: profile.timeDeltas.map((delta) => (time += delta)),
  };
}

/** `count` samples of one stack, each `us` long (ticking `line`, if given). */
export function repeated(
  count: number,
  stack: ProfileFrame[],
  us: number,
  line?: number,
): ProfileSample[] {
  return Array.from({ length: count }, () => ({
    stack,
    us,
    ...(line === undefined ? {} : { line }),
  }));
}
