/**
 * "CPU per response" divides the window's CPU by the responses the service finished within the
 * window (issue #26, item 1): with few answers, a figure per answer is inflated.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../src/record/run';
import { runRows } from '../../src/report/runSummary';
import { responsesOf } from '../../src/vocabulary/served';

/** A run as the slow-route fixture left it: 19 answers, 30 responses finished, 3.4 s of CPU. */
function record(served: RunRecord['served']): RunRecord {
  return {
    status: 'done',
    stage: 'profiling',
    target: { kind: 'command', command: 'node server.js' },
    load: {
      requests: 19,
      requestsPerSec: 6.3,
      durationSec: 3,
      errors: 0,
      timeouts: 0,
      non2xx: 0,
      statusCodes: { 200: 19 },
      latencyMs: { mean: 1500, stddev: 0, min: 1400, p50: 1512, p90: 1547, p99: 1594, max: 1594 },
    },
    agent: {
      cpuUserMs: 3000,
      cpuSystemMs: 390,
      cpuShare: 0.75,
      eventLoopDelayMs: { p99: 1686 },
    },
    ...(served ? { served } : {}),
    profile: { file: null, why: 'test' },
  } as unknown as RunRecord;
}

const serviceRow = (r: RunRecord) =>
  runRows(r, '/tmp/run', '/tmp').find(([label]) => label === 'service')?.[1] ?? '';

test('CPU per response divides by the responses the service finished in the window, and says so', () => {
  const counted = record({ started: 30, finished: 30, finishedDuringLoad: 20 });
  assert.deepEqual(responsesOf(counted), { count: 30, counts: 'served.finished' });
  // 3,390 ms over 30 responses, not over the load's 19 answers (178 ms).
  assert.match(serviceRow(counted), /\(113 ms per response, of the 30 it finished in the window\)/);
});

test("a run without the service's count (a URL, an older run) divides by the load's answers", () => {
  const older = record(undefined);
  assert.deepEqual(responsesOf(older), { count: 19, counts: 'load.requests' });
  assert.match(serviceRow(older), /\(178 ms per response\)/);
  assert.equal(
    responsesOf(record({ started: 0, finished: 0, finishedDuringLoad: 0 }))?.counts,
    'load.requests',
  );
});

test('the processes row counts the window as the service row does: requests started, responses finished', () => {
  const unit = (pid: number, requests: number, finished: number) => ({
    pid,
    threadId: 0,
    command: 'node server.js',
    requests,
    finished,
    merged: true,
  });
  const cluster = {
    ...record({ started: 36, finished: 30, finishedDuringLoad: 20 }),
    processes: {
      port: 3000,
      profiled: [unit(1, 20, 17), unit(2, 16, 13)],
      skipped: [],
      overCap: 0,
      cap: 8,
    },
  } as unknown as RunRecord;
  const row = runRows(cluster, '/tmp/run', '/tmp').find(([label]) => label === 'processes')?.[1];
  assert.match(
    row ?? '',
    /pid 1 \(20 requests started and 17 responses finished in the window\) · pid 2 \(16 requests started and 13 responses finished in the window\)/,
  );
  // 17 + 13: the 30 the service row divides by.
  assert.match(serviceRow(cluster), /of the 30 it finished in the window/);
});

test('a run folder given with a trailing separator is shown with one', () => {
  const saved = (folder: string, cwd: string) =>
    runRows(record(undefined), folder, cwd).find(([label]) => label === 'saved')?.[1] ?? '';
  assert.equal(saved('/srv/runs/x/', '/elsewhere'), '/srv/runs/x/ (run.json)');
  assert.equal(saved('/srv/runs/x/', '/srv'), 'runs/x/ (run.json)');
  assert.equal(saved('/srv/runs/x', '/elsewhere'), '/srv/runs/x/ (run.json)');
});
