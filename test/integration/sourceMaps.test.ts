/**
 * Source maps as V8 meets them: a real `node:inspector` profile of a small TypeScript file built
 * by esbuild three ways — its map inline as a `data:` URL, its `sourceMappingURL` naming a file
 * that does not exist, its map not JSON. The inline map takes the hot line back to the .ts file;
 * the missing and the broken one leave a note and the generated lines, and nothing throws.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { type Analysis, analyze } from '../../src/profile/analyze';
import { parseProfile } from '../../src/profile/cpuprofile';
import { tempFolder } from '../helpers';

// One hot line, found in the text (never hard-coded); `spin` keeps to its own lines.
const SOURCE = `// A loop that burns CPU on one line.
export function spin(ms: number): number {
  const until = Date.now() + ms;
  let acc: number = 7;
  while (Date.now() < until) {
    for (let i = 0; i < 20000; i++) acc = (acc * 1103515245 + 12345 + i) % 2147483647;
  }
  return acc;
}
`;
const HOT_TEXT = 'acc = (acc * 1103515245';
const HOT_LINE = SOURCE.split('\n').findIndex((l) => l.includes(HOT_TEXT)) + 1;

const folder = tempFolder('sourcemaps');
const source = path.join(folder, 'src', 'spin.ts');
const scripts = {
  inline: path.join(folder, 'dist', 'inline.js'),
  missing: path.join(folder, 'dist', 'missing.js'),
  broken: path.join(folder, 'dist', 'broken.js'),
};
const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined);
let analysis: Analysis;
let generated: string;

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))),
  );
}

before(async () => {
  fs.mkdirSync(path.dirname(source), { recursive: true });
  fs.writeFileSync(source, SOURCE);
  const built = (sourcemap: 'inline' | false) =>
    buildSync({
      entryPoints: [source],
      bundle: false,
      format: 'cjs',
      platform: 'node',
      sourcemap,
      write: false,
      outfile: scripts.inline,
    }).outputFiles[0].text;
  const inline = built('inline');
  assert.match(inline, /\/\/# sourceMappingURL=data:application\/json;base64,/);
  fs.mkdirSync(path.dirname(scripts.inline), { recursive: true });
  fs.writeFileSync(scripts.inline, inline);
  generated = built(false);
  fs.writeFileSync(scripts.missing, `${generated}//# sourceMappingURL=missing.js.map\n`);
  fs.writeFileSync(scripts.broken, `${generated}//# sourceMappingURL=broken.js.map\n`);
  fs.writeFileSync(`${scripts.broken}.map`, '{"version":3, this is not JSON');

  const load = createRequire(__filename);
  const spins = Object.values(scripts).map(
    (s) => (load(s) as { spin: (ms: number) => number }).spin,
  );
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
    await post(session, 'Profiler.start');
    for (let round = 0; round < 3; round++) for (const spin of spins) spin(60);
    const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
    analysis = analyze(parseProfile(JSON.stringify(profile)), { readFile: read });
  } finally {
    session.disconnect();
  }
});

after(() => fs.rmSync(folder, { recursive: true, force: true }));

const spinOf = (script: string) => {
  const found = analysis.functions.find(
    (f) => f.name === 'spin' && f.generated.url === pathToFileURL(script).href,
  );
  assert.ok(
    found,
    `spin of ${script} in the profile: ${analysis.functions.map((f) => `${f.name} ${f.generated.url}`)}`,
  );
  return found;
};

describe('a real profile of scripts with an inline, a missing and a broken source map', () => {
  test('the inline data: map takes the function and its hot line back to the .ts file', () => {
    const f = spinOf(scripts.inline);
    assert.equal(f.original?.source, source);
    assert.equal(
      f.original?.line,
      SOURCE.split('\n').findIndex((l) => l.includes('function spin')) + 1,
    );
    const lines = analysis.lines.filter((l) => l.file === source);
    assert.ok(lines.length > 0, `lines of spin.ts: ${JSON.stringify(analysis.lines.slice(0, 8))}`);
    assert.equal(lines[0].line, HOT_LINE, 'the hottest .ts line is the loop body');
    assert.ok(lines.every((l) => l.mapped));
    assert.ok(
      !analysis.notes.some((n) => n.includes(scripts.inline)),
      `no note on the inline script: ${analysis.notes.join('\n')}`,
    );
  });

  for (const [kind, note] of [
    [
      'missing',
      /missing\.js: its source map .*missing\.js\.map is not readable, positions stay as generated/,
    ],
    ['broken', /broken\.js: its source map is broken \(.*\), positions stay as generated/],
  ] as const) {
    test(`a ${kind} map: a note, and the generated lines of the .js file`, () => {
      const script = scripts[kind];
      assert.ok(
        analysis.notes.some((n) => note.test(n)),
        `a note matching ${note}: ${analysis.notes.join('\n')}`,
      );
      const f = spinOf(script);
      assert.equal(f.original, undefined, 'no original position without a map');
      const lines = analysis.lines.filter((l) => l.file === script);
      assert.ok(lines.length > 0, `lines of ${kind}.js`);
      assert.ok(lines.every((l) => !l.mapped));
      const hot = generated.split('\n').findIndex((l) => l.includes(HOT_TEXT)) + 1;
      assert.equal(lines[0].line, hot, 'the hottest line is the generated loop body');
    });
  }
});
