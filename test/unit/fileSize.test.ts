/**
 * No file of src/ or media/ grows past 500 lines: one concern per file, and a file a person can
 * hold in mind. The few over it are listed here, each with its reason; a file that shrinks back
 * under the cap must leave the list (a stale exception fails too).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const MAX_LINES = 500;

const EXCEPTIONS: Record<string, string> = {
  'src/profile/readProfile.ts':
    'the strict byte scanner of a .cpuprofile: one hand-written state machine, whose state split across files would be harder to follow',
  'media/flamegraph.ts': 'being split (issue #25)',
  'src/runner/agent/agent.ts': 'being split (issue #25)',
};

function lines(file: string): number {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  return text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

test(`every file of src/ and media/ has at most ${MAX_LINES} lines, or a written reason`, () => {
  const files = ['src', 'media'].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .map((file) => `${dir}/${file.split(path.sep).join('/')}`)
      .filter((file) => fs.statSync(path.join(root, file)).isFile()),
  );
  assert.ok(files.includes('src/cli.ts'), 'the sources were found');
  const over = files.filter((file) => lines(file) > MAX_LINES);
  for (const file of over)
    assert.ok(EXCEPTIONS[file], `${file} has ${lines(file)} lines: split it by concern`);
  for (const [file, why] of Object.entries(EXCEPTIONS)) {
    assert.ok(why.trim().length > 0, `${file}: an exception needs its reason`);
    assert.ok(
      over.includes(file),
      `${file} is no longer over ${MAX_LINES} lines: drop its exception`,
    );
  }
});
