/**
 * The right processes, threads and window on services shaped like users': a node:cluster (its
 * workers profiled, not the primary that hands out connections), a service doing its CPU work in
 * a worker thread, and a lock route whose warm-up leaves requests queued in the service.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { hotFunctions, sourceOf } from '../../src/profile/analyze';
import { type RunRequest, resolveRunOptions } from '../../src/runner/options';
import { type CompletedRun, runProfile } from '../../src/runner/run';
import { loadRun } from '../../src/runs/runFolder';
import { freePort, tempFolder } from '../helpers';
import { ZOO } from '../zoo';

/** Profiles a zoo service (test/fixtures/zoo/<folder>/server.js) on a free port. */
async function profileZoo(
  folder: string,
  route: string,
  out: string,
  extra: Partial<RunRequest> = {},
): Promise<CompletedRun> {
  const port = await freePort();
  const run = await runProfile(
    resolveRunOptions({
      path: route,
      service: `PORT=${port} "${process.execPath}" server.js`,
      url: `http://127.0.0.1:${port}`,
      cwd: path.join(ZOO, folder),
      connections: 20,
      durationSec: 2,
      warmupSec: 0.5,
      outDir: out,
      ...extra,
    }),
  );
  assert.equal(run.record.status, 'done', run.record.error?.message);
  return run;
}

function ppidOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

test('a cluster: both workers are profiled and merged, the primary is named and left out', async () => {
  const out = tempFolder('cluster');
  try {
    const { folder, record } = await profileZoo('cluster', '/primes', out);
    const processes = record.processes;
    assert.ok(processes, 'run.json says which processes were profiled');
    assert.equal(processes.profiled.length, 2, JSON.stringify(processes));
    const primary = processes.skipped.find((s) => /cluster primary/.test(s.why));
    assert.ok(primary, `the primary is named: ${JSON.stringify(processes.skipped)}`);
    for (const worker of processes.profiled) {
      assert.equal(worker.threadId, 0);
      assert.ok(worker.requests > 0, `worker ${worker.pid} served requests`);
      assert.ok(worker.merged);
      assert.ok(fs.existsSync(path.join(folder, worker.file ?? '')), `${worker.file} kept`);
    }
    assert.notEqual(processes.profiled[0].pid, processes.profiled[1].pid);
    assert.ok(!processes.profiled.some((p) => p.pid === primary.pid));
    // The merged profile holds both workers' time: the hot handler is there, and the CPU of
    // both processes is counted.
    const { analysis } = loadRun(folder);
    const names = hotFunctions(analysis, 10).map((f) => f.name);
    assert.ok(names.includes('countPrimes'), names.join(', '));
    const perWorker = processes.profiled.map(
      (p) => (p.metrics?.cpuUserMs ?? 0) + (p.metrics?.cpuSystemMs ?? 0),
    );
    const combined = (record.agent?.cpuUserMs ?? 0) + (record.agent?.cpuSystemMs ?? 0);
    assert.ok(Math.abs(combined - (perWorker[0] + perWorker[1])) < 1e-6);
    // The profiled workers are the primary's children.
    assert.ok(!fs.existsSync(`/proc/${primary.pid}`) || ppidOf(processes.profiled[0].pid) !== 0);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("a worker thread's CPU work is profiled with its process and shows by name", async () => {
  const out = tempFolder('worker-thread');
  try {
    const { folder, record } = await profileZoo('worker-threads', '/digest', out);
    const profiled = record.processes?.profiled ?? [];
    const main = profiled.filter((p) => p.threadId === 0);
    const threads = profiled.filter((p) => p.threadId !== 0);
    assert.equal(main.length, 1, JSON.stringify(profiled));
    assert.equal(threads.length, 1, JSON.stringify(profiled));
    assert.equal(threads[0].pid, main[0].pid);
    const { analysis } = loadRun(folder);
    const chain = analysis.functions.find((f) => f.name === 'hashChain');
    assert.ok(chain, 'the worker thread’s function is in the profile');
    assert.equal(sourceOf(chain)?.source, path.join(ZOO, 'worker-threads', 'worker.js'));
    assert.equal(hotFunctions(analysis, 1, ['user'])[0].name, 'hashChain');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test("the window opens after the warm-up's queued requests have ended", async () => {
  const out = tempFolder('drain');
  try {
    // Side by side: a 50-connection warm-up leaves ~50 requests queued on a 50 ms lock.
    const warmed = await profileZoo('lock', '/balance', out, { connections: 50, warmupSec: 1 });
    const cold = await profileZoo('lock', '/balance', out, { connections: 50, warmupSec: 0 });
    const ratio =
      (warmed.record.load?.requestsPerSec ?? 0) / (cold.record.load?.requestsPerSec ?? 1);
    console.log(
      `lock route req/s, default warm-up ÷ none: ${ratio.toFixed(2)} ` +
        `(${warmed.record.load?.requestsPerSec} ÷ ${cold.record.load?.requestsPerSec}); ` +
        `the window waited ${warmed.record.warmup?.drainedMs} ms for the warm-up's requests`,
    );
    assert.ok(ratio >= 0.8, `the warm-up's backlog ran in the window: ${ratio.toFixed(2)}`);
    assert.equal(warmed.record.warmup?.leftInFlight, 0);
    assert.ok((warmed.record.warmup?.drainedMs ?? 0) > 200, 'there was a backlog to wait for');
    const site = warmed.record.locks?.sites[0];
    assert.ok(site && site.holdMs.p50 < 3 * 50, 'the holds measured are the route’s own 50 ms');

    // A wait that runs out says so, and the run goes on.
    const short = await profileZoo('lock', '/balance', out, {
      connections: 50,
      warmupSec: 1,
      drainTimeoutSec: 0.1,
    });
    assert.ok((short.record.warmup?.leftInFlight ?? 0) > 0, JSON.stringify(short.record.warmup));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
