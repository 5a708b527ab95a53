/**
 * The missed-threads check on hand-built figures: the CPU the service used over the window
 * against its profiled threads' busy time, the margin's two edges (a share of the CPU, a floor
 * in cores), older runs, and the diagnosis it changes (the sentence first, no place named).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { analyze } from '../../src/profile/analyze';
import { parseProfile } from '../../src/profile/cpuprofile';
import { diagnose } from '../../src/profile/diagnosis';
import {
  MISSED_CPU,
  missedCpu,
  missedCpuText,
  threadBusyShares,
} from '../../src/profile/missedCpu';
import type { ProfiledUnit, RunRecord, ThreadMissed } from '../../src/record/run';
import { runRows } from '../../src/report/runSummary';
import { fixture } from '../helpers';

const unit = (over: Partial<ProfiledUnit>): ProfiledUnit => ({
  pid: 100,
  threadId: 0,
  command: 'node server.js',
  requests: 1000,
  merged: true,
  busyMs: 0,
  ...over,
});

function figures(
  cpuMs: number,
  wallMs: number,
  profiled: ProfiledUnit[],
  missed: ThreadMissed[] = [],
) {
  const threads = profiled.filter((p) => p.threadId !== 0).length;
  return {
    agent: { cpuUserMs: cpuMs * 0.9, cpuSystemMs: cpuMs * 0.1, wallMs },
    processes: {
      profiled,
      threads: { seen: threads + missed.length, profiled: threads, missed },
    },
  };
}

describe('missedCpu', () => {
  test('a piscina pool the capture never reached: 91.6 % of the CPU in no profile, the main thread named', () => {
    // The figures of a run on main before the fix: 5,601 ms of CPU, the main thread busy 473 ms.
    const missed = missedCpu(figures(5601, 3157, [unit({ busyMs: 473 })]));
    assert.ok(missed, 'the check fires');
    assert.equal(Math.round(missed.share * 1000) / 10, 91.6);
    assert.equal(Math.round(missed.unaccountedMs), 5128);
    assert.deepEqual(missed.profiled, ['pid 100 main thread (node server.js)']);
    const text = missedCpuText(missed);
    assert.match(
      text,
      /^The profile misses work: the service used 5,601 ms of CPU over the window/,
    );
    assert.match(
      text,
      /threads profiled: pid 100 main thread \(node server\.js\); no other thread was seen/,
    );
  });

  test('the same pool profiled whole: nothing said', () => {
    // worker-threads as measured: 3,331 ms of CPU, 3,298 ms busy in three profiles.
    const whole = figures(3331, 3180, [
      unit({ busyMs: 400 }),
      unit({ threadId: 1, command: 'worker digest.js', requests: 0, busyMs: 1449 }),
      unit({ threadId: 2, command: 'worker digest.js', requests: 0, busyMs: 1449 }),
    ]);
    assert.equal(missedCpu(whole), undefined);
  });

  test('a thread seen but not profiled is named with why', () => {
    const missed = missedCpu(
      figures(
        4000,
        2000,
        [unit({ busyMs: 1000 }), unit({ threadId: 1, command: 'worker a.js', busyMs: 900 })],
        [
          {
            pid: 100,
            threadId: 2,
            command: 'worker a.js',
            why: 'the thread ended before the window did',
          },
        ],
      ),
    );
    assert.ok(missed);
    assert.deepEqual(missed.missed, [
      'pid 100 thread 2 (worker a.js: the thread ended before the window did)',
    ]);
    assert.match(missedCpuText(missed), /pid 100 thread 1 \(worker a\.js\)/);
  });

  test('the margin: a share of the CPU and a floor in cores, both passed', () => {
    const at = (cpuMs: number, busyMs: number, wallMs = 1000) =>
      missedCpu(figures(cpuMs, wallMs, [unit({ busyMs })]));
    const share = MISSED_CPU.minShareOfCpu;
    // 2,000 ms of CPU in 1 s: the share decides.
    assert.equal(at(2000, 2000 * (1 - share) + 1), undefined, 'just under the share');
    assert.ok(at(2000, 2000 * (1 - share) - 1), 'just over the share');
    // Half the CPU in no profile, but a small amount of it over a long window: the floor decides.
    assert.equal(at(400, 200, 1000), undefined, '0.2 cores');
    assert.ok(at(600, 300, 1000), '0.3 cores');
  });

  test('an older run (no busy time recorded) or one without processes: nothing said', () => {
    assert.equal(missedCpu(figures(5000, 1000, [unit({ busyMs: undefined })])), undefined);
    assert.equal(
      missedCpu({ agent: { cpuUserMs: 5000, cpuSystemMs: 0, wallMs: 1000 } }),
      undefined,
    );
  });
});

/** A profile of one handler that awaits (a little of its own time) and idle time around it. */
function awaitingHandler() {
  const url = 'file:///srv/app/server.js';
  const nodes = [
    { id: 1, callFrame: frame('(root)', '', -1), children: [2, 3] },
    { id: 2, callFrame: frame('handleDigest', url, 12), children: [] },
    { id: 3, callFrame: frame('(idle)', '', -1), children: [] },
  ];
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  for (let i = 0; i < 1000; i++) {
    samples.push(i % 10 === 0 ? 2 : 3);
    timeDeltas.push(i === 0 ? 0 : 1000);
  }
  return analyze(parseProfile({ nodes, startTime: 0, endTime: 1_000_000, samples, timeDeltas }));
}

