/**
 * A thread blocked in `Atomics.wait` is idle: the samples V8 charges to the frame that called it
 * move to `(idle)`; a frame that only sometimes waits, or whose script cannot be read, keeps its
 * own. On a hand-built profile shaped like a piscina thread's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idleAtomicsWaits } from '../../src/runner/atomicsWait';
import { busyShare, type RawProfile } from '../../src/runner/mergeProfiles';

const WORKER = 'file:///srv/app/node_modules/piscina/dist/worker.js';
const TASK = 'file:///srv/app/digest.js';
const SOURCES: Record<string, string[]> = {
  [WORKER]: [
    'function atomicsWaitLoop(port, sharedBuffer) {',
    '  while (currentTasks === 0) {',
    '    Atomics.wait(sharedBuffer, 0, lastSeenRequestCount);',
    '    lastSeenRequestCount = Atomics.load(sharedBuffer, 0);',
    '  }',
    '}',
  ],
  [TASK]: ['function sha256Chain(task) {', '  return hash(task);', '}'],
};
const frame = (functionName: string, url: string, lineNumber: number) => ({
  functionName,
  scriptId: '1',
  url,
  lineNumber,
  columnNumber: 0,
});

/** 60 samples waiting in atomicsWaitLoop (line 3), 30 in sha256Chain, 10 idle. */
function piscinaThread(waitTicks: { line: number; ticks: number }[]): RawProfile {
  const samples = [
    ...Array<number>(60).fill(2),
    ...Array<number>(30).fill(3),
    ...Array<number>(10).fill(4),
  ];
  return {
    nodes: [
      { id: 1, callFrame: frame('(root)', '', -1), children: [2, 3, 4] },
      {
        id: 2,
        callFrame: frame('atomicsWaitLoop', WORKER, 0),
        hitCount: 60,
        positionTicks: waitTicks,
      },
      {
        id: 3,
        callFrame: frame('sha256Chain', TASK, 0),
        hitCount: 30,
        positionTicks: [{ line: 2, ticks: 30 }],
      },
      { id: 4, callFrame: frame('(idle)', '', -1), hitCount: 10 },
    ],
    startTime: 0,
    endTime: 100_000,
    samples,
    timeDeltas: samples.map((_, i) => (i === 0 ? 0 : 1000)),
  };
}

const read = (url: string) => SOURCES[url];

test("a pool thread's wait in Atomics.wait is idle, its task's work stays busy", () => {
  const profile = piscinaThread([
    { line: 3, ticks: 58 },
    { line: 4, ticks: 2 },
  ]);
  const before = busyShare(profile);
  const { moved } = idleAtomicsWaits(profile, read);
  assert.equal(moved, 60);
  assert.equal(profile.samples?.filter((s) => s === 4).length, 70, 'into the one (idle) node');
  assert.equal(profile.nodes.find((n) => n.id === 2)?.hitCount, 0);
  // Busy was the wait and the work; it is the work alone now (the last sample counts no time).
  assert.ok(before > busyShare(profile) * 2.5, `${before} against ${busyShare(profile)}`);
});

test('a frame that waits on a minority of its ticks keeps them; an unreadable script is left alone', () => {
  const partly = piscinaThread([
    { line: 3, ticks: 30 },
    { line: 4, ticks: 30 },
  ]);
  assert.equal(idleAtomicsWaits(partly, read).moved, 0);
  const unread = piscinaThread([{ line: 3, ticks: 60 }]);
  assert.equal(idleAtomicsWaits(unread, () => undefined).moved, 0);
});
