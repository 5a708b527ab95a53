/**
 * What blocked the event loop (issue #28), on real runs: the sample's /cpu holds the loop for
 * turns far over the threshold and the table names `cpu`; /fast, loaded the same way in the same
 * test, stalls far less (a ratio: a busy machine makes stalls of its own); `compare` of those two
 * runs says the stall rate fell, with an interval below 1; a route that busy-waits a known 200 ms
 * in a named function has its stalls charged to that function; a worker thread that busy-waits
 * has a loop delay of its own, above its main thread's.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { checkGates, parseGate } from '../../src/profile/gates';
import type { LoadedRun } from '../../src/profile/loadedRun';
import { gateText } from '../../src/report/comparison';
import { runFigures, type StallFigures } from '../../src/report/figures';
import { analysisJson } from '../../src/report/json';
import { comparisonMarkdown, mdText, runMarkdown } from '../../src/report/markdown';
import { comparisonReportData, reportData } from '../../src/report/reportData';
import { threadLoopRows } from '../../src/report/stalls';
import { formatAnalysis, formatComparison } from '../../src/report/text';
import { type RunRequest, resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { compareSavedRuns } from '../../src/runs/comparison';
import { loadRun } from '../../src/runs/runFolder';
import { fixture, freePort, tempFolder } from '../helpers';

let out: string;
before(() => {
  out = tempFolder('stalls');
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

async function profile(request: RunRequest): Promise<LoadedRun> {
  const { folder, record } = await runProfile(
    resolveRunOptions({ durationSec: 2.5, warmupSec: 0.5, outDir: out, ...request }),
  );
  assert.equal(record.status, 'done', record.error?.message);
  assert.equal(record.stalls?.thresholdMs, 20, 'the record says what a stall is');
  return loadRun(folder);
}

const nameOf = (run: LoadedRun, id: number) =>
  run.analysis.functions.find((f) => f.id === id)?.name;

/** /cpu and /fast, loaded alike, once for the tests that read them. */
let cpuAndFast: Promise<[LoadedRun, LoadedRun]> | undefined;
function cpuThenFast(): Promise<[LoadedRun, LoadedRun]> {
  cpuAndFast ??= (async () => {
    const cpu = await profile({ path: '/cpu', connections: 4 });
    const fast = await profile({ path: '/fast', connections: 4 });
    return [cpu, fast];
  })();
  return cpuAndFast;
}

test('/cpu stalls the loop in cpu; /fast far less', async (t) => {
  const [cpu, fast] = await cpuThenFast();
  const [c, f] = [cpu.stalls, fast.stalls];
  assert.ok(c && f, 'both runs measured their loop');
  const figures = runFigures(cpu);
  const top = figures.stalls?.rows[0];
  assert.equal(top?.name, 'cpu', `the most blocking function: ${JSON.stringify(figures.stalls)}`);
  assert.ok(top.longestMs > c.thresholdMs, `cpu's longest stall ${top.longestMs} ms`);
  // The stalled time, and the count, side by side.
  const note = `/cpu ${c.count} stalls, ${c.totalMs} ms; /fast ${f.count} stalls, ${f.totalMs} ms`;
  t.diagnostic(`${note}; cpu's longest ${top.longestMs} ms`);
  assert.ok(f.totalMs * 5 < c.totalMs, note);
  assert.ok(f.count * 3 < c.count, note);
  // Every surface shows the row.
  assert.match(formatAnalysis(cpu.diagnosis, figures), /\n {4}cpu +\d+ +[\d,.]+ ms/);
  assert.match(runMarkdown(cpu), /What blocked the event loop[\s\S]*\| cpu \|/);
  assert.equal(analysisJson(cpu, figures).stalls?.rows[0].name, 'cpu');
  assert.equal(reportData(cpu).stalls?.rows[0].function, 'cpu');
});

