/**
 * Frames V8 inlined, recovered from the caller's line ticks, and lines that are code. The two
 * real profiles are of the zoo's express and fastify services as they were when recorded
 * (test/fixtures/profiles, each beside a copy of its service's source, their script URLs made
 * relative to this checkout): V8 inlined the hot function into the route handler and named the
 * handler. The hand-built ones are of scripts written here.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { type Analysis, analyze, hotFunctions, hotLines } from '../../src/profile/analyze';
import { breakdown } from '../../src/profile/breakdown';
import { parseProfile } from '../../src/profile/cpuprofile';
import { diagnose } from '../../src/profile/diagnosis';
import { hotLineFigures, runFigures } from '../../src/report/figures';
import { cpuProfile, fixture, recordedProfile, repeated, tempFolder } from '../helpers';

const readFile = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

const lineOf = (file: string, text: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text)) + 1;

function named(analysis: Analysis, name: string) {
  const found = analysis.functions.filter((f) => f.name === name);
  assert.equal(found.length, 1, `one function named ${name}`);
  return found[0];
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('a frame V8 inlined, recovered (real profiles)', () => {
  test('express: the route handler named, its ticks on tallyInvoices’ lines, which it calls', () => {
    const file = fixture('profiles/express-inlined/server.js');
    const profile = recordedProfile('express-inlined.cpuprofile');
    const analysis = analyze(profile, { readFile });
    const before = analyze(profile);

    const tally = named(analysis, 'tallyInvoices');
    const [hottest] = hotFunctions(analysis, 1, ['user']);
    assert.equal(hottest, tally);
    assert.equal(tally.generated.line, lineOf(file, 'function tallyInvoices'));
    // The handler's frame is where V8 ran it.
    const handler = analysis.functions[tally.inlined?.intoId ?? -1];
    assert.equal(handler?.generated.line, lineOf(file, "api.get('/invoices/total'"));
    assert.ok((tally.inlined?.selfUs ?? 0) > 0.9 * tally.selfUs, 'most of it ran inlined');
    // Its lines are its own now, the hottest the marked one.
    const [line] = hotLines(analysis, 1, ['user']);
    assert.deepEqual([line.file, line.line], [file, lineOf(file, '// hot line')]);
    assert.equal(analysis.functions[line.functionId], tally);
    // Nothing is lost: the window, each category and the lines add up as before.
    assert.equal(analysis.model.durationUs, before.model.durationUs);
    assert.deepEqual(analysis.model.categories, before.model.categories);
    assert.ok(
      Math.abs(sum(analysis.lines.map((l) => l.selfUs)) - sum(before.lines.map((l) => l.selfUs))) <
        1e-6,
    );
    // The handler keeps what is its own, and the tree holds tallyInvoices under it.
    assert.ok(handler.selfUs < 0.01 * before.functions[handler.id].selfUs);
    const { frames } = analysis.model;
    const under = [...frames.fn.keys()].filter(
      (k) => frames.fn[k] === tally.id && frames.fn[frames.parent[k]] === handler.id,
    );
    assert.equal(under.length, 1);
    assert.ok(Math.abs(frames.total[under[0]] - tally.totalUs) < 1e-6);
  });

  test('without the script (a loader ran it from memory), the profile stays as V8 named it', () => {
    const analysis = analyze(recordedProfile('express-inlined.cpuprofile'));
    const [hottest] = hotFunctions(analysis, 1, ['user']);
    assert.equal(hottest.name, '(anonymous)');
    assert.equal(hottest.inlined, undefined);
  });

  test('fastify: ordersRoute named, its ticks on listOrders’ lines, a line shared with an arrow in it', () => {
    const file = fixture('profiles/fastify-inlined/server.js');
    const analysis = analyze(recordedProfile('fastify-inlined.cpuprofile'), { readFile });
    const list = named(analysis, 'listOrders');
    const route = named(analysis, 'ordersRoute');
    assert.equal(hotFunctions(analysis, 1, ['user'])[0], list);
    assert.equal(list.inlined?.intoId, route.id);
    // The reduce line holds listOrders' code and an arrow's: listOrders', surely.
    const reduce = lineOf(file, 'lines.reduce(');
    const at = analysis.lines.find((l) => l.file === file && l.line === reduce);
    assert.equal(at && analysis.functions[at.functionId], list);
    // ordersRoute keeps its own line, the call.
    const call = analysis.lines.find(
      (l) => l.file === file && l.line === lineOf(file, 'return listOrders(200)'),
    );
    assert.equal(call && analysis.functions[call.functionId], route);
  });
});

/** A script written to a temp folder, and a profile of `frames` in it, each ticking its lines. */
function scriptProfile(
  code: string,
  frames: { name: string; at: string; ticks: [string, number][]; under?: string }[],
) {
  const file = path.join(tempFolder('inlined'), 'app.js');
  fs.writeFileSync(file, code);
  const url = pathToFileURL(file).href;
  const lines = code.split('\n');
  const line = (text: string) => {
    const at = lines.findIndex((l) => l.includes(text));
    assert.ok(at >= 0, text);
    return at;
  };
  const frameOf = (name: string, at: string) => {
    const l = line(at);
    return { name, url, line: l, column: lines[l].indexOf('(', lines[l].indexOf(at)) };
  };
  const samples = frames.flatMap(({ name, at, ticks, under }) => {
    const stack = under
      ? [
          frameOf(under, (frames.find((f) => f.name === under) as { at: string }).at),
          frameOf(name, at),
        ]
      : [frameOf(name, at)];
    return ticks.flatMap(([text, count]) => repeated(count, stack, 1000, line(text) + 1));
  });
  const profile = parseProfile(JSON.stringify(cpuProfile([...samples, { stack: [], us: 0 }])));
  return { file, profile, line: (text: string) => line(text) + 1 };
}

