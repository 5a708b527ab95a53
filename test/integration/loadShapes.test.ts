/**
 * Load shapes and comparisons on the real sample service (one service for the file, load-tested
 * by URL: no profile, the load is what is under test). What is checked here is behaviour: each
 * shape is obeyed, the run completes, and its counts are sane within bounds a busy machine still
 * meets. The figures that need a quiet machine (the exact connections open at each second, how
 * many of twenty self-comparisons say "no measurable change", how much /fast's ramp grows) are
 * printed side by side by `npm run bench:shapes`; the statistics behind them are checked on
 * seeded data of known spread in test/unit/stats.test.ts and test/unit/shapes.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { directionOf, ratioInterval, samplesOf, verdictText } from '../../src/profile/stats';
import type { RampShape } from '../../src/record/load';
import type { RunRecord } from '../../src/record/run';
import { type RunRequest, resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { checkShape, rampSteps } from '../../src/runner/shapes';
import { type RunningService, startSampleService } from '../../src/runner/target';
import { loadRampSteps } from '../../src/runs/runFolder';
import { tempFolder } from '../helpers';

const cli = path.join(__dirname, '..', '..', 'dist', 'cli.js');
let out: string;
let service: RunningService;
before(async () => {
  out = tempFolder('shapes');
  service = await startSampleService({ nodePath: process.execPath, readyTimeoutSec: 30 });
});
after(async () => {
  await service?.stop();
  fs.rmSync(out, { recursive: true, force: true });
});

async function load(request: Omit<RunRequest, 'url' | 'outDir'>): Promise<RunRecord> {
  const { record } = await runProfile(
    resolveRunOptions({ warmupSec: 0, ...request, url: service.url, outDir: out }),
  );
  assert.equal(record.status, 'done', record.error?.message);
  return record;
}

const rampTo = (to: number) => ({ kind: 'ramp', from: 1, to, factor: 2, stepSec: 1 });

describe('a ramp finds the saturation knee', () => {
  test('/read: pinned by the lock, the ramp stops early without growth', async () => {
    const shape = rampTo(64);
    const record = await load({ path: '/read', shape });
    const ramp = record.load?.ramp;
    assert.ok(ramp, 'a ramp report');
    const rps = ramp.steps.map((s) => Math.round(s.requestsPerSec));
    const sizes = rampSteps(checkShape(shape, 'shape') as RampShape);
    assert.deepEqual(
      ramp.steps.map((s) => s.connections),
      sizes.slice(0, ramp.steps.length),
      'the steps double from 1',
    );
    assert.ok(ramp.steps.length < sizes.length, `it stops before its top: ${rps.join(', ')}`);
    // One request at a time whatever the connections (/fast doubles from 1 to 2).
    assert.ok(
      rps.every((r) => r > 0 && r < 1.5 * rps[0]) && ramp.knee.growth < 1.5,
      `steps ${rps.join(', ')} req/s`,
    );
    // The timeline says how many connections were open, second by second: a step's size (or
    // none, between two steps), more later than first.
    const open = (record.timeline ?? []).map((p) => p.connections ?? 0);
    assert.ok(
      open.every((c) => c === 0 || sizes.includes(c)),
      `connections over time: ${open.join(', ')}`,
    );
    const seen = open.filter((c) => c > 0);
    assert.ok(seen.length >= 2 && (seen.at(-1) ?? 0) > seen[0], `grows: ${open.join(', ')}`);
  });

  test('/fast: throughput grows with connections, its knee above the first step', async () => {
    const record = await load({ path: '/fast', shape: rampTo(32) });
    const ramp = record.load?.ramp;
    assert.ok(ramp, 'a ramp report');
    const rps = ramp.steps.map((s) => Math.round(s.requestsPerSec));
    assert.ok(ramp.knee.step > 0 && ramp.knee.growth > 1, `steps ${rps.join(', ')} req/s`);
    assert.equal(
      record.load?.requests,
      ramp.steps.reduce((sum, s) => sum + s.requests, 0),
      'the summary adds up its steps',
    );
  });
});

describe('a ramp profile cut by step', () => {
  test('each step gets the profile of its own seconds; compare takes one ramp run', async () => {
    // The sample service started by the run, profiled: a ramp of /cpu, pinned by one core.
    const { folder, record } = await runProfile(
      resolveRunOptions({
        path: '/cpu',
        shape: { kind: 'ramp', from: 1, to: 4, factor: 2, stepSec: 1 },
        warmupSec: 0.5,
        outDir: out,
      }),
    );
    assert.equal(record.status, 'done', record.error?.message);
    const ramp = record.load?.ramp;
    assert.ok(ramp && ramp.steps.length >= 2, JSON.stringify(ramp));
    const [a, b] = loadRampSteps(folder);
    assert.equal(b.index, a.index + 1);
    for (const cut of [a, b]) {
      const seconds = cut.compared.analysis.model.durationUs / 1e6;
      assert.ok(
        Math.abs(seconds - cut.step.durationSec) < 0.3,
        `step ${cut.index + 1}: ${seconds} s of profile for a ${cut.step.durationSec} s step`,
      );
      const cpu = cut.compared.analysis.functions.find((f) => f.name === 'cpu');
      assert.ok(cpu && cpu.selfUs > 0, `the handler is in step ${cut.index + 1}'s profile`);
    }
    assert.throws(() => loadRampSteps(folder, [0, 9]), /steps: the ramp has steps 0 to \d; got 9/);
    const text = spawnSync(process.execPath, [cli, 'compare', folder, '--steps', '1,2'], {
      encoding: 'utf8',
    });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /before\s+GET \/cpu step 1: 1 connections/);
    assert.match(text.stdout, /after\s+GET \/cpu step 2: 2 connections/);
    assert.match(text.stdout, /req\/s\s+[\d.,]+ → [\d.,]+/);
  });
});

describe('shapes run as phases side by side', () => {
  test('a spike adds its connections on the base load for its seconds', async () => {
    const record = await load({
      path: '/fast',
      shape: {
        kind: 'spike',
        connections: 2,
        spikeConnections: 20,
        durationSec: 3,
        spikeAtSec: 1,
        spikeSec: 1,
      },
    });
    assert.equal(record.load?.connections, 22, 'the peak');
    const open = (record.timeline ?? []).map((p) => p.connections ?? 0);
    assert.ok(
      open.every((c) => [0, 2, 22].includes(c)) && open.some((c) => c > 2),
      `connections over time, the base, the spike on it or none: ${open.join(', ')}`,
    );
    // 11x the connections on a route that sleeps: at least twice the first second's req/s.
    const rps = (record.timeline ?? []).map((p) => p.rps);
    assert.ok(Math.max(...rps) > 2 * rps[0], `req/s: ${rps.join(', ')}`);
  });

  test('users join at their spawn rate and keep their pace', async () => {
    const record = await load({
      path: '/hello',
      shape: { kind: 'users', users: 10, waitSec: 0.2, spawnRate: 5, durationSec: 3 },
    });
    // Half join at once, the rest a second later: open connections grow to the users, never
    // beyond, and do not fall while they join.
    const open = (record.timeline ?? []).map((p) => p.connections ?? 0);
    const peak = open.indexOf(10);
    assert.ok(peak >= 0 && Math.max(...open) === 10, `connections over time: ${open.join(', ')}`);
    assert.ok(
      open.slice(0, peak + 1).every((c, i, a) => c > 0 && (i === 0 || c >= a[i - 1])),
      `connections over time: ${open.join(', ')}`,
    );
    // 10 users at one request every 0.2 s: at most 50 req/s, whatever the service could do.
    const summary = record.load;
    assert.ok(
      summary && summary.requestsPerSec <= 52 && summary.requestsPerSec > 10,
      `${summary?.requestsPerSec}`,
    );
  });
});

describe('comparisons say whether a change is real', () => {
  test('/read against /fast: faster, with an interval that excludes 1; repeats merge', async () => {
    const read = await load({ path: '/read', connections: 20, durationSec: 1.5 });
    const fast = await load({ path: '/fast', connections: 20, durationSec: 1, repeat: 2 });
    assert.equal(fast.repeats?.length, 2);
    assert.equal(
      fast.load?.requests,
      (fast.repeats ?? []).reduce((sum, r) => sum + r.requests, 0),
    );
    assert.ok(
      new Set(fast.timeline?.map((p) => p.repeat)).size === 2,
      'the timeline marks each load',
    );
    const before = samplesOf(read);
    const afterSamples = samplesOf(fast);
    assert.ok(before && afterSamples?.length === 2);
    const interval = ratioInterval(before, afterSamples, 'requestsPerSec');
    assert.ok(interval);
    assert.equal(directionOf(interval), 'up', verdictText(interval, 'faster', 'slower'));
    assert.ok(interval.low > 1, `${interval.low}`);
    assert.match(verdictText(interval, 'faster', 'slower'), /^faster, 95 % CI [\d.]+–[\d.]+x$/);
  });
});
