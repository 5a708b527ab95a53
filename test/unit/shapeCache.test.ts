/**
 * Parsed scripts kept on disk between reads (src/runs/shapeCache.ts): read back as parsed, used
 * only for the same file at the same size and time by the same build, and an analysis from them
 * is the analysis from a fresh parse.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { analyze } from '../../src/profile/analyze';
import { scriptShape } from '../../src/profile/scriptShape';
import { readTextFile } from '../../src/runs/runFolder';
import { diskShapes } from '../../src/runs/shapeCache';
import { fixture, recordedProfile, tempFolder } from '../helpers';

const SCRIPT = `'use strict';
function tally(rows) {
  let sum = 0;
  for (const row of rows) sum += price(row); // hot
  return sum;
}
const price = (row) => row.amount * 1.2;
module.exports = { tally, route: async () => tally([{ amount: 1 }]) };
`;

function script(folder: string, code = SCRIPT): { file: string; url: string } {
  const file = path.join(folder, 'service.js');
  fs.writeFileSync(file, code);
  return { file, url: pathToFileURL(file).href };
}

describe('parsed scripts kept between reads', () => {
  test('a shape kept is read back as parsed, by another read of the same build', () => {
    const folder = tempFolder('shapes');
    const { url } = script(folder);
    const cache = path.join(folder, 'cache');
    const parsed = scriptShape(SCRIPT);
    assert.ok(parsed);
    assert.equal(diskShapes(cache, 'build-1').get(url), undefined, 'nothing kept yet');
    diskShapes(cache, 'build-1').set(url, parsed);
    assert.deepEqual(diskShapes(cache, 'build-1').get(url), parsed);
  });

  test('a changed script, or another build, is parsed again', () => {
    const folder = tempFolder('shapes');
    const { file, url } = script(folder);
    const cache = path.join(folder, 'cache');
    diskShapes(cache, 'build-1').set(url, scriptShape(SCRIPT) ?? null);
    assert.equal(diskShapes(cache, 'build-2').get(url), undefined, 'another build');
    // The same size, another time: an edit that kept the length.
    const later = new Date(fs.statSync(file).mtimeMs + 5000);
    fs.writeFileSync(file, SCRIPT.replace('1.2', '1.3'));
    fs.utimesSync(file, later, later);
    assert.equal(diskShapes(cache, 'build-1').get(url), undefined, 'the script changed');
    // A broken entry is no entry.
    const [entry] = fs.readdirSync(cache);
    fs.writeFileSync(path.join(cache, entry), '{"file":');
    assert.equal(diskShapes(cache, 'build-1').get(url), undefined, 'a broken entry');
  });

  test('an analysis from kept shapes is the analysis from a fresh parse (a real profile)', () => {
    const folder = tempFolder('shapes');
    const cache = path.join(folder, 'cache');
    const profile = recordedProfile('express-inlined.cpuprofile');
    const fresh = analyze(profile, { readFile: readTextFile });
    const first = analyze(profile, { readFile: readTextFile, scripts: diskShapes(cache, 'b') });
    assert.equal(fs.readdirSync(cache).length, 1, 'the service script kept');
    // The second read parses nothing: a script that is not JavaScript would fail a parse.
    const served = fixture('profiles/express-inlined/server.js');
    const kept = diskShapes(cache, 'b');
    const url = pathToFileURL(served).href;
    assert.ok(kept.get(url), 'read back');
    const second = analyze(profile, { readFile: readTextFile, scripts: kept });
    for (const analysis of [first, second]) {
      assert.deepEqual(analysis.functions, fresh.functions);
      assert.deepEqual(analysis.lines, fresh.lines);
    }
    assert.ok(
      fresh.functions.some((f) => f.inlined !== undefined),
      'the profile has inlined frames, which need the shapes',
    );
  });
});