describe('a frame V8 inlined, recovered or not (hand-built)', () => {
  test('through a call chain within the script: F calls H, H calls G', () => {
    const { file, profile, line } = scriptProfile(
      [
        'function inner(n) {',
        '  let s = 0;',
        '  for (let i = 0; i < n; i++) s += i * i; // inner work',
        '  return s;',
        '}',
        'function middle(n) {',
        '  return inner(n) + 1;',
        '}',
        'function outer(n) {',
        '  return middle(n) * 2; // outer call',
        '}',
      ].join('\n'),
      [
        {
          name: 'outer',
          at: 'function outer',
          ticks: [
            ['inner work', 30],
            ['outer call', 10],
          ],
        },
      ],
    );
    const analysis = analyze(profile, { readFile });
    const inner = named(analysis, 'inner');
    assert.equal(inner.selfUs, 30_000);
    assert.equal(inner.inlined?.intoId, named(analysis, 'outer').id);
    assert.deepEqual(
      hotLines(analysis, 2).map((l) => [l.file, l.line, l.selfUs]),
      [
        [file, line('inner work'), 30_000],
        [file, line('outer call'), 10_000],
      ],
    );
  });

  test('a function F does not reach, or two of one name: the ticks stay inlined code in F', () => {
    const { profile, line } = scriptProfile(
      [
        'function twin() {',
        '  return 1; // first twin',
        '}',
        'const other = { twin() {',
        '  return 2; // second twin',
        '} };',
        'function stranger() {',
        '  return 3; // stranger',
        '}',
        'function caller() {',
        '  return twin() + other.twin(); // the call',
        '}',
      ].join('\n'),
      [
        {
          name: 'caller',
          at: 'function caller',
          ticks: [
            ['first twin', 5],
            ['second twin', 5],
            ['stranger', 5],
            ['the call', 5],
          ],
        },
      ],
    );
    const analysis = analyze(profile, { readFile });
    const caller = named(analysis, 'caller');
    assert.equal(caller.selfUs, 20_000);
    assert.equal(caller.inlinedUs, 15_000);
    assert.deepEqual(
      hotLines(analysis, 5).map((l) => l.line),
      [line('the call')],
    );
    assert.ok(!analysis.functions.some((f) => f.inlined));
  });

  test('a tick on a comment line is never a hot line: inlined code in its function', () => {
    const { profile, line } = scriptProfile(
      [
        '/*! a licence comment',
        ' * over lines',
        ' */',
        'function work(n) {',
        '  // a comment in the function',
        '  let s = 0; for (let i = 0; i < n; i++) s += i; // work',
        '  return s;',
        '}',
      ].join('\n'),
      [
        {
          name: 'work',
          at: 'function work',
          ticks: [
            ['over lines', 7],
            ['a comment in the function', 3],
            ['// work', 10],
          ],
        },
      ],
    );
    const analysis = analyze(profile, { readFile });
    assert.deepEqual(
      hotLines(analysis, 5).map((l) => l.line),
      [line('// work')],
    );
    assert.equal(named(analysis, 'work').inlinedUs, 10_000);
    const rows = hotLineFigures(analysis, undefined, 5);
    assert.deepEqual(
      rows.map((r) => [r.where.startsWith('inlined code in work'), r.selfUs]),
      [
        [false, 10_000],
        [true, 10_000],
      ],
    );
  });
});

