/**
 * The zoo's services (test/fixtures/zoo/), as data for the integration tests and bench/zoo.ts:
 * how each starts, its CPU route, its hot function and the file and line that hold its hot line
 * (marked `// hot line` in the source). The tsc and esbuild builds are made into a temp folder.
 * And how the integration tests profile a service: a test file's runs in a temp folder of its own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before } from 'node:test';
import { buildSync } from 'esbuild';
import type { RunRecord } from '../src/record/run';
import { type RunRequest, resolveRunOptions } from '../src/runner/options';
import { type CompletedRun, runProfile } from '../src/runner/run';
import { loadRun } from '../src/runs/runFolder';
import { fixture, freePort, type Inspected, inspectedNode, runCli, tempFolder } from './helpers';

export const ZOO = path.join(__dirname, 'fixtures', 'zoo');
const ROOT = path.resolve(__dirname, '..');

export interface ZooService {
  name: string;
  /** The folder the command runs in (a build's folder for the built ones). */
  cwd: string;
  /** The start command, run through the shell with PORT set. */
  command: string;
  /** The CPU-heavy route (for `lock`, the route that waits). */
  route: string;
  /** The function that does the route's work, and the original file that holds it. */
  hotFunction?: string;
  hotFile?: string;
  /** Whether V8's line ticks can be mapped to original lines for this way of running. */
  lines: boolean;
  /** Connections for its load where 4 is not the point (a lock route needs a queue). */
  connections?: number;
  /** What the run must end with when it is not a result: the error's code. */
  fails?: string;
}

/** The 1-based line of a file that carries the `// hot line` marker. */
export function hotLineOf(file: string): number {
  const at = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes('// hot line'));
  if (at < 0) throw new Error(`${file} has no "// hot line" marker`);
  return at + 1;
}

/**
 * The zoo's TypeScript shop run by `loader` (`--import tsx`, `-r ts-node/register`) with its
 * inspector open and no agent, for Hotpath to attach to; the caller ends it by its pid.
 */
export async function inspectedTypeScript(loader: string[]): Promise<Inspected> {
  const port = await freePort();
  return inspectedNode([...loader, 'server.ts'], {
    cwd: path.join(ZOO, 'ts'),
    env: { ...process.env, PORT: String(port) },
    url: `http://127.0.0.1:${port}`,
  });
}

/** Compiles the TypeScript service with tsc (source maps) and bundles the minified one. */
export function buildZoo(into: string): { tsc: string; bundle: string } {
  const tsc = path.join(into, 'tsc');
  const compiled = spawnSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      path.join(ZOO, 'ts'),
      '--outDir',
      tsc,
    ],
    { encoding: 'utf8' },
  );
  if (compiled.status !== 0) throw new Error(`tsc failed: ${compiled.stdout}${compiled.stderr}`);
  const bundle = path.join(into, 'bundle');
  // The same as `esbuild server.ts --bundle --minify --sourcemap --platform=node`.
  buildSync({
    entryPoints: [path.join(ZOO, 'bundle', 'server.ts')],
    bundle: true,
    minify: true,
    sourcemap: true,
    platform: 'node',
    outfile: path.join(bundle, 'server.js'),
    logLevel: 'warning',
  });
  return { tsc, bundle };
}

export function zooServices(built: { tsc: string; bundle: string }): ZooService[] {
  const node = `"${process.execPath}"`;
  const at = (folder: string) => path.join(ZOO, folder);
  /**
   * A service of the zoo's `folder` that `node <script>` starts (or `command`, in `cwd`), its hot
   * function in `hotIn` of that folder (the script unless said).
   */
  const service = ({
    folder,
    script = 'server.js',
    hotIn = script,
    cwd = at(folder),
    command = `${node} ${script}`,
    hotFunction,
    lines = true,
    ...rest
  }: Pick<ZooService, 'name' | 'route'> &
    Partial<Pick<ZooService, 'cwd' | 'command' | 'hotFunction' | 'lines'>> & {
      folder: string;
      script?: string;
      hotIn?: string;
    }): ZooService => ({
    ...rest,
    cwd,
    command,
    ...(hotFunction ? { hotFunction, hotFile: path.join(at(folder), hotIn) } : {}),
    lines,
  });
  return [
    service({
      name: 'express',
      folder: 'express',
      route: '/api/invoices/total',
      hotFunction: 'tallyInvoices',
    }),
    service({
      name: 'fastify (schema)',
      folder: 'fastify',
      route: '/orders',
      hotFunction: 'listOrders',
    }),
    service({
      name: 'koa',
      folder: 'koa',
      route: '/search?q=cats%20tea',
      hotFunction: 'rankResults',
    }),
    service({
      name: 'hono (ESM)',
      folder: 'hono',
      script: 'server.mjs',
      route: '/chart',
      hotFunction: 'renderSparkline',
    }),
    service({
      name: 'tsx',
      folder: 'ts',
      command: `${node} --import tsx server.ts`,
      route: '/quote',
      hotFunction: 'priceBasket',
      hotIn: 'pricing.ts',
      lines: false,
    }),
    service({
      name: 'ts-node (CJS)',
      folder: 'ts',
      command: `${node} -r ts-node/register server.ts`,
      route: '/quote',
      hotFunction: 'priceBasket',
      hotIn: 'pricing.ts',
    }),
    service({
      name: 'ts-node/esm',
      folder: 'ts-esm',
      command: `${node} --no-warnings --loader ts-node/esm server.ts`,
      route: '/quote',
      hotFunction: 'priceBasketEsm',
      hotIn: 'server.ts',
    }),
    // The built ones run from their build folder; their hot function is in the sources.
    service({
      name: 'tsc',
      folder: 'ts',
      cwd: built.tsc,
      route: '/quote',
      hotFunction: 'priceBasket',
      hotIn: 'pricing.ts',
    }),
    service({
      name: 'esbuild --minify',
      folder: 'bundle',
      cwd: built.bundle,
      route: '/shuffle',
      hotFunction: 'scramble',
      hotIn: 'text.ts',
      lines: false,
    }),
    service({ name: 'cluster', folder: 'cluster', route: '/primes', hotFunction: 'countPrimes' }),
    service({
      name: 'worker_threads',
      folder: 'worker-threads',
      route: '/digest',
      hotFunction: 'hashChain',
      hotIn: 'worker.js',
    }),
    service({
      name: 'npm start',
      folder: 'npm-start',
      command: 'npm start',
      route: '/catalog',
      hotFunction: 'buildCatalog',
    }),
    service({ name: 'lock (no 499)', folder: 'lock', route: '/balance' }),
  ];
}

