import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEAT_LEVELS, heatLevel, heatScale } from '../../src/views/heat';

const THRESHOLD = 0.002;

test("heat is the line's share of the whole run, on a fixed scale", () => {
  assert.equal(HEAT_LEVELS, 5);
  assert.equal(heatLevel(0, THRESHOLD), 0, 'no time, no heat');
  assert.equal(heatLevel(0.0019, THRESHOLD), 0, 'below the threshold');
  assert.equal(heatLevel(0.002, THRESHOLD), 1);
  assert.equal(heatLevel(0.004, THRESHOLD), 1, 'a line at 0.4 % of the run stays pale');
  assert.equal(heatLevel(0.0099, THRESHOLD), 1);
  assert.equal(heatLevel(0.01, THRESHOLD), 2);
  assert.equal(heatLevel(0.05, THRESHOLD), 3);
  assert.equal(heatLevel(0.1, THRESHOLD), 4);
  assert.equal(heatLevel(0.19, THRESHOLD), 4);
  assert.equal(heatLevel(0.2, THRESHOLD), 5);
  assert.equal(heatLevel(1, THRESHOLD), 5);
  assert.equal(heatLevel(Number.NaN, THRESHOLD), 0);
  // A higher threshold cuts lines off; it never makes a line hotter.
  assert.equal(heatLevel(0.03, 0.05), 0);
  assert.equal(heatLevel(0.3, 0.05), 5);
  // A threshold of 0: any time at all is heat, the palest.
  assert.equal(heatLevel(0.000001, 0), 1);
});

test("the legend's scale: the bounds hottest first, the palest from the threshold", () => {
  // The sentence around it is the extension's (hotLines.ts, in the user's language).
  assert.deepEqual(heatScale(THRESHOLD), {
    bounds: '≥ 20 %, ≥ 10 %, ≥ 5 %, ≥ 1 %',
    palest: '0.2 %',
  });
});
