/**
 * Lines and names that are true, or an honest note: V8 gives a function's start (line, column)
 * and self ticks per generated line only. The source maps here are real ones, made by esbuild's
 * transform the way tsx and a minified build make them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type TransformOptions, transformSync } from 'esbuild';
import { type Analysis, analyze } from '../../src/profile/analyze';
import { parseProfile } from '../../src/profile/cpuprofile';
import { diagnose } from '../../src/profile/diagnosis';
import { hotLineFigures } from '../../src/report/figures';
import { cpuProfile, fixture, repeated, tempFolder } from '../helpers';

// The zoo's bundled service's own source (its text.ts), not a copy of it.
const SOURCE = fs.readFileSync(fixture('zoo/bundle/text.ts'), 'utf8');
const SOURCE_LINES = SOURCE.split('\n');
const lineOf = (text: string) => SOURCE_LINES.findIndex((l) => l.includes(text)) + 1;
const SCRAMBLE_LINE = lineOf('export function scramble');
const HOT_LINE = lineOf('state = (state');

interface Frame {
  name: string;
  /** 0-based, as in a .cpuprofile. */
  line: number;
  column: number;
  /** 1-based generated line → ticks. */
  ticks: [number, number][];
}

/** A profile of one script: (root) → each frame, each sampled as often as its ticks say. */
function profileOf(url: string, frames: Frame[]) {
  const samples = frames.flatMap(({ name, line, column, ticks }) =>
    ticks.flatMap(([tick, count]) => repeated(count, [{ name, url, line, column }], 1000, tick)),
  );
  // A sample lasts until the next one: a last one of (root) closes the window.
  return parseProfile(
    JSON.stringify(cpuProfile([...samples, { stack: [], us: 0 }], { leadUs: 1000 })),
  );
}

/** 0-based line and column of the `(` that opens a function's parameters, where V8 starts it. */
function startOf(code: string, header: RegExp): { line: number; column: number } {
  const lines = code.split('\n');
  for (let line = 0; line < lines.length; line++) {
    const match = header.exec(lines[line]);
    if (match) return { line, column: match.index + match[0].length - 1 };
  }
  throw new Error(`no ${header} in the generated code`);
}

/** The 1-based generated line that holds a piece of code. */
function generatedLine(code: string, text: string): number {
  const at = code.split('\n').findIndex((l) => l.includes(text));
  assert.ok(at >= 0, `the generated code holds ${text}`);
  return at + 1;
}

const transform = (file: string, options: TransformOptions) =>
  transformSync(SOURCE, {
    loader: 'ts',
    format: 'cjs',
    sourcefile: file,
    sourcemap: true,
    ...options,
  });

function function_(analysis: Analysis, name: string) {
  const found = analysis.functions.find((f) => f.name === name);
  assert.ok(found, `a function named ${name} in ${analysis.functions.map((f) => f.name)}`);
  return found;
}