/**
 * The zoo's other classes of service, each with its own test file (pools, lock libraries, a
 * route that costs 100 ms, a start script that replaces NODE_OPTIONS): the same data, for
 * bench/zoo.ts's table of every service.
 */
export function zooClasses(): ZooService[] {
  const node = `"${process.execPath}"`;
  const at = (folder: string) => path.join(ZOO, folder);
  const plain = (
    name: string,
    folder: string,
    route: string,
    more: Partial<ZooService> = {},
  ): ZooService => ({
    name,
    cwd: at(folder),
    command: `${node} server.js`,
    route,
    lines: true,
    ...more,
  });
  const pool = (name: string, folder: string, hotFunction: string, hotIn?: string) =>
    plain(name, folder, '/digest', {
      hotFunction,
      ...(hotIn ? { hotFile: path.join(at(folder), hotIn) } : { lines: false }),
    });
  return [
    pool('piscina', 'piscina', 'sha256Chain', 'digest.js'),
    pool('workerpool', 'workerpool', 'sha256Rounds', 'tasks.js'),
    pool('Worker (eval)', 'worker-eval', 'work'),
    plain('async-lock', 'async-lock', '/balance', { connections: 20 }),
    plain('await-lock 2', 'await-lock', '/balance', { connections: 20 }),
    plain('async-sema', 'async-sema', '/balance', { connections: 20 }),
    plain('slow route (100 ms)', 'slow-route', '/report', {
      hotFunction: 'renderReport',
      hotFile: path.join(at('slow-route'), 'server.js'),
    }),
    plain('npm start, own NODE_OPTIONS', 'npm-node-options', '/', {
      command: 'npm start',
      fails: 'NO_AGENT',
    }),
  ];
}

/**
 * The runs of one test file, in a temp folder made before its tests and removed after them.
 * `run` profiles into that folder, with half a second of warm-up unless the request says.
 */
export function testRuns(name: string) {
  let folder = '';
  before(() => {
    folder = tempFolder(name);
  });
  after(() => fs.rmSync(folder, { recursive: true, force: true }));
  return {
    /** The temp folder, there once the tests have started. */
    get folder(): string {
      return folder;
    },
    run(request: RunRequest, events: Parameters<typeof runProfile>[1] = {}): Promise<CompletedRun> {
      return runProfile(resolveRunOptions({ warmupSec: 0.5, outDir: folder, ...request }), events);
    },
  };
}

/** A request's `service` and `url` for a service that `command` starts on a free port. */
export async function onFreePort(
  command: (port: number) => string,
): Promise<{ service: string; url: string }> {
  const port = await freePort();
  return { service: command(port), url: `http://127.0.0.1:${port}` };
}

/**
 * A service of the zoo profiled on a free port (its PORT), 4 connections for 2 s unless `extra`
 * says; fails unless the run is done.
 */
export async function profileService(
  runs: ReturnType<typeof testRuns>,
  service: Pick<ZooService, 'cwd' | 'command' | 'route'>,
  extra: Partial<RunRequest> = {},
): Promise<CompletedRun> {
  const run = await runs.run({
    path: service.route,
    ...(await onFreePort((port) => `PORT=${port} ${service.command}`)),
    cwd: service.cwd,
    connections: 4,
    durationSec: 2,
    ...extra,
  });
  assert.equal(run.record.status, 'done', run.record.error?.message);
  return run;
}

/**
 * A zoo fixture (`test/fixtures/zoo/<folder>`, `node <script>` on a free port, this Node unless
 * `node` names another) profiled through
 * the built CLI with the quick preset and `connections`; its runs go to `<out>/<folder>/`. The
 * CLI must exit 0; the newest run of the folder is read back.
 */
export async function profileByCli(
  folder: string,
  route: string,
  connections: number,
  out: string,
  script = 'server.js',
  node = process.execPath,
  /** Environment for the service, as `NAME=value` words before its command. */
  env = '',
) {
  const cwd = fixture(path.join('zoo', folder));
  const port = await freePort();
  const runs = path.join(out, folder);
  const run = runCli(cwd, [
    'profile',
    route,
    '--service',
    `PORT=${port} ${env ? `${env} ` : ''}"${node}" ${script}`,
    '--url',
    `http://127.0.0.1:${port}`,
    '--preset',
    'quick',
    '-c',
    String(connections),
    '--out',
    runs,
  ]);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const id = fs.readdirSync(runs).sort().at(-1) as string; // the newest: ids begin with the time
  const saved = path.join(runs, id);
  const record = JSON.parse(fs.readFileSync(path.join(saved, 'run.json'), 'utf8')) as RunRecord;
  return { run, record, loaded: loadRun(saved), cwd, folder: saved };
}