function frame(functionName: string, url: string, lineNumber: number) {
  return { functionName, scriptId: url ? '1' : '0', url, lineNumber, columnNumber: 0 };
}

describe('the diagnosis with CPU in no profiled thread', () => {
  const load = {
    requests: 1500,
    latencyMs: { p50: 90 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    statusCodes: { '200': 1500 },
  };
  const metrics = { cpuUserMs: 5200, cpuSystemMs: 400, cpuShare: 1.77 };

  test('says so first, names the threads seen, and names no place in the profile', () => {
    const missed = missedCpu(figures(5600, 3157, [unit({ busyMs: 473 })]));
    assert.ok(missed);
    const diagnosis = diagnose(awaitingHandler(), { load, metrics, missed });
    assert.ok(diagnosis.summary.startsWith(missedCpuText(missed)), diagnosis.summary);
    assert.equal(diagnosis.lookAt, undefined, 'no line of the thread that only waited');
    assert.doesNotMatch(diagnosis.summary, /Most of your code's time is in handleDigest/);
    assert.ok(diagnosis.evidence.some((e) => e.what === 'CPU in no profiled thread'));
    assert.equal(diagnosis.verdict, 'cpu-bound', 'the process CPU is the measure');
  });

  test('without it, the same profile names the handler (what the check prevents)', () => {
    const diagnosis = diagnose(awaitingHandler(), { load, metrics });
    assert.equal(diagnosis.lookAt?.functionName, 'handleDigest');
  });
});

describe("the run's summary", () => {
  // A piscina service profiled before its threads were reached: the record as the run wrote it.
  const missedRun = (): RunRecord =>
    JSON.parse(fs.readFileSync(fixture(path.join('pool-missed', 'run.json')), 'utf8')) as RunRecord;

  test('says that the profile misses work, under the service row', () => {
    const rows = runRows(missedRun(), '/srv/app/runs/x');
    const at = rows.findIndex(([, text]) => text.startsWith('The profile misses work'));
    assert.ok(at > 0, JSON.stringify(rows));
    assert.match(
      rows[at][1],
      /the service used 4,349 ms of CPU over the window, the profiled threads were busy 388 ms/,
    );
    assert.match(
      rows[at][1],
      /pid 29213 main thread \(node server\.js\); no other thread was seen/,
    );
  });

  test('with its threads profiled: how many of those seen, and no warning', () => {
    const record = missedRun();
    const processes = record.processes as NonNullable<RunRecord['processes']>;
    const main = processes.profiled[0];
    processes.profiled.push(
      { ...main, threadId: 1, command: 'worker worker.js', requests: 0, busyMs: 2100 },
      { ...main, threadId: 2, command: 'worker worker.js', requests: 0, busyMs: 2000 },
    );
    processes.threads = { seen: 2, profiled: 2, missed: [] };
    const rows = runRows(record, '/srv/app/runs/x');
    assert.deepEqual(
      rows.find(([label]) => label === 'threads'),
      ['threads', '2 profiled / 2 seen'],
    );
    assert.ok(!rows.some(([, text]) => text.startsWith('The profile misses work')));
  });
});

describe('the verdict of several threads', () => {
  // A main thread that only awaits a worker (10 % busy, 90 % idle) and a machine that gave the
  // process half a core: the process CPU says "not full", the threads' average says "idle".
  const load = {
    requests: 700,
    latencyMs: { p50: 180 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    statusCodes: { '200': 700 },
  };
  const metrics = { cpuUserMs: 1500, cpuSystemMs: 200, cpuShare: 0.5 };
  const threads = [
    { label: 'the main thread of pid 100', share: 0.04 },
    { label: 'thread 1 (worker worker.js)', share: 0.92 },
  ];

  test('a thread full through the window is the limit: CPU-bound, the thread named', () => {
    const diagnosis = diagnose(awaitingHandler(), { load, metrics, threads });
    assert.equal(diagnosis.verdict, 'cpu-bound', diagnosis.summary);
    assert.match(diagnosis.summary, /\(thread 1 \(worker worker\.js\) alone: 92 %\)/);
  });

  test('drawn from the average alone, the same run reads as waiting (what the threads prevent)', () => {
    const diagnosis = diagnose(awaitingHandler(), { load, metrics });
    assert.equal(diagnosis.verdict, 'waiting', diagnosis.summary);
  });

  test("each merged thread's share comes from run.json", () => {
    const shares = threadBusyShares(
      figures(2000, 4000, [
        unit({ busyMs: 160 }),
        unit({ threadId: 1, command: 'worker worker.js', requests: 0, busyMs: 3680 }),
        unit({ threadId: 2, command: 'worker worker.js', requests: 0, busyMs: 50, merged: false }),
      ]),
    );
    assert.deepEqual(shares, [
      { label: 'the main thread of pid 100', share: 0.04 },
      { label: 'thread 1 (worker worker.js)', share: 0.92 },
    ]);
    assert.equal(threadBusyShares(figures(2000, 4000, [unit({ busyMs: 160 })])), undefined);
  });
});
