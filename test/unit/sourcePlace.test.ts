/**
 * A profile's file names, read as places on this machine: `file://` URLs (percent-encoded, of
 * this or another system), paths, Node's own modules, and `hotpath.pathMappings`.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import {
  localCandidates,
  localPath,
  mapPath,
  placeOf,
  readPathMappings,
} from '../../src/vocabulary/sourcePlace';

test('a file:// URL is its path, spaces and non-ASCII decoded', () => {
  assert.deepEqual(placeOf('file:///home/ana/my%20app/caf%C3%A9.js'), {
    kind: 'path',
    path: '/home/ana/my app/café.js',
  });
  assert.deepEqual(placeOf('file:///C:/app/src/x.js'), { kind: 'path', path: 'C:/app/src/x.js' });
  assert.deepEqual(placeOf('/srv/app/server.js'), { kind: 'path', path: '/srv/app/server.js' });
  assert.deepEqual(placeOf('C:\\app\\server.js'), { kind: 'path', path: 'C:\\app\\server.js' });
});

test("any path's file:// URL comes back as the path", () => {
  const segment = fc.stringMatching(/^[^/\0]{1,12}$/).filter((s) => s !== '.' && s !== '..');
  // A first folder named like a drive (`/C:/…`) is read as Windows's, as file:///C:/ is.
  const drive = /^[A-Za-z]:$/;
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), (parts) => {
      fc.pre(!drive.test(parts[0]));
      const file = `/${parts.join('/')}`;
      assert.deepEqual(placeOf(pathToFileURL(file).href), { kind: 'path', path: file });
    }),
  );
});

test("Node's own modules and names that are no file", () => {
  assert.deepEqual(placeOf('node:crypto'), { kind: 'builtin', module: 'crypto' });
  assert.deepEqual(placeOf('node:internal/streams/writable'), {
    kind: 'builtin',
    module: 'internal/streams/writable',
  });
  for (const none of ['[worker eval]', 'evalmachine.<anonymous>', 'wasm://wasm/1a2b', '']) {
    assert.deepEqual(placeOf(none), { kind: 'none' }, none);
    assert.deepEqual(localCandidates(none, { '/': '/x' }), []);
  }
  assert.deepEqual(localCandidates('node:crypto', { '/': '/x' }), []);
});

test('the longest remote prefix maps, on a folder boundary only', () => {
  const mappings = { '/app': '/home/ana/shop', '/app/vendor': '/opt/vendor', 'C:\\build': '/w' };
  assert.equal(mapPath('/app/src/x.js', mappings), path.join('/home/ana/shop', 'src', 'x.js'));
  assert.equal(mapPath('/app/vendor/y.js', mappings), path.join('/opt/vendor', 'y.js'));
  assert.equal(mapPath('/application/x.js', mappings), undefined);
  assert.equal(mapPath('c:\\Build\\lib\\z.js', mappings), path.join('/w', 'lib', 'z.js'));
  assert.equal(mapPath('/app', mappings), '/home/ana/shop');
  assert.equal(mapPath('/app/src/x.js', { '/app/': '/home/ana/shop/' }), '/home/ana/shop/src/x.js');
});

test('candidates: the mapped path first, then the path as named; localPath is the first', () => {
  const mappings = { '/app': '/home/ana/shop' };
  assert.deepEqual(localCandidates('file:///app/a%20b.js', mappings), [
    path.join('/home/ana/shop', 'a b.js'),
    '/app/a b.js',
  ]);
  assert.deepEqual(localCandidates('/srv/x.js', mappings), ['/srv/x.js']);
  assert.equal(localPath('file:///app/x.js', mappings), path.join('/home/ana/shop', 'x.js'));
  assert.equal(localPath('node:fs', mappings), undefined);
});

test('the setting: strings kept, anything else named and left out', () => {
  assert.deepEqual(readPathMappings(undefined), { mappings: {}, problems: [] });
  const read = readPathMappings({ '/app': '/home/ana/shop', '/bad': 3, '/empty': '' });
  assert.deepEqual(read.mappings, { '/app': '/home/ana/shop' });
  assert.equal(read.problems.length, 2);
  assert.match(read.problems[0], /"\/bad" → 3/);
  assert.equal(readPathMappings(['/app']).problems.length, 1);
});
