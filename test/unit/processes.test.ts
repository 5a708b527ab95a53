/** Which of a service's processes and threads are profiled, and their profiles merged as one. */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseProfile } from '../../src/profile/cpuprofile';
import { buildModel } from '../../src/profile/model';
import type { AgentMetrics } from '../../src/record/load';
import { commandOf } from '../../src/runner/agent/channel';
import { busyShare, mergeProfiles, type RawProfile } from '../../src/runner/mergeProfiles';
import {
  chooseProfiled,
  combineLocks,
  combineMetrics,
  type Unit,
} from '../../src/runner/processes';
import { cpuProfile, repeated } from '../helpers';

const APP = '/srv/app.js';

const unit = (pid: number, ppid: number, ports: number[], threadId = 0): Unit => ({
  pid,
  ppid,
  threadId,
  ports,
});

describe('chooseProfiled', () => {
  test('one process on the port: it alone, and the npm above it is named as not listening', () => {
    const npm = unit(10, 1, []);
    const server = unit(11, 10, [3000]);
    const choice = chooseProfiled([npm, server], 3000, 8);
    assert.deepEqual(choice.profiled, [server]);
    assert.deepEqual(choice.skipped, [{ unit: npm, why: 'does not listen on port 3000' }]);
    assert.equal(choice.overCap, 0);
  });

  test('a cluster: the workers, not the primary that listens to hand out connections', () => {
    const primary = unit(20, 1, [3000]);
    const workers = [unit(21, 20, [3000]), unit(22, 20, [3000])];
    const choice = chooseProfiled([primary, ...workers], 3000, 8);
    assert.deepEqual(choice.profiled, workers);
    assert.equal(choice.skipped.length, 1);
    assert.equal(choice.skipped[0].unit, primary);
    assert.match(choice.skipped[0].why, /cluster primary/);
    assert.match(choice.skipped[0].why, /pid 21, 22/);
  });

  test("a serving process's worker threads come with it; others' do not", () => {
    const server = unit(30, 1, [3000]);
    const pool = [unit(30, 1, [], 1), unit(30, 1, [], 2)];
    const other = unit(31, 1, [9229]);
    const otherThread = unit(31, 1, [], 1);
    const choice = chooseProfiled([server, other, ...pool, otherThread], 3000, 8);
    assert.deepEqual(choice.profiled, [server, ...pool]);
    assert.match(
      choice.skipped.find((s) => s.unit === otherThread)?.why ?? '',
      /a thread of pid 31, which does not serve port 3000/,
    );
  });

  test('the cap keeps the serving processes first and says how many were left out', () => {
    const primary = unit(40, 1, [3000]);
    const workers = [41, 42, 43].map((pid) => unit(pid, 40, [3000]));
    const threads = [unit(41, 40, [], 1), unit(42, 40, [], 1)];
    const choice = chooseProfiled([primary, ...workers, ...threads], 3000, 4);
    assert.deepEqual(choice.profiled, [...workers, threads[0]]);
    assert.equal(choice.overCap, 1);
    assert.match(choice.skipped.find((s) => s.unit === threads[1])?.why ?? '', /cap of 4/);
  });

  test('nothing on the port: nothing profiled', () => {
    assert.deepEqual(chooseProfiled([unit(1, 0, [80])], 3000, 8).profiled, []);
  });
});

function metrics(cpuMs: number, gcMs: number, p99: number): AgentMetrics {
  return {
    wallMs: 1000,
    cpuUserMs: cpuMs,
    cpuSystemMs: 0,
    cpuShare: cpuMs / 1000,
    eventLoopUtilization: 0.5,
    eventLoopDelayMs: { min: 1, mean: 2, p50: 2, p90: 3, p99, max: p99 },
    gc: {
      count: 1,
      totalMs: gcMs,
      share: gcMs / 1000,
      byKind: { minor: { count: 1, totalMs: gcMs } },
    },
    heap: { startUsedBytes: 1, endUsedBytes: 2, peakUsedBytes: 3, peakRssBytes: 4 },
    samplingIntervalUs: 1000,
  };
}

test('combined metrics: CPU adds up, GC is a share of the processes’ time, delays the worst', () => {
  const one = metrics(900, 50, 10);
  assert.equal(combineMetrics([one]), one);
  const both = combineMetrics([one, metrics(800, 150, 30)]);
  assert.equal(both.cpuUserMs, 1700);
  assert.ok(Math.abs(both.cpuShare - 1.7) < 1e-9);
  assert.equal(both.gc.totalMs, 200);
  assert.equal(both.gc.share, 0.1);
  assert.deepEqual(both.gc.byKind, { minor: { count: 2, totalMs: 200 } });
  assert.equal(both.eventLoopDelayMs.p99, 30);
});

test('combined locks: each process keeps its own locks, sites point at the right one', () => {
  const report = (kind: 'Mutex' | 'Semaphore') => ({
    library: { name: 'async-mutex' as const },
    locks: [{ kind }],
    sites: [
      {
        lock: 0,
        stack: [],
        asked: 1,
        failed: 0,
        waitMs: { count: 1, total: 1, p50: 1, p90: 1, p99: 1, max: 1 },
        holdMs: { count: 1, total: 1, p50: 1, p90: 1, p99: 1, max: 1 },
      },
    ],
  });
  assert.equal(combineLocks([undefined]), undefined);
  const combined = combineLocks([report('Mutex'), undefined, report('Semaphore')]);
  assert.deepEqual(
    combined?.sites.map((s) => combined.locks[s.lock].kind),
    ['Mutex', 'Semaphore'],
  );
});

