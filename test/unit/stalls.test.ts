/**
 * What blocked the event loop (issue #28): each stall charged to the samples inside its span, a
 * sample to its deepest frame of the user's code, else to its leaf.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as vm from 'node:vm';
import { analyze } from '../../src/profile/analyze';
import { parseProfile } from '../../src/profile/cpuprofile';
import { diagnose } from '../../src/profile/diagnosis';
import { categorize } from '../../src/profile/model';
import { packProfile } from '../../src/profile/packedProfile';
import { attributeStalls, loopFigures } from '../../src/profile/stalls';
import type { StallsRecord } from '../../src/record/stalls';
import {
  PROBE_URL,
  STOP_IN_THREAD,
  stallProbeInThread,
  startStallProbe,
} from '../../src/runner/agent/stalls';
import { mergeProfiles } from '../../src/runner/mergeProfiles';
import { cpuProfile, type ProfileSample } from '../helpers';

const app = 'file:///app/server.js';
const handler = { name: 'handler', url: app, line: 3 };
const busyWait = { name: 'busyWait', url: app, line: 10 };
const library = { name: 'parse', url: 'file:///app/node_modules/lib/index.js', line: 1 };

/** 1 ms samples from 1 s of the clock: 10 idle, 200 in busyWait, 5 of GC, then idle. */
function profile() {
  const ms = (stack: ProfileSample['stack'], count: number): ProfileSample[] =>
    Array.from({ length: count }, () => ({ stack, us: 1000 }));
  return parseProfile(
    cpuProfile(
      [
        ...ms(['(idle)'], 10),
        ...ms([handler, busyWait, 'hrtime'], 150),
        ...ms([handler, busyWait, library], 50),
        ...ms(['(garbage collector)'], 5),
        ...ms(['(idle)'], 85),
      ],
      { startTime: 1_000_000 },
    ),
  );
}

function stalls(spans: [number, number][], dropped = 0): StallsRecord {
  return {
    thresholdMs: 5,
    probeMs: 5,
    spans,
    dropped,
    clock: 'profile',
    threads: { main: 1, workers: 0, notMeasured: 0 },
  };
}

test('a stall is charged to the deepest user frame of each sample inside it', () => {
  const cpu = profile();
  const analysis = analyze(cpu);
  const name = (id: number) => analysis.functions.find((f) => f.id === id)?.name;
  const result = attributeStalls(
    packProfile(cpu),
    // The 200 ms busy-wait, the GC after it, and one past the profile's end (no sample inside).
    stalls(
      [
        [1_210_000, 1_215_000],
        [1_010_000, 1_210_000],
        [1_400_000, 1_430_000],
      ],
      2,
    ),
    analysis.functions,
  );
  assert.equal(result.count, 5, 'the dropped ones count');
  assert.equal(result.dropped, 2);
  assert.equal(result.unsampled, 1);
  assert.equal(result.longestMs, 200);
  assert.equal(result.totalMs, 235);
  const rows = result.functions.map((f) => ({ ...f, name: name(f.functionId) }));
  assert.deepEqual(
    rows.map((r) => [r.name, r.stalls, r.totalMs, r.longestMs, r.sampledUs]),
    [
      // Its own samples, its builtin's and the library's it called: busyWait's, not handler's.
      ['busyWait', 1, 200, 200, 200_000],
      // No user frame: the leaf.
      ['(garbage collector)', 1, 5, 5, 5_000],
    ],
  );
});

test('a function in several stalls adds them up and keeps the longest', () => {
  const cpu = profile();
  const analysis = analyze(cpu);
  const result = attributeStalls(
    packProfile(cpu),
    stalls([
      [1_020_000, 1_050_000],
      [1_100_000, 1_190_000],
      [1_000_000, 1_005_000],
    ]),
    analysis.functions,
  );
  const [first, ...others] = result.functions;
  assert.equal(analysis.functions.find((f) => f.id === first.functionId)?.name, 'busyWait');
  assert.deepEqual([first.stalls, first.totalMs, first.longestMs], [2, 120, 90]);
  // The late turn over idle samples is the thread waiting (Atomics.wait, a busy machine): not charged.
  assert.deepEqual([others.length, result.idle, result.count, result.totalMs], [0, 1, 2, 120]);
  assert.equal(result.unsampled, 0);
});

