/**
 * From the preset to the report, in a real VS Code: profiles endpoints through "Hotpath: Profile
 * Endpoint" in code-server driven by headless Chromium (the harness of the extension tests), five
 * runs each, and prints the stages of each run and their medians:
 *
 * - **preset → load began**: from the command being given its preset (what the palette's last
 *   pick does) to the measured load's first request; within it, the service's start, and the
 *   warm-up with its drain (the warm-up's queued requests served before the window opens);
 * - **load ended → report drawn**: from the load's last response to the panel's page saying it
 *   drew the run; within it, the capture's stop (the service finishing the requests the load
 *   left queued, then the profile written), the run's end (the service stopped, run.json saved),
 *   the analysis (the worker reading and analysing the run), opening the source, the drawing.
 *
 * The endpoints: the sample service's `/cpu` (the walk-through's CPU lesson: 50 connections
 * queue ~15 ms of work each, so its responses take ~0.75 s and its drains as long) and `/fast`
 * (a cheap route), and a user's Express service (the zoo's `express`, run by
 * `hotpath.service.command`). Each with the `quick` preset (50 connections, 3 s) and the default
 * warm-up (1 s).
 *
 *   node --import tsx bench/editorRun.ts [--runs 5] [--only cpu,fast,express]
 *
 * Needs `npm run build` first. Writes nothing in the repository; the tables go to stdout.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { runExtensionTests } from '../test/vscode/codeServer';
import type { PlannedService, RunMarks } from './editorRunHost';

const root = path.resolve(__dirname, '..');
const argument = (name: string): string | undefined =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const runs = Number(argument('--runs') ?? 5);
const only = argument('--only')?.split(',');

const express = path.join(root, 'test', 'fixtures', 'zoo', 'express');
const SERVICES: PlannedService[] = [
  { name: 'cpu', path: '/cpu', preset: 'quick', runs },
  { name: 'fast', path: '/fast', preset: 'quick', runs },
  {
    name: 'express',
    path: '/api/invoices/total',
    preset: 'quick',
    command: `cd "${express}" && PORT=$PORT node server.js`,
    runs,
  },
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const s = (ms: number) => (ms / 1000).toFixed(2);

/** A stage's figures over the runs: median (min–max), in seconds. */
function stage(all: number[]): string {
  const values = all.filter(Number.isFinite);
  if (values.length === 0) return '–';
  return `${s(median(values))} (${s(Math.min(...values))}–${s(Math.max(...values))})`;
}

function table(results: RunMarks[]): string[] {
  const rows: string[] = [
    '| endpoint | runs | p50 latency | preset → load began | of it: start | warm-up + drain (drain) | window open → load | load ended → report drawn | of it: capture stop | run end | analysis | source opened, sent | drawn |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const name of [...new Set(results.map((r) => r.service))]) {
    const mine = results.filter((r) => r.service === name);
    const of = (f: (r: RunMarks) => number) => stage(mine.map(f));
    rows.push(
      `| ${name} | ${mine.length} | ${Math.round(median(mine.map((r) => r.p50Ms)))} ms | ` +
        `**${of((r) => r.loadStartedAt - r.askedAt)}** | ${of((r) => r.targetReadyAt - r.askedAt)} | ` +
        `${of((r) => r.captureStartedAt - r.targetReadyAt)} (${of((r) => r.drainedMs)}) | ` +
        `${of((r) => r.loadStartedAt - r.captureStartedAt)} | ` +
        `**${of((r) => r.drawnAt - r.loadEndedAt)}** | ${of((r) => r.captureStoppedAt - r.loadEndedAt)} | ` +
        `${of((r) => r.runEndedAt - r.captureStoppedAt)} | ${of((r) => r.analysedAt - r.runEndedAt)} | ` +
        `${of((r) => r.sentAt - r.analysedAt)} | ${of((r) => r.drawnAt - r.sentAt)} |`,
    );
  }
  return rows;
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(root, 'dist', 'extension.js')))
    throw new Error('build first: npm run build');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-run-'));
  try {
    const control = path.join(dir, 'control');
    const workspace = path.join(dir, 'workspace');
    fs.mkdirSync(control);
    fs.mkdirSync(workspace);
    const services = SERVICES.filter((service) => !only || only.includes(service.name));
    fs.writeFileSync(path.join(control, 'plan.json'), JSON.stringify({ services }));
    const host = path.join(dir, 'host');
    await esbuild.build({
      entryPoints: { index: path.join(__dirname, 'editorRunHost.ts') },
      outdir: host,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node18',
      external: ['vscode'],
      logLevel: 'warning',
    });
    // The extension host inherits the server's environment: that is how it finds the control folder.
    process.env.HOTPATH_BENCH_DIR = control;
    const { exitCode, log } = await runExtensionTests({
      extensionPath: root,
      testsPath: path.join(host, 'index.js'),
      workspace,
      timeoutMs: 30 * 60_000,
    });
    const file = path.join(control, 'results.json');
    const results: RunMarks[] = fs.existsSync(file)
      ? // A mark the build did not have was NaN, which JSON wrote as null: NaN again.
        JSON.parse(fs.readFileSync(file, 'utf8'), (_key, value) =>
          value === null ? Number.NaN : value,
        )
      : [];
    if (exitCode !== 0) process.stderr.write(`${log.join('\n')}\n`);
    process.stdout.write(
      [
        `From the preset to the report in code-server 4.100.3 (headless Chromium), ${os.cpus().length} cores, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}; seconds, median (min–max) of the runs`,
        '',
        ...table(results),
        '',
      ].join('\n'),
    );
    if (exitCode !== 0) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
