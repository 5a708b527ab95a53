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
import { type RunRequest, resolveRunOptions } from '../src/runner/options';
import { type CompletedRun, runProfile } from '../src/runner/run';
import { freePort, tempFolder } from './helpers';

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
  return [
    {
      name: 'express',
      cwd: at('express'),
      command: `${node} server.js`,
      route: '/api/invoices/total',
      hotFunction: 'tallyInvoices',
      hotFile: path.join(at('express'), 'server.js'),
      lines: true,
    },
    {
      name: 'fastify (schema)',
      cwd: at('fastify'),
      command: `${node} server.js`,
      route: '/orders',
      hotFunction: 'listOrders',
      hotFile: path.join(at('fastify'), 'server.js'),
      lines: true,
    },
    {
      name: 'koa',
      cwd: at('koa'),
      command: `${node} server.js`,
      route: '/search?q=cats%20tea',
      hotFunction: 'rankResults',
      hotFile: path.join(at('koa'), 'server.js'),
      lines: true,
    },
    {
      name: 'hono (ESM)',
      cwd: at('hono'),
      command: `${node} server.mjs`,
      route: '/chart',
      hotFunction: 'renderSparkline',
      hotFile: path.join(at('hono'), 'server.mjs'),
      lines: true,
    },
    {
      name: 'tsx',
      cwd: at('ts'),
      command: `${node} --import tsx server.ts`,
      route: '/quote',
      hotFunction: 'priceBasket',
      hotFile: path.join(at('ts'), 'pricing.ts'),
      lines: false,
    },
    {
      name: 'ts-node (CJS)',
      cwd: at('ts'),
      command: `${node} -r ts-node/register server.ts`,
      route: '/quote',
      hotFunction: 'priceBasket',
      hotFile: path.join(at('ts'), 'pricing.ts'),
      lines: true,
    },
    {
      name: 'ts-node/esm',
      cwd: at('ts-esm'),
      command: `${node} --no-warnings --loader ts-node/esm server.ts`,
      route: '/quote',
      hotFunction: 'priceBasketEsm',
      hotFile: path.join(at('ts-esm'), 'server.ts'),
      lines: true,
    },
    {
      name: 'tsc',
      cwd: built.tsc,
      command: `${node} server.js`,
      route: '/quote',
      hotFunction: 'priceBasket',
      hotFile: path.join(at('ts'), 'pricing.ts'),
      lines: true,
    },
    {
      name: 'esbuild --minify',
      cwd: built.bundle,
      command: `${node} server.js`,
      route: '/shuffle',
      hotFunction: 'scramble',
      hotFile: path.join(at('bundle'), 'text.ts'),
      lines: false,
    },
    {
      name: 'cluster',
      cwd: at('cluster'),
      command: `${node} server.js`,
      route: '/primes',
      hotFunction: 'countPrimes',
      hotFile: path.join(at('cluster'), 'server.js'),
      lines: true,
    },
    {
      name: 'worker_threads',
      cwd: at('worker-threads'),
      command: `${node} server.js`,
      route: '/digest',
      hotFunction: 'hashChain',
      hotFile: path.join(at('worker-threads'), 'worker.js'),
      lines: true,
    },
    {
      name: 'npm start',
      cwd: at('npm-start'),
      command: 'npm start',
      route: '/catalog',
      hotFunction: 'buildCatalog',
      hotFile: path.join(at('npm-start'), 'server.js'),
      lines: true,
    },
    {
      name: 'lock (no 499)',
      cwd: at('lock'),
      command: `${node} server.js`,
      route: '/balance',
      lines: true,
    },
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
