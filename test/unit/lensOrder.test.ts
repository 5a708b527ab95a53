import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LENS_FLOOR, oneLensALine } from '../../src/views/lensOrder';

test('one lens a line: what the diagnosis names, then the most time; lines in order', () => {
  const lenses = oneLensALine([
    { line: 9, named: false, weight: 0.3, lens: 'closure at 9' },
    { line: 9, named: false, weight: 0.6, lens: 'handler at 9' },
    { line: 4, named: false, weight: 0.9, lens: 'lock at 4' },
    { line: 4, named: true, weight: 0.01, lens: 'diagnosed at 4' },
    { line: 2, named: false, weight: 0.02, lens: 'alone at 2' },
  ]);
  assert.deepEqual(lenses, ['alone at 2', 'diagnosed at 4', 'handler at 9']);
  assert.deepEqual(oneLensALine([]), []);
  assert.equal(LENS_FLOOR, 0.005, 'half a per cent of the window in total');
});