test('a 200 ms busy-wait is charged to the function that waits', async (t) => {
  const run = await profile({
    path: '/block',
    connections: 1,
    // Two a second: each 200 ms wait has idle time around it, so a span off by a little shows.
    overallRate: 2,
    service: `"${process.execPath}" "${fixture('stall.js')}"`,
  });
  const stalls = run.stalls;
  assert.ok(stalls && stalls.count > 0, 'the busy-waits stalled the loop');
  const [top] = stalls.functions;
  t.diagnostic(
    `${stalls.count} stalls, longest ${stalls.longestMs} ms; top ${nameOf(run, top.functionId)}: ${top.stalls} stalls, ${top.sampledUs / 1000} ms of its samples`,
  );
  assert.equal(nameOf(run, top.functionId), 'blockFor200ms', JSON.stringify(stalls.functions));
  assert.ok(top.stalls >= stalls.count - stalls.unsampled - 1, 'in (almost) every stall');
  // The probe sees a turn from when its 5 ms timer was due: 195 ms of a 200 ms wait at least.
  assert.ok(top.longestMs >= 190, `longest ${top.longestMs} ms`);
  // Most of each stall is the function's own samples.
  assert.ok(top.sampledUs / 1000 / top.stalls > 150, `${top.sampledUs / top.stalls} µs a stall`);
});

test("a worker thread's own event loop is measured, its stalls charged to its code", async (t) => {
  const port = await freePort();
  const run = await profile({
    path: '/digest',
    connections: 4,
    service: `PORT=${port} "${process.execPath}" "${fixture(path.join('zoo', 'worker-threads', 'server.js'))}"`,
    url: `http://127.0.0.1:${port}`,
  });
  const stalls = run.stalls;
  assert.ok(stalls, 'the run measured its loops');
  assert.deepEqual(stalls.threads, { main: 1, workers: 1, notMeasured: 0 });
  const [top] = stalls.functions;
  t.diagnostic(
    `${stalls.count} stalls, longest ${stalls.longestMs} ms, top ${nameOf(run, top?.functionId ?? -1)}`,
  );
  // The worker's hash chain holds its loop; the main thread only passes messages.
  assert.equal(nameOf(run, top?.functionId ?? -1), 'hashChain', JSON.stringify(stalls.functions));
});

