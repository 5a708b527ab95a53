/** The machine's CPU over a window, from two marks: shares, Hotpath's own processes, too short. */
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { test } from 'node:test';
import { machineUse, markMachine } from '../../src/runner/machine';

test('busy share of all cores, and Hotpath’s CPU with its load process', () => {
  const start = { atMs: 0, busyMs: 1_000, idleMs: 5_000, ownUs: 0 };
  // 1 s of wall clock: 1,500 ms busy and 500 ms idle over the cores; 200 ms here, 300 ms in the load process.
  const end = { atMs: 1_000, busyMs: 2_500, idleMs: 5_500, ownUs: 200_000 };
  const use = machineUse(start, end, 300);
  assert.deepEqual(use, { cores: os.cpus().length, busyShare: 0.75, loadGeneratorCores: 0.5 });
  assert.equal(machineUse(start, { ...end, atMs: 150 }), undefined, 'under 200 ms: nothing said');
});

test('real marks: 0.4 s of spinning here reads as Hotpath’s own CPU', () => {
  const start = markMachine();
  const until = performance.now() + 400;
  while (performance.now() < until);
  const use = machineUse(start, markMachine());
  assert.ok(use, 'measured');
  assert.ok(use.loadGeneratorCores > 0.2, `${use.loadGeneratorCores} cores`);
  assert.ok(use.busyShare > 0 && use.busyShare <= 1, `${use.busyShare}`);
});
