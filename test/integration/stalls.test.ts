/**
 * What blocked the event loop (issue #28), on real runs: the sample's /cpu holds the loop for
 * turns far over the threshold and the table names `cpu`; /fast, loaded the same way in the same
 * test, stalls far less (a ratio: a busy machine makes stalls of its own); a route that
 * busy-waits a known 200 ms in a named function has its stalls charged to that function.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { LoadedRun } from '../../src/profile/loadedRun';
import { runFigures } from '../../src/report/figures';
import { analysisJson } from '../../src/report/json';
import { runMarkdown } from '../../src/report/markdown';
import { reportData } from '../../src/report/reportData';
import { formatAnalysis } from '../../src/report/text';
import { type RunRequest, resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
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

test('/cpu stalls the loop in cpu; /fast far less', async (t) => {
  const cpu = await profile({ path: '/cpu', connections: 4 });
  const fast = await profile({ path: '/fast', connections: 4 });
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
