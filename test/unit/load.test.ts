import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  bucketPercentile,
  bucketUpperMs,
  coarseHistogram,
  LATENCY_BUCKETS,
  latencyBucket,
} from '../../src/runner/load/protocol';
import { summarize, workerCount } from '../../src/runner/load/summary';
import { resolveRunOptions } from '../../src/runner/options';

/**
 * Latencies up to `max` ms spread over the whole range: `fc.double` alone is uniform over the
 * floats, so nearly all its values lie below 1 ms and the upper buckets would go untested.
 */
const latencyMs = (max: number) =>
  fc.oneof(
    fc.double({ min: 0, max, noNaN: true }),
    fc.integer({ min: 0, max: max * 1000 }).map((us) => us / 1000),
  );

describe('latency buckets for live progress', () => {
  test('every latency falls in a bucket whose upper edge is at or above it, within 1 ms', () => {
    fc.assert(
      fc.property(latencyMs(9_999), (ms) => {
        const bucket = latencyBucket(ms);
        assert.ok(bucket >= 0 && bucket < LATENCY_BUCKETS);
        const upper = bucketUpperMs(bucket);
        assert.ok(upper >= ms, `${ms} ms in a bucket up to ${upper}`);
        assert.ok(upper - ms <= (ms < 100 ? 0.1 : 1) + 1e-9);
      }),
    );
  });

  test('buckets grow with latency', () => {
    fc.assert(
      fc.property(latencyMs(20_000), latencyMs(20_000), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        assert.ok(latencyBucket(low) <= latencyBucket(high), `${low} ms, ${high} ms`);
      }),
    );
  });

  test('percentiles of a histogram match the sorted latencies to the bucket width', () => {
    fc.assert(
      fc.property(fc.array(latencyMs(5_000), { minLength: 1, maxLength: 300 }), (latencies) => {
        const counts = new Uint32Array(LATENCY_BUCKETS);
        for (const ms of latencies) counts[latencyBucket(ms)]++;
        const sorted = [...latencies].sort((x, y) => x - y);
        const exact = sorted[Math.ceil(0.99 * sorted.length) - 1];
        const estimate = bucketPercentile(counts, 99);
        assert.ok(estimate !== undefined && estimate >= exact && estimate - exact <= 1 + 1e-9);
      }),
    );
    assert.equal(bucketPercentile(new Uint32Array(LATENCY_BUCKETS), 99), undefined);
  });
});

describe('load options for autocannon', () => {
  const load = (request: Parameters<typeof resolveRunOptions>[0]) =>
    resolveRunOptions(request, '/w').load;

  test('worker threads only where autocannon can split the load evenly', () => {
    assert.equal(workerCount({ ...load({ path: '/x', connections: 50 }), workers: 2 }), 2);
    assert.equal(
      workerCount({ ...load({ path: '/x', connections: 51 }), workers: 2 }),
      1,
      'odd connections',
    );
    assert.equal(
      workerCount({ ...load({ path: '/x', connections: 1 }), workers: 2 }),
      1,
      'one connection',
    );
    assert.equal(
      workerCount({ ...load({ path: '/x', connections: 10, amount: 15 }), workers: 2 }),
      1,
      'odd amount',
    );
    assert.equal(
      workerCount({ ...load({ path: '/x', connections: 10, overallRate: 100 }), workers: 2 }),
      1,
      'autocannon would give each worker the whole overall rate',
    );
  });
});

describe('summarize', () => {
  test('counts responses from the status codes and req/s over the measured duration', () => {
    const summary = summarize(
      {
        url: 'http://127.0.0.1:1/x',
        connections: 4,
        duration: 2,
        start: '2026-01-01T00:00:00.000Z',
        finish: new Date('2026-01-01T00:00:02.000Z'),
        errors: 3,
        timeouts: 1,
        non2xx: 10,
        statusCodeStats: { '200': { count: 90 }, '404': { count: 10 } },
        latency: { mean: 5, stddev: 1, min: 1, p50: 4, p90: 8, p99: 12, max: 20 },
        requests: { average: 50, stddev: 2, min: 48, max: 52, sent: 104 },
        throughput: { average: 1000 },
      },
      'GET',
    );
    assert.equal(summary.requests, 100);
    assert.equal(summary.requestsPerSec, 50);
    assert.equal(summary.non2xx, 10);
    assert.deepEqual(summary.statusCodes, { '200': 90, '404': 10 });
    assert.equal(summary.latencyMs.p99, 12);
    assert.equal(summary.perSecond.mean, 50);
    assert.equal(summary.startedAt, '2026-01-01T00:00:00.000Z');
    assert.equal(summary.finishedAt, '2026-01-01T00:00:02.000Z');
  });

  test('an empty or odd result gives zeros, not NaN', () => {
    const summary = summarize({ duration: 0, latency: { p99: Number.NaN } }, 'GET');
    assert.equal(summary.requestsPerSec, 0);
    assert.equal(summary.latencyMs.p99, 0);
    assert.equal(summary.startedAt, undefined);
  });
});

test('the latency histogram folds fine buckets into labelled bins and keeps every response', () => {
  const fine = new Uint32Array(LATENCY_BUCKETS);
  for (const ms of [0.05, 0.9, 1, 1.5, 4, 60, 60, 250, 9_000, 20_000]) fine[latencyBucket(ms)]++;
  const { edgesMs, counts } = coarseHistogram(fine);
  assert.equal(counts.length, edgesMs.length + 1);
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    10,
  );
  const at = (edge: number) => counts[edgesMs.indexOf(edge)];
  assert.equal(at(1), 2, '0.05 and 0.9 ms (a bucket counts up to its upper edge)');
  assert.equal(at(2), 2, '1 and 1.5 ms');
  assert.equal(at(5), 1);
  assert.equal(at(100), 2);
  assert.equal(at(500), 1);
  assert.equal(at(10_000), 1);
  assert.equal(counts[counts.length - 1], 1, 'above 10 s');
});