describe('a file tsx runs as one line (esbuild minifyWhitespace, map held in memory)', () => {
  const file = path.join(path.sep, 'srv', 'app', 'text.ts');
  const url = pathToFileURL(file).href;
  // tsx's own options (node_modules/tsx/dist: cacheConfig): minifyWhitespace, keepNames.
  const { code, map } = transform(file, { minifyWhitespace: true, keepNames: true });
  const scramble = startOf(code, /function scramble\(/);
  const analysis = analyze(
    profileOf(url, [{ name: 'scramble', ...scramble, ticks: [[scramble.line + 1, 40]] }]),
    { sourceMaps: { [url]: JSON.parse(map) }, readFile: () => SOURCE },
  );

  test('the function maps to its declaration in the .ts file', () => {
    assert.equal(code.trim().split('\n').length, 1, 'tsx-like output is one line');
    const f = function_(analysis, 'scramble');
    assert.equal(f.original?.source, file);
    assert.equal(f.original?.line, SCRAMBLE_LINE);
  });

  test('no line is named: its time is the function’s, and a note says why', () => {
    assert.deepEqual(
      analysis.lines.filter((l) => l.file === file),
      [],
      'no line of text.ts, least of all its declaration line',
    );
    assert.equal(function_(analysis, 'scramble').unplacedUs, 40_000);
    assert.ok(
      analysis.notes.some((n) => n.startsWith('line heat unavailable for text.ts: tsx runs')),
      analysis.notes.join('\n'),
    );
  });

  test('the diagnosis names the hottest function, not a "hottest line"', () => {
    const { summary, lookAt } = diagnose(analysis);
    assert.match(
      summary,
      /Most of your code's time is in scramble \(text\.ts:2\): .*its lines cannot be told apart/,
    );
    assert.doesNotMatch(summary, /hottest line/);
    assert.equal(lookAt?.functionOnly, true);
  });
});

describe('a minified build with a source map on disk', () => {
  const folder = tempFolder('minified');
  const source = path.join(folder, 'src', 'text.ts');
  const script = path.join(folder, 'dist', 'text.js');
  const { code, map } = transform('../src/text.ts', { minify: true });
  fs.mkdirSync(path.dirname(script), { recursive: true });
  fs.writeFileSync(script, `${code}//# sourceMappingURL=text.js.map\n`);
  fs.writeFileSync(`${script}.map`, map);
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined);
  // The minified names: `function X(` for scramble (the first function), then churn's.
  const headers = [...code.matchAll(/function (\w+)\(/g)].map((m) => m[1]);
  assert.equal(headers.length, 2, code);
  const [scrambleName, churnName] = headers;
  const scramble = startOf(code, new RegExp(`function ${scrambleName}\\(`));
  const churn = startOf(code, new RegExp(`function ${churnName}\\(`));
  const analysis = analyze(
    profileOf(pathToFileURL(script).href, [
      { name: scrambleName, ...scramble, ticks: [[scramble.line + 1, 30]] },
      { name: churnName, ...churn, ticks: [[churn.line + 1, 10]] },
    ]),
    { readFile: read },
  );
  fs.rmSync(folder, { recursive: true, force: true });

  test('names come back from the map’s names, at the segment at or before the `(`', () => {
    assert.notEqual(scrambleName, 'scramble', 'esbuild renamed it');
    const f = function_(analysis, 'scramble');
    assert.equal(f.original?.source, source);
    assert.equal(f.original?.line, SCRAMBLE_LINE);
    assert.equal(function_(analysis, 'churn').original?.line, lineOf('export function churn'));
  });

  test('no hot line, a note that line heat needs an unminified build', () => {
    assert.deepEqual(
      analysis.lines.filter((l) => l.file === source),
      [],
    );
    assert.equal(function_(analysis, 'scramble').unplacedUs, 30_000);
    assert.ok(
      analysis.notes.some((n) => /text\.js: .*needs an unminified build/.test(n)),
      analysis.notes.join('\n'),
    );
  });
});

describe('an unminified build: lines are true, inlined code is not a declaration line', () => {
  const file = path.join(path.sep, 'srv', 'app', 'text.ts');
  const script = path.join(path.sep, 'srv', 'app', 'dist', 'text.js');
  const { code, map } = transform(file, {});
  const generated = `${code}//# sourceMappingURL=text.js.map\n`;
  const files: Record<string, string> = { [script]: generated, [`${script}.map`]: map };
  const scramble = startOf(code, /function scramble\(/);
  const hot = generatedLine(code, 'state = (state');
  const beyond = generated.split('\n').length + 40;
  const analysis = analyze(
    profileOf(pathToFileURL(script).href, [
      {
        name: 'scramble',
        ...scramble,
        ticks: [
          [hot, 50],
          [scramble.line + 1, 3], // the declaration line: code V8 inlined here
          [beyond, 2], // a line the script does not have: another script's inlined code
        ],
      },
    ]),
    { readFile: (f) => files[f] },
  );

  test('the hot line maps to its original line', () => {
    const lines = analysis.lines.filter((l) => l.file === file);
    assert.deepEqual(
      lines.map((l) => [l.line, l.selfUs]),
      [[HOT_LINE, 50_000]],
    );
    assert.equal(analysis.notes.length, 0, analysis.notes.join('\n'));
  });

  test('ticks on the declaration line or beyond the script are the function’s inlined code', () => {
    const f = function_(analysis, 'scramble');
    assert.equal(f.inlinedUs, 5_000);
    assert.equal(f.unplacedUs, undefined);
    const rows = hotLineFigures(analysis, path.sep, 5);
    assert.deepEqual(
      rows.map((r) => r.where),
      ['srv/app/text.ts:6', 'inlined code in scramble (srv/app/text.ts)'],
    );
    assert.ok(!rows.some((r) => r.where.endsWith(`:${SCRAMBLE_LINE}`)), 'no declaration line');
  });

  test('the diagnosis names the hot line', () => {
    assert.match(
      diagnose(analysis).summary,
      /Most of your code's time is in scramble .*its hottest line is text\.ts:6 /,
    );
  });
});

test('a TypeScript file run with no source map kept: its lines are not the file’s, and it says so', () => {
  const file = path.join(path.sep, 'srv', 'app', 'text.ts');
  const analysis = analyze(
    profileOf(pathToFileURL(file).href, [
      { name: 'scramble', line: 1, column: 24, ticks: [[5, 20]] },
    ]),
    { readFile: (f) => (f === file ? SOURCE : undefined) },
  );
  assert.deepEqual(analysis.lines, []);
  assert.equal(function_(analysis, 'scramble').unplacedUs, 20_000);
  assert.ok(
    analysis.notes.some((n) => n.includes('text.ts: it was compiled in memory')),
    analysis.notes.join('\n'),
  );
});
