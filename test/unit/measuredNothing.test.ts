/**
 * The window's verdict on itself (src/runner/window.ts): a load with no responses, or under a
 * tenth of its own warm-up's rate, measured nothing; the words say what happened and what to try.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoadSummary } from '../../src/record/load';
import { measuredNothing } from '../../src/runner/window';
import { forSurface, hasReference } from '../../src/vocabulary/words';

function load(requests: number, durationSec = 3): LoadSummary {
  return {
    url: 'http://127.0.0.1:1/report',
    method: 'GET',
    connections: 50,
    workers: 1,
    durationSec,
    startedAt: undefined,
    finishedAt: undefined,
    requests,
    sent: requests + 50,
    requestsPerSec: requests / durationSec,
    perSecond: { mean: 0, stddev: 0, min: 0, max: 0 },
    latencyMs: { mean: 0, stddev: 0, min: 0, p50: 0, p90: 0, p99: 0, max: 0 },
    throughputBytesPerSec: 0,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    statusCodes: requests ? { 200: requests } : {},
  };
}

test('a load with no responses measured nothing, with or without a warm-up, and says what to try', () => {
  const warmed = measuredNothing(load(0), { requests: 9, requestsPerSec: 8.8 }, 50);
  assert.ok(warmed, 'no responses after a warm-up');
  const cli = forSurface(warmed, 'cli');
  assert.match(cli, /no responses/);
  assert.match(cli, /--connections 5\b/);
  assert.match(cli, /--warmup 0/);
  assert.match(cli, /--duration 10/);
  assert.ok(!hasReference(forSurface(warmed, 'editor')));
  const cold = measuredNothing(load(0), undefined, 2);
  assert.ok(cold, 'no responses without a warm-up');
  assert.doesNotMatch(forSurface(cold, 'cli'), /--warmup/);
  assert.match(forSurface(cold, 'cli'), /--connections 1\b/);
});

test("under a tenth of the warm-up's rate measured the backlog; a tenth or more is a result", () => {
  const warmup = { requests: 300, requestsPerSec: 300 };
  const starved = measuredNothing(load(80), warmup, 50); // 26.7 req/s
  assert.ok(starved);
  assert.match(forSurface(starved, 'cli'), /under a tenth of its own warm-up's 300\.0 req\/s/);
  assert.equal(measuredNothing(load(90), warmup, 50), undefined); // 30 req/s: a tenth
  assert.equal(measuredNothing(load(9000), warmup, 50), undefined);
  // Without a warm-up, any response is a result.
  assert.equal(measuredNothing(load(1), undefined, 50), undefined);
});
