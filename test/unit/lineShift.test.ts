import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reanchor, shiftLines, type TrackedLine } from '../../src/views/lineShift';

/** Applies an edit to lines of text the way an editor would, and to the tracked lines. */
function edit(
  lines: string[],
  tracked: TrackedLine[],
  startLine: number,
  endLine: number,
  replacement: string[],
): string[] {
  const next = [...lines.slice(0, startLine), ...replacement, ...lines.slice(endLine + 1)];
  shiftLines(tracked, { startLine, endLine, insertedLines: replacement.length - 1 });
  for (const t of tracked) reanchor(t, (line) => next[line]);
  return next;
}

const SOURCE = [
  'function cpu() {',
  '  let total = 0;',
  '  for (;;) total += 1;',
  '  return total;',
  '}',
];

test('a hot line moves down with lines inserted above it and up with lines deleted', () => {
  const tracked = [{ line: 2, text: SOURCE[2] }];
  let lines = edit(SOURCE, tracked, 0, 0, ['// a comment', 'function cpu() {']);
  assert.equal(tracked[0].line, 3);
  assert.equal(lines[3], SOURCE[2]);
  lines = edit(lines, tracked, 0, 1, ['function cpu() {']);
  assert.equal(tracked[0].line, 2);
  assert.equal(lines[2], SOURCE[2]);
});

test('Enter at the start of a hot line keeps the heat on its text', () => {
  const tracked = [{ line: 2, text: SOURCE[2] }];
  const lines = edit(SOURCE, tracked, 2, 2, ['', SOURCE[2]]);
  assert.equal(lines[tracked[0].line], SOURCE[2]);
  assert.equal(tracked[0].line, 3);
});

test('a hot line whose text changed, or that was deleted, loses its heat', () => {
  const changed = [{ line: 2, text: SOURCE[2] }];
  edit(SOURCE, changed, 2, 2, ['  for (;;) total += 2;']);
  assert.equal(changed[0].line, -1);
  const deleted = [{ line: 2, text: SOURCE[2] }];
  edit(SOURCE, deleted, 1, 3, ['  return 0;']);
  assert.equal(deleted[0].line, -1);
});

test('lines above an edit stay where they are', () => {
  const tracked = [{ line: 1, text: SOURCE[1] }];
  edit(SOURCE, tracked, 3, 3, ['  return total + 1;', '  // more']);
  assert.equal(tracked[0].line, 1);
});

test('a lost hot line comes back when its file reads as the profile again (revert)', () => {
  const tracked = [{ line: 2, text: SOURCE[2], home: 2 }];
  const edited = edit(SOURCE, tracked, 2, 2, ['  for (;;) total += 2;']);
  assert.equal(tracked[0].line, -1);
  edit(edited, tracked, 0, edited.length - 1, SOURCE);
  assert.equal(tracked[0].line, 2);
});