test('compare /cpu → /fast: the stall rate falls, its interval below 1, on every surface', async (t) => {
  const [cpu, fast] = await cpuThenFast();
  const { comparison, labels, headers, runs, records } = compareSavedRuns(cpu.folder, fast.folder);
  const stalls = comparison.stalls;
  assert.ok(stalls, 'both runs measured their loops: the comparison has their stalls');
  const interval = stalls.ratio;
  assert.ok(interval, JSON.stringify(stalls));
  t.diagnostic(
    `${stalls.before.count} stalls in ${stalls.before.windowSec} s → ${stalls.after.count} in ${stalls.after.windowSec} s: ${interval.estimate} (${interval.low}–${interval.high}); delay p99 ${stalls.before.delayP99Ms} → ${stalls.after.delayP99Ms} ms`,
  );
  // The rates, per second of each run's own window, and their ratio's interval excludes 1.
  assert.ok(Math.abs(stalls.before.perSec - stalls.before.count / stalls.before.windowSec) < 1e-9);
  assert.ok(interval.low < interval.estimate && interval.estimate < interval.high);
  assert.ok(interval.high < 1, `the rate fell: ${JSON.stringify(interval)}`);
  assert.ok(stalls.before.delayP99Ms !== undefined && stalls.after.delayP99Ms !== undefined);
  // `cpu` was in /cpu's stalls and in fewer of /fast's (a route that never calls it).
  const row = stalls.functions.find((f) => f.name === 'cpu');
  assert.ok(row && row.before.stalls > row.after.stalls, JSON.stringify(stalls.functions));
  assert.ok(row.before.longestMs > stalls.before.thresholdMs);
  // A gate on the rate: the whole interval is below 1, so "stalls<1" holds and "stalls>1.5" not.
  const [fell, rose] = checkGates(comparison, [parseGate('stalls<1'), parseGate('stalls>1.5')]);
  assert.equal(fell.outcome, 'failed', gateText(fell));
  assert.equal(rose.outcome, 'passed', gateText(rose));
  assert.match(gateText(fell), /Poisson on the stall counts/);
  // Every surface says it: text, Markdown, the HTML report's rows (the editor's compare panel).
  const line = /stalls over 20 ms: [\d.,]+\/s → [\d.,]+\/s \(\d+ → \d+ in/;
  assert.match(formatComparison(comparison, headers, runs, process.cwd(), records), line);
  assert.match(comparisonMarkdown(comparison, labels, [], process.cwd(), records), line);
  const rows = comparisonReportData(comparison, labels, process.cwd(), records).rows;
  assert.ok(
    rows.some(([label, text]) => label === 'loop' && line.test(text)),
    'the report rows',
  );
  assert.match(formatComparison(comparison, headers, runs), /\n {2}loop {8}cpu \(/);
});

test("a worker thread that busy-waits has its own loop delay, above its main thread's", async (t) => {
  const port = await freePort();
  const run = await profile({
    path: '/',
    // One request at a time: the worker's loop turns between its 40 ms waits. With more, its
    // messages keep coming and run back to back in one turn, which may outlast the window (a
    // turn under way at its close is not seen).
    connections: 1,
    service: `PORT=${port} "${process.execPath}" "${fixture('busy-worker.js')}"`,
    url: `http://127.0.0.1:${port}`,
  });
  const units = run.record?.processes?.profiled ?? [];
  const main = units.find((u) => u.threadId === 0);
  const worker = units.find((u) => u.threadId !== 0);
  assert.ok(main?.loop && worker?.loop, `both loops measured: ${JSON.stringify(units)}`);
  t.diagnostic(
    `main p50 ${main.loop.delayMs.p50} p99 ${main.loop.delayMs.p99} max ${main.loop.delayMs.max} (${main.loop.stalls} stalls); worker p50 ${worker.loop.delayMs.p50} p99 ${worker.loop.delayMs.p99} max ${worker.loop.delayMs.max} (${worker.loop.stalls} stalls)`,
  );
  assert.ok(
    worker.loop.delayMs.p99 > main.loop.delayMs.p99,
    `worker p99 ${worker.loop.delayMs.p99} ms, main ${main.loop.delayMs.p99} ms`,
  );
  // Its 40 ms busy-waits: turns of its own loop that long, beyond the threshold.
  assert.ok(worker.loop.delayMs.max >= 30, `worker max ${worker.loop.delayMs.max} ms`);
  assert.ok(worker.loop.stalls > 0);
  // Computed once, found alike on every surface.
  const figures = runFigures(run);
  const loops = figures.stalls?.threadLoops;
  assert.equal(loops?.length, 2, JSON.stringify(figures.stalls));
  const rows = threadLoopRows(figures.stalls as StallFigures);
  const workerRow = rows.find((r) => r.thread.startsWith(`thread ${worker.threadId} of pid`));
  assert.ok(workerRow, JSON.stringify(rows));
  assert.deepEqual(analysisJson(run, figures).stalls?.threadLoops, loops);
  assert.deepEqual(reportData(run).stalls?.threads, rows);
  const text = formatAnalysis(run.diagnosis, figures);
  const markdown = runMarkdown(run);
  for (const r of rows) {
    assert.ok(text.includes(r.p99) && text.includes(r.max), `text has ${JSON.stringify(r)}`);
    assert.ok(
      markdown.includes(`| ${[r.thread, r.stalls, r.p50, r.p99, r.max].map(mdText).join(' | ')} |`),
      `Markdown has ${JSON.stringify(r)}`,
    );
  }
});
