/**
 * Load shapes and honest comparisons on the real sample service (one service for the file,
 * load-tested by URL: no profile, the load is what is under test).
 *
 * The self-comparison check: two loads of /fast, back to back, compared with the interval of
 * src/profile/stats.ts, twenty times. Each load lasts 1 s: about six whole 100 ms intervals
 * once the cut first and last are dropped, above the five the interval needs, and forty loads
 * then take about a minute here. Longer loads narrow the interval but would not make the check
 * any stricter: it asks that a route compared with itself is not called faster or slower, which
 * is the error a 95 % interval with a 5 % noise threshold makes at most about one time in twenty.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spreadOf } from '../../src/profile/compare';
import { directionOf, ratioInterval, samplesOf, verdictText } from '../../src/profile/stats';
import type { RunRecord } from '../../src/record/run';
import { type RunRequest, resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
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
  test('/read: no growth at all, pinned by the lock', async () => {
    const record = await load({ path: '/read', shape: rampTo(64) });
    const ramp = record.load?.ramp;
    assert.ok(ramp, 'a ramp report');
    const rps = ramp.steps.map((s) => Math.round(s.requestsPerSec));
    assert.equal(ramp.knee.step, 0, `steps ${rps.join(', ')} req/s`);
    assert.ok(ramp.knee.growth < 1.1, `growth ${ramp.knee.growth}`);
    assert.equal(ramp.steps.length, 3, 'it stops after two steps without growth');
    assert.deepEqual(
      ramp.steps.map((s) => s.connections),
      [1, 2, 4],
    );
    // The timeline says how many connections were open, second by second.
    const open = (record.timeline ?? []).map((p) => p.connections);
    assert.ok(open.includes(1) && open.includes(4), `connections over time: ${open.join(', ')}`);
  });

  test('/fast: throughput grows with connections, its knee above the first step', async () => {
    const record = await load({ path: '/fast', shape: rampTo(32) });
    const ramp = record.load?.ramp;
    assert.ok(ramp, 'a ramp report');
    const rps = ramp.steps.map((s) => Math.round(s.requestsPerSec));
    assert.ok(ramp.knee.step > 0, `steps ${rps.join(', ')} req/s`);
    assert.ok(ramp.knee.growth >= 4, `growth ${ramp.knee.growth}: ${rps.join(', ')} req/s`);
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
    const open = (record.timeline ?? []).map((p) => p.connections);
    assert.ok(open.includes(22), `connections over time: ${open.join(', ')}`);
    assert.ok(open.at(-1) === 2 || open.at(-1) === 0, `back to the base: ${open.join(', ')}`);
    const rps = (record.timeline ?? []).map((p) => p.rps);
    assert.ok(Math.max(...rps) >= 4 * Math.min(...rps.slice(0, 1)), `req/s: ${rps.join(', ')}`);
  });

  test('users join at their spawn rate and keep their pace', async () => {
    const record = await load({
      path: '/hello',
      shape: { kind: 'users', users: 10, waitSec: 0.2, spawnRate: 5, durationSec: 3 },
    });
    const open = (record.timeline ?? []).map((p) => p.connections);
    assert.equal(open[0], 5, `half the users after 1 s: ${open.join(', ')}`);
    assert.ok(open.includes(10), `connections over time: ${open.join(', ')}`);
    // 10 users at one request every 0.2 s: at most 50 req/s, whatever the service could do.
    const summary = record.load;
    assert.ok(
      summary && summary.requestsPerSec <= 52 && summary.requestsPerSec > 20,
      `${summary?.requestsPerSec}`,
    );
  });
});

describe('comparisons say whether a change is real', () => {
  test('a route compared with itself: no measurable change in at least 19 of 20 checks', async () => {
    const verdicts: string[] = [];
    let same = 0;
    for (let check = 0; check < 20; check++) {
      const a = await load({ path: '/fast', connections: 20, durationSec: 1 });
      const b = await load({ path: '/fast', connections: 20, durationSec: 1 });
      const [before, after] = [samplesOf(a), samplesOf(b)];
      assert.ok(before && after, 'each load keeps its samples');
      // As a comparison has it: about the ratio of the loads' own req/s.
      const interval = spreadOf({ load: a.load, samples: before }, { load: b.load, samples: after })
        .spread?.requestsPerSec;
      assert.ok(interval, `an interval from ${before[0].responses.length} intervals`);
      if (directionOf(interval) === 'same') same++;
      verdicts.push(verdictText(interval, 'faster', 'slower'));
    }
    assert.ok(same >= 19, verdicts.join('\n'));
    process.stdout.write(`# self-comparisons:\n# ${verdicts.join('\n# ')}\n`);
  });

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
