/** The check on a VS Code suite's results names what was skipped, failed or went missing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertEveryTestPassed, type SuiteResults } from '../vscode/runSuite';

const all: SuiteResults = {
  total: 2,
  planned: ['a', 'b'],
  passed: ['a', 'b'],
  failed: [],
  pending: [],
  exitCode: 0,
};

test('a suite whose planned tests all passed is accepted', () => {
  assertEveryTestPassed(all);
});

test('a skipped, failed or missing test fails the check, by name', () => {
  const cases: [Partial<SuiteResults>, RegExp][] = [
    [{ passed: ['a'], pending: ['b'] }, /skipped[\s\S]*'b'/],
    [{ passed: ['a'], failed: ['b'], exitCode: 1 }, /failed[\s\S]*'b'/],
    [{ passed: ['a'] }, /did not pass[\s\S]*'b'/],
    [{ total: 0, planned: [], passed: [] }, /planned no test/],
    [{ total: 3 }, /total/],
  ];
  for (const [change, message] of cases)
    assert.throws(() => assertEveryTestPassed({ ...all, ...change }), message);
});