describe('a regular expression running in V8', () => {
  test('its frame is hot in the code that ran it, named by its pattern', () => {
    const url = 'file:///srv/app/server.js';
    const route = { name: 'route', url, line: 4, column: 20 };
    const profile = parseProfile(
      JSON.stringify(
        cpuProfile([
          ...repeated(97, [route, 'RegExp: ^(a+)+$'], 1000),
          ...repeated(3, [route], 1000, 5),
          { stack: [], us: 0 },
        ]),
      ),
    );
    const analysis = analyze(profile);
    const [hottest] = hotFunctions(analysis, 1, ['user']);
    assert.equal(hottest.name, 'RegExp: ^(a+)+$');
    assert.equal(hottest.category, 'user');
    assert.equal(named(analysis, 'route').totalUs, 100_000);
    const yours = breakdown(analysis).find((row) => row.kind === 'user');
    assert.equal(yours?.us, 100_000);
    assert.equal(yours?.names[0].name, 'RegExp: ^(a+)+$');
    const [row] = runFigures({
      folder: '',
      profileFile: '',
      analysis,
      diagnosis: diagnose(analysis),
    }).hotFunctions;
    assert.deepEqual([row.name, row.where], ['RegExp: ^(a+)+$', "V8's regex engine"]);
  });

  test("run by a package's code, it is that package's", () => {
    const url = 'file:///srv/app/node_modules/router/index.js';
    const profile = parseProfile(
      JSON.stringify(
        cpuProfile([
          ...repeated(10, [{ name: 'match', url, line: 1 }, 'RegExp: ^\\/a$'], 1000),
          { stack: [], us: 0 },
        ]),
      ),
    );
    const regex = named(analyze(profile), 'RegExp: ^\\/a$');
    assert.deepEqual([regex.category, regex.packageName], ['node_modules', 'router']);
  });
});

describe('the line that calls the cost, inferred from the callees’ names', () => {
  const code = [
    "const { createHash } = require('node:crypto');",
    'function churn(seed) {',
    '  let d = seed;',
    "  for (let i = 0; i < 9; i++) d = createHash('sha256').update(d).digest('hex'); // calls",
    '  return d.length;',
    '}',
    'function twice(seed) {',
    "  const a = createHash('sha256').update(seed).digest('hex'); // first",
    "  return createHash('sha256').update(a).digest('hex'); // second",
    '}',
  ].join('\n');

  function run(caller: string) {
    const file = path.join(tempFolder('calls'), 'app.js');
    fs.writeFileSync(file, code);
    const url = pathToFileURL(file).href;
    const lines = code.split('\n');
    const at = lines.findIndex((l) => l.includes(`function ${caller}`));
    const fn = { name: caller, url, line: at, column: lines[at].indexOf('(') };
    const node = (name: string, line: number) => ({ name, url: 'node:internal/crypto/hash', line });
    const profile = cpuProfile([
      ...repeated(40, [fn, node('Hash', 87)], 1000),
      ...repeated(30, [fn, node('digest', 149)], 1000),
      ...repeated(20, [fn, node('update', 131)], 1000),
      ...repeated(10, [fn], 1000, at + 3),
      { stack: [], us: 0 },
    ]);
    return { analysis: analyze(parseProfile(JSON.stringify(profile)), { readFile }), file, lines };
  }

  test('one line calls them: that line, its callees by name, their time, inferred', () => {
    const { analysis, file, lines } = run('churn');
    const churn = named(analysis, 'churn');
    // Hash is not called by name (createHash is, and runs it): it is no call line's.
    assert.deepEqual(churn.callLines, [
      {
        file,
        line: lines.findIndex((l) => l.includes('// calls')) + 1,
        calleeNames: ['digest', 'update'],
        totalUs: 50_000,
        inferred: true,
      },
    ]);
  });

  test('two lines call them: the first, ambiguous, with the other', () => {
    const { analysis, lines } = run('twice');
    const [top] = named(analysis, 'twice').callLines ?? [];
    const line = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    assert.deepEqual(
      [top?.line, top?.alsoLines, top?.ambiguous],
      [line('// first'), [line('// second')], true],
    );
  });
});

describe('a minified bundle whose licence comments end it', () => {
  test('ticks V8 read against the comment lines are inlined code, not hot lines', () => {
    const { code } = transformSync(
      [
        '/*! licence: MIT',
        ' * over lines */',
        'export function scramble(words) {',
        '  let s = 0;',
        '  for (const w of words) s += w.length;',
        '  return s;',
        '}',
      ].join('\n'),
      {
        loader: 'js',
        format: 'cjs',
        minify: true,
        legalComments: 'eof',
        sourcemap: 'inline',
        sourcefile: 'text.js',
      },
    );
    const file = path.join(tempFolder('bundle'), 'bundle.js');
    fs.writeFileSync(file, code);
    const lines = code.split('\n');
    const licence = lines.findIndex((l) => l.includes('licence')) + 1;
    assert.ok(licence > 1, 'the licence is on a line of its own');
    // V8's position of the function: its parameter list's `(` (the name is minified).
    const header = /function \w+\(/.exec(lines[0]) as RegExpExecArray;
    const column = header.index + header[0].length - 1;
    const fn = { name: 'g', url: pathToFileURL(file).href, line: 0, column };
    const profile = cpuProfile([
      ...repeated(8, [fn], 1000, licence),
      ...repeated(2, [fn], 1000, licence + 1),
      { stack: [], us: 0 },
    ]);
    const analysis = analyze(parseProfile(JSON.stringify(profile)), { readFile });
    assert.deepEqual(hotLines(analysis, 5), []);
    // Its original name, from the map.
    assert.equal(named(analysis, 'scramble').inlinedUs, 10_000);
  });
});
