/**
 * A minified dependency's methods are named through the source map, as the user's functions are
 * (issue #26, item 6): V8 names `_.send=function(e){…}` "_.send", after the minified object.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { createSourceMapper } from '../../src/profile/sourcemaps';
import { tempFolder } from '../helpers';

test("a minified package's methods take their object's original name from the map", () => {
  const dir = tempFolder('minified-names');
  try {
    const lib = path.join(dir, 'node_modules', 'reply', 'index.js');
    fs.mkdirSync(path.dirname(lib), { recursive: true });
    fs.writeFileSync(
      lib,
      [
        'var res = Object.create({});',
        'res.send = function (body) { return String(body).length; };',
        'function Router() {}',
        'Router.prototype.handle = function (request) { return request + 1; };',
        'module.exports = { res, Router };',
        '',
      ].join('\n'),
    );
    const entry = path.join(dir, 'server.js');
    fs.writeFileSync(
      entry,
      "const { res, Router } = require('reply');\nconsole.log(res.send('x'), new Router().handle(1));\n",
    );
    const out = path.join(dir, 'dist', 'server.js');
    buildSync({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      sourcemap: true,
      platform: 'node',
      outfile: out,
      logLevel: 'warning',
    });
    const code = fs.readFileSync(out, 'utf8');
    const mapper = createSourceMapper((file) =>
      fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined,
    );
    const url = pathToFileURL(out).href;
    const names = [
      [/([\w$]+)\.send=function\(/, 'send', 'res.send'],
      [/([\w$]+)\.prototype\.handle=function\(/, 'handle', 'Router.handle'],
    ] as const;
    for (const [pattern, member, expected] of names) {
      const lines = code.split('\n');
      const line = lines.findIndex((l) => pattern.test(l));
      const match = pattern.exec(lines[line]);
      assert.ok(match, `the bundle assigns ${member}: ${code}`);
      assert.notEqual(
        match[1],
        expected.split('.')[0],
        'the object was renamed (else this proves nothing)',
      );
      // V8's name and column for the function: after its object, at its parameters' `(`.
      const column = match.index + match[0].length;
      const original = mapper.position(url, line + 1, column, `${match[1]}.${member}`);
      assert.equal(original?.source, lib);
      assert.equal(original?.name, expected);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
