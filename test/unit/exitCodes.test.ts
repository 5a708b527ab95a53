/**
 * One table of exit codes: the data in src/cli/exitCodes.ts is what `--help` prints and what
 * the README's "Exit codes" table says, row for row; the codes are distinct.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { EXIT, EXIT_CODES, LOCUST_EXIT_CODES } from '../../src/cli/exitCodes';
import { MAIN_HELP } from '../../src/cli/help';

const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');

test("the README's exit codes table is the CLI's table, in order", () => {
  const start = readme.indexOf('\n### Exit codes\n');
  assert.ok(start >= 0, 'the README has "### Exit codes"');
  const rest = readme
    .slice(start + 1)
    .split('\n')
    .slice(1);
  const end = rest.findIndex((line) => /^#{1,3} /.test(line));
  const rows = rest
    .slice(0, end < 0 ? rest.length : end)
    .filter((line) => /^\| `\d+`/.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  assert.deepEqual(
    rows.map(([, code, meaning]) => ({ code: Number(code.replaceAll('`', '')), meaning })),
    EXIT_CODES.map(({ code, meaning }) => ({ code, meaning })),
  );
});

test("the README's table of Locust's exit statuses is the one Hotpath reads them by", () => {
  const start = readme.indexOf("\n### Locust's exit status\n");
  assert.ok(start >= 0, 'the README has "### Locust\'s exit status"');
  const rest = readme
    .slice(start + 1)
    .split('\n')
    .slice(1);
  const end = rest.findIndex((line) => /^#{1,3} /.test(line));
  const rows = rest
    .slice(0, end < 0 ? rest.length : end)
    .filter((line) => /^\| `\d+`/.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  assert.deepEqual(
    rows.map(([, code, meaning]) => ({ code: Number(code.replaceAll('`', '')), meaning })),
    LOCUST_EXIT_CODES.map(({ code, meaning }) => ({ code, meaning })),
  );
  for (const { code, meaning } of LOCUST_EXIT_CODES)
    assert.ok(MAIN_HELP.includes(`  ${code}  ${meaning}`), `--help has Locust's ${code}`);
});

test('--help lists every exit code with its meaning', () => {
  for (const { code, meaning } of EXIT_CODES)
    assert.ok(MAIN_HELP.includes(`  ${code}  ${meaning}`), `--help has exit code ${code}`);
});

test('every exit code is distinct and in the table, measured nothing apart from a failed run', () => {
  const codes = Object.values(EXIT);
  assert.equal(new Set(codes).size, codes.length);
  assert.deepEqual(
    EXIT_CODES.map((e) => e.code),
    [...codes].sort((a, b) => a - b),
  );
  assert.notEqual(EXIT.measuredNothing, EXIT.failed);
  // compare --fail-if's failed gate keeps the code CI scripts already test for.
  assert.equal(EXIT.failed, 1);
});