/** A random profile: a tree of a few named functions, samples on its nodes, random gaps. */
const arbitraryProfile = fc
  .record({
    parents: fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
    names: fc.array(fc.constantFrom('a', 'b', 'c', '(idle)', '(garbage collector)'), {
      minLength: 12,
      maxLength: 12,
    }),
    samples: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 5000 })), { maxLength: 60 }),
    lead: fc.integer({ min: 0, max: 3000 }),
    tail: fc.integer({ min: 0, max: 3000 }),
    start: fc.integer({ min: 0, max: 1e9 }),
  })
  .map(({ parents, names, samples, lead, tail, start }): RawProfile => {
    const count = parents.length + 1;
    const nodes = Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      callFrame: {
        functionName: i === 0 ? '(root)' : names[i - 1],
        scriptId: String(i),
        url: names[i - 1]?.startsWith('(') || i === 0 ? '' : '/srv/app.js',
        lineNumber: i === 0 ? -1 : names.indexOf(names[i - 1]),
        columnNumber: 0,
      },
      hitCount: 0,
      children: [] as number[],
      positionTicks: i > 0 ? [{ line: i, ticks: 1 }] : undefined,
    }));
    for (const [i, p] of parents.entries()) nodes[p % (i + 1)].children.push(i + 2);
    const ids = samples.map(([n]) => (n % count) + 1);
    const deltas = samples.map(([, d], i) => (i === 0 ? lead : d));
    const end = start + deltas.reduce((a, b) => a + b, 0) + tail;
    return { nodes, startTime: start, endTime: end, samples: ids, timeDeltas: deltas };
  });

test('a merged profile keeps every function’s self time and every line’s ticks (property)', () => {
  fc.assert(
    fc.property(fc.array(arbitraryProfile, { minLength: 2, maxLength: 4 }), (profiles) => {
      const merged = buildModel(parseProfile(mergeProfiles(profiles)));
      const parts = profiles.map((p) => buildModel(parseProfile(p)));
      const key = (f: { name: string; url: string; line: number }) =>
        `${f.name}@${f.url}:${f.line}`;
      const expected = new Map<string, number>();
      for (const part of parts)
        for (const f of part.functions)
          expected.set(key(f), (expected.get(key(f)) ?? 0) + f.selfUs);
      const actual = new Map<string, number>();
      for (const f of merged.functions) actual.set(key(f), (actual.get(key(f)) ?? 0) + f.selfUs);
      for (const [k, us] of expected) {
        if (us === 0 && !actual.has(k)) continue;
        assert.ok(Math.abs((actual.get(k) ?? 0) - us) < 1e-6, `${k}: ${actual.get(k)} vs ${us}`);
      }
      const duration = parts.reduce((sum, part) => sum + part.durationUs, 0);
      assert.ok(
        Math.abs(merged.durationUs - duration) < 1e-6,
        `${merged.durationUs} vs ${duration}`,
      );
    }),
    { seed: 17, numRuns: 300 },
  );
});

test('the same stack in two processes is one node of the merged tree', () => {
  const one: RawProfile = cpuProfile(repeated(2, [{ name: 'handler', url: APP, line: 4 }], 10));
  const merged = mergeProfiles([one, { ...one, startTime: 500, endTime: 520 }]);
  assert.equal(merged.nodes.filter((n) => n.callFrame.functionName === 'handler').length, 1);
  assert.equal(merged.endTime, 40);
});

test("a profile's busy share: the time not spent (idle), each sample until the next", () => {
  const idleThenWork: RawProfile = cpuProfile([
    ...repeated(3, ['(idle)'], 10),
    { stack: [{ name: 'work', url: APP, line: 4 }], us: 10 },
    { stack: ['(idle)'], us: 60 },
  ]);
  // Spans: idle 10, idle 10, idle 10, work 10, idle (last: none counted).
  assert.equal(busyShare(idleThenWork), 0.25);
  assert.equal(busyShare({ ...idleThenWork, samples: [], timeDeltas: [] }), 0);
});

test("a process's command names its script as its folder does: node dist/main.js, not node main.js", () => {
  const node = '/usr/local/bin/node';
  assert.equal(
    commandOf([node, '/srv/app/dist/main.js', '--port', '3000'], '/srv/app'),
    'node dist/main.js --port 3000',
  );
  assert.equal(commandOf([node, '/srv/app/server.js'], '/srv/app'), 'node server.js');
  // A script outside the folder, or no folder said (an older agent): its file name.
  assert.equal(commandOf([node, '/opt/tools/cli.js'], '/srv/app'), 'node cli.js');
  assert.equal(commandOf([node, '/srv/app/dist/main.js']), 'node main.js');
  // Not a path (node -e, a REPL): as given.
  assert.equal(commandOf([node, '-e', 'x'], '/srv/app'), 'node -e x');
});