test('no stalls: no rows', () => {
  const cpu = profile();
  const result = attributeStalls(packProfile(cpu), stalls([]), analyze(cpu).functions);
  assert.deepEqual([result.count, result.longestMs, result.functions.length], [0, 0, 0]);
});

test("merging profiles shifts each one's stalls with its samples", () => {
  const a = cpuProfile(
    Array.from({ length: 3 }, () => ({ stack: [handler], us: 1000 })),
    { startTime: 1_000, leadUs: 100 },
  );
  const b = cpuProfile(
    Array.from({ length: 4 }, () => ({ stack: [busyWait], us: 1000 })),
    { startTime: 90_000, leadUs: 100 },
  );
  const shifts: number[] = [];
  const merged = mergeProfiles([a, b], shifts);
  assert.equal(shifts.length, 2);
  // b's first sample, at 90 100 in its clock, is the merged profile's fourth.
  const times: number[] = [];
  let time = merged.startTime;
  for (const delta of merged.timeDeltas ?? []) {
    time += delta;
    times.push(time);
  }
  assert.equal(90_100 + shifts[1], times[3]);
  assert.equal(1_100 + shifts[0], times[0]);
});

test('the diagnosis says what blocked the loop when its delay p99 is high, and only then', () => {
  const cpu = profile();
  const analysis = analyze(cpu);
  const result = attributeStalls(
    packProfile(cpu),
    stalls([[1_010_000, 1_210_000]]),
    analysis.functions,
  );
  const high = diagnose(analysis, { loop: loopFigures(300, result, analysis.functions) });
  assert.match(
    high.summary,
    /The event loop's delay p99 was 300 ms: 1 turn over 5\.0 ms held it, the longest 200 ms; busyWait \(server\.js:11\) was running in 1 of them\.$/,
  );
  assert.ok(high.evidence.some((e) => e.what === 'event loop delay p99' && e.value === 300));
  const low = diagnose(analysis, { loop: loopFigures(12, result, analysis.functions) });
  assert.doesNotMatch(low.summary, /event loop/);
});

test("the agent's probe keeps a turn over the threshold as a span of the hrtime clock, µs", async () => {
  const probe = startStallProbe(20);
  // Let the probe's first timer run once, then hold the loop 100 ms.
  await new Promise((resolve) => setTimeout(resolve, 15));
  const start = Number(process.hrtime.bigint() / 1000n);
  while (Number(process.hrtime.bigint() / 1000n) - start < 100_000);
  const end = Number(process.hrtime.bigint() / 1000n);
  await new Promise((resolve) => setTimeout(resolve, 15));
  const measured = probe.close();
  const held = measured.spans.filter(([s, e]) => e - s >= 90_000);
  assert.equal(held.length, 1, JSON.stringify(measured.spans));
  const [[s, e]] = held;
  // From when its timer was due (at most 5 ms into the wait, or a little before it when the
  // wait began in the timers' phase the probe was due in) to just after the wait.
  assert.ok(s >= start - 10_000 && s <= start + 6000, `span starts ${s - start} µs after the wait`);
  assert.ok(e >= end && e <= end + 20_000, `span ends ${e - end} µs after the wait`);
  assert.deepEqual([measured.thresholdMs, measured.dropped], [20, 0]);
});

test("a worker thread's probe is the same code, run from its source in the global scope", async () => {
  const run = (expression: string): unknown => vm.runInThisContext(expression);
  const now = () => Number(process.hrtime.bigint() / 1000n);
  const armed = now();
  assert.equal(run(stallProbeInThread(20)), true);
  await new Promise((resolve) => setTimeout(resolve, 15));
  const start = now();
  while (now() - start < 60_000);
  await new Promise((resolve) => setTimeout(resolve, 15));
  const measured = run(STOP_IN_THREAD) as { spans: [number, number][]; dropped: number };
  assert.ok(
    // The span runs from when the probe's 5 ms timer was due after its last turn before the wait
    // (so up to 5 ms after the wait began, or earlier by as much as a busy machine delays it,
    // but after the probe began) to its first turn after the wait.
    measured.spans.some(([s, e]) => s >= armed && s <= start + 5_000 && e >= start + 60_000),
    JSON.stringify({ armed, start, measured }),
  );
  assert.equal(run(STOP_IN_THREAD), null, 'stopped once');
  // Its samples are the agent's, not the user's code.
  assert.equal(categorize(PROBE_URL, 'fired').category, 'hotpath');
});
