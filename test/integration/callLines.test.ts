/**
 * The line that calls the cost, inferred from the callees' names, on a service whose functions
 * spend their time in what they call (test/fixtures/call-lines): Node's crypto, JSON.stringify,
 * a regular expression and a dependency's parser, profiled for real. Each calling line is
 * marked `// calls: <route>` in the fixture.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { hotFunctions } from '../../src/profile/analyze';
import { callLineText, runFigures } from '../../src/report/figures';
import { analysisJson } from '../../src/report/json';
import { mdText, runMarkdown } from '../../src/report/markdown';
import { reportData } from '../../src/report/reportData';
import { formatAnalysis } from '../../src/report/text';
import { loadRun } from '../../src/runs/runFolder';
import { fixture } from '../helpers';
import { profileService, testRuns } from '../zoo';

const runs = testRuns('callLines');
const cwd = fixture('call-lines');
const file = path.join(cwd, 'server.js');
const source = fs.readFileSync(file, 'utf8').split('\n');
const marked = (route: string) => source.findIndex((l) => l.includes(`// calls: ${route}`)) + 1;

async function profiled(route: string) {
  const run = await profileService(runs, {
    cwd,
    command: `"${process.execPath}" server.js`,
    route: `/${route}`,
  });
  return loadRun(run.folder);
}

function named(run: ReturnType<typeof loadRun>, name: string) {
  const found = run.analysis.functions.find((f) => f.name === name && f.category === 'user');
  assert.ok(found, name);
  return found;
}

const profiles = new Map<string, ReturnType<typeof loadRun>>();
async function once(route: string) {
  let run = profiles.get(route);
  if (!run) {
    run = await profiled(route);
    profiles.set(route, run);
  }
  return run;
}

describe('the line that calls the cost, inferred', { timeout: 120_000 }, () => {
  test("crypto: churn's time is in createHash, update and digest, called from the marked line", async () => {
    const run = await once('hash');
    const churn = named(run, 'churn');
    assert.ok(churn.selfUs < 0.2 * churn.totalUs, 'little of it is its own');
    const [top] = churn.callLines ?? [];
    assert.deepEqual([top?.file, top?.line], [file, marked('hash')]);
    assert.deepEqual([...(top?.calleeNames ?? [])].sort(), ['createHash', 'digest', 'update']);
    assert.equal(top.inferred, true);
    assert.equal(top.ambiguous, undefined);
    assert.ok(top.totalUs > 0.5 * churn.totalUs);
    // Said as inferred in the text, and in the diagnosis.
    const text = formatAnalysis(run.diagnosis, runFigures(run, cwd));
    assert.match(
      text,
      new RegExp(
        `churn +server\\.js:${marked('hash')}  calls [\\d.]+ % \\(.*createHash.*\\) — inferred from the callees' names`,
      ),
    );
    assert.match(
      run.diagnosis.summary,
      new RegExp(
        `server\\.js:${marked('hash')} calls [\\d.]+ % .*inferred from the callees' names`,
      ),
    );
    // The same row, the same figure, on every surface: JSON, Markdown, the editor's and HTML's page.
    const figures = runFigures(run, cwd);
    const [row] = figures.callLines;
    const words = callLineText(row);
    assert.deepEqual(analysisJson(run, figures).callLines[0], row);
    assert.ok(text.includes(words), 'in the text');
    assert.ok(runMarkdown(run, cwd).includes(mdText(words)), 'in the Markdown');
    assert.deepEqual(reportData(run, cwd).callLines?.[0], {
      location: row.where,
      functionName: 'churn',
      text: words,
    });
  });

  test('two lines call createHash: the line is ambiguous, and said so', async () => {
    const run = await once('twice');
    const [top] = named(run, 'hashTwice').callLines ?? [];
    assert.equal(top?.ambiguous, true);
    const lines = [top.line, ...(top.alsoLines ?? [])];
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => source[l - 1].includes('createHash(')));
    assert.match(
      formatAnalysis(run.diagnosis, runFigures(run, cwd)),
      /calls them too, and which line did is not known/,
    );
  });

  test('a regular expression: its frame is a hot function of yours, and the .test line calls it', async () => {
    const run = await once('regex');
    const [hottest] = hotFunctions(run.analysis, 1, ['user']);
    assert.equal(hottest.name, 'RegExp: ^(\\w+\\s?)*$');
    const [top] = named(run, 'validate').callLines ?? [];
    assert.deepEqual([top?.line, top?.calleeNames], [marked('regex'), [hottest.name]]);
  });

  test("a dependency: acorn's parse, called from the marked line", async () => {
    const run = await once('parse');
    const [top] = named(run, 'parseSources').callLines ?? [];
    assert.deepEqual([top?.line, top?.calleeNames], [marked('dependency'), ['parse']]);
  });

  test('JSON.stringify runs in its caller (no frame of its own): the line is measured, not inferred', async () => {
    const run = await once('json');
    const serialize = named(run, 'serialize');
    const [line] = run.analysis.lines.filter((l) => l.functionId === serialize.id);
    assert.deepEqual([line?.file, line?.line], [file, marked('json')]);
    assert.equal(serialize.callLines, undefined);
  });
});
