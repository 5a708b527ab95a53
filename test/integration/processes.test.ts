/**
 * The right window on a service shaped like users': a lock route whose warm-up leaves requests
 * queued in the service. (The right processes and threads, a node:cluster's workers and a worker
 * thread's CPU, are tested on the zoo's runs of them, in zoo.test.ts.)
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { profileService, testRuns, ZOO } from '../zoo';

const runs = testRuns('processes');
const lock = {
  cwd: path.join(ZOO, 'lock'),
  command: `"${process.execPath}" server.js`,
  route: '/balance',
};

test("the window opens after the warm-up's queued requests have ended", async () => {
  // Side by side: a 50-connection warm-up leaves ~50 requests queued on a 50 ms lock.
  const warmed = await profileService(runs, lock, { connections: 50, warmupSec: 1 });
  const cold = await profileService(runs, lock, { connections: 50, warmupSec: 0 });
  const ratio = (warmed.record.load?.requestsPerSec ?? 0) / (cold.record.load?.requestsPerSec ?? 1);
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

  // A wait that runs out says so, and the run goes on. 25 connections: a backlog of 50 would
  // fill the window, a run that measured nothing (issue #26), not one that goes on.
  const short = await profileService(runs, lock, {
    connections: 25,
    warmupSec: 1,
    drainTimeoutSec: 0.1,
  });
  assert.ok((short.record.warmup?.leftInFlight ?? 0) > 0, JSON.stringify(short.record.warmup));
});
