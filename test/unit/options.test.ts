import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkPresets,
  isLoopbackHost,
  type RunRequest,
  readPresets,
  resolveRunOptions,
} from '../../src/runner/options';
import { DEFAULTS } from '../../src/vocabulary/defaults';
import { HotpathError } from '../../src/vocabulary/errors';
import { staysInside } from '../../src/vocabulary/paths';
import { PRESETS } from '../../src/vocabulary/presets';

function rejects(request: RunRequest, option: string, words: RegExp, code = 'BAD_OPTION') {
  assert.throws(
    () => resolveRunOptions(request, '/work'),
    (error: unknown) => {
      assert.ok(error instanceof HotpathError, 'a HotpathError');
      assert.equal(error.code, code);
      assert.equal(error.option, option);
      assert.match(error.message, words);
      return true;
    },
  );
}

describe('resolveRunOptions', () => {
  test('fills in the defaults from one place and the default preset', () => {
    const options = resolveRunOptions({ path: '/fast' }, '/work');
    const preset = PRESETS.find((p) => p.name === DEFAULTS.preset);
    assert.ok(preset);
    assert.equal(options.preset, DEFAULTS.preset);
    assert.equal(preset.shape.kind, 'constant');
    assert.equal(options.load.connections, preset.shape.connections);
    assert.equal(options.load.durationSec, preset.shape.durationSec);
    assert.equal(options.load.shape, undefined, 'a constant load runs as one autocannon run');
    assert.equal(options.load.method, 'GET');
    assert.equal(options.samplingIntervalUs, DEFAULTS.samplingIntervalUs);
    assert.equal(options.outDir, '/work/.hotpath/runs');
    assert.deepEqual(options.target, { kind: 'sample' });
    assert.equal(options.profile, true);
  });

  test('explicit values override the preset', () => {
    const options = resolveRunOptions(
      { path: '/x', preset: 'locust-like', connections: 7, durationSec: 2 },
      '/w',
    );
    assert.equal(options.load.connections, 7);
    assert.equal(options.load.durationSec, 2);
    assert.equal(options.load.connectionRate, 2, 'the preset rate stays');
  });

  test('an amount replaces the duration', () => {
    const options = resolveRunOptions({ path: '/x', amount: 100, connections: 10 }, '/w');
    assert.equal(options.load.amount, 100);
    assert.equal(options.load.durationSec, undefined);
  });

  test('bad values are named', () => {
    rejects({ path: 'fast' }, 'path', /must start with "\/"/);
    rejects({ path: '/x', connections: -5 }, 'connections', /at least 1, got -5/);
    rejects({ path: '/x', connections: 2.5 }, 'connections', /whole number/);
    rejects({ path: '/x', connections: 'abc' as unknown as number }, 'connections', /"abc"/);
    rejects({ path: '/x', durationSec: 0 }, 'duration', /more than 0/);
    rejects({ path: '/x', durationSec: Number.NaN }, 'duration', /a number/);
    rejects(
      { path: '/x', amount: 5, connections: 10 },
      'amount',
      /at least the number of connections/,
    );
    rejects({ path: '/x', preset: 'nope' }, 'preset', /unknown preset "nope"; known: walkthrough/);
    rejects({ path: '/x', method: 'FETCH' }, 'method', /one of GET/);
    rejects({ path: '/x', samplingIntervalUs: 1 }, 'sampling-interval', /at least 10/);
    rejects({ path: '/x', headers: { 'bad name': 'v' } }, 'header', /valid header name/);
    rejects({ path: '/x', headers: { ok: 'a\r\nInjected: 1' } }, 'header', /one line/);
    rejects({ path: '/x', url: 'not a url' }, 'url', /is not a URL/);
    rejects({ path: '/x', url: 'ftp://127.0.0.1/' }, 'url', /http:\/\/ or https:\/\//);
    rejects({ path: '/x', warmupSec: -1 }, 'warmup', /at least 0/);
  });

  test('a target off the loopback needs allowRemote', () => {
    rejects({ path: '/x', url: 'http://10.0.0.5:3000' }, 'url', /--allow-remote/, 'REMOTE_TARGET');
    rejects({ path: '/x', service: 'npx pm2 start app.js -i 2' }, 'service', /pm2-runtime/);
    rejects({ path: '/x', service: 'npm i && pm2 start ecosystem.config.js' }, 'service', /daemon/);
    resolveRunOptions({ path: '/x', service: 'pm2-runtime start app.js -i 2' }, '/srv');
    // A service without a URL: the one port it listens on is found when it starts.
    assert.deepEqual(resolveRunOptions({ path: '/x', service: 'npm start' }, '/srv').target, {
      kind: 'command',
      command: 'npm start',
      cwd: '/srv',
    });
    rejects({ path: '/x', url: 'http://example.com' }, 'url', /--allow-remote/, 'REMOTE_TARGET');
    const options = resolveRunOptions(
      { path: '/x', url: 'http://10.0.0.5:3000', allowRemote: true },
      '/w',
    );
    assert.deepEqual(options.target, { kind: 'url', url: 'http://10.0.0.5:3000' });
  });

  test('a service command and its URL make a command target', () => {
    const options = resolveRunOptions(
      { path: '/x', service: 'npm start', url: 'http://localhost:3000/ignored' },
      '/w',
    );
    assert.deepEqual(options.target, {
      kind: 'command',
      command: 'npm start',
      url: 'http://localhost:3000',
      cwd: '/w',
    });
  });
});

describe('isLoopbackHost', () => {
  test('knows the loopback names and ranges', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'api.localhost']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of [
      '10.0.0.1',
      '192.168.1.1',
      'example.com',
      '0.0.0.0',
      '128.0.0.1',
      'localhost.evil.com',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('presets as data (settings)', () => {
  test('are checked, with errors that name the preset and the field', () => {
    assert.deepEqual(checkPresets(undefined), []);
    assert.deepEqual(checkPresets([{ name: 'tiny', connections: 2, durationSec: 1 }]), [
      {
        name: 'tiny',
        description: '2 connections for 1 s',
        shape: { kind: 'constant', connections: 2, durationSec: 1 },
      },
    ]);
    assert.throws(() => checkPresets('fast'), /presets: must be a list/);
    assert.throws(
      () => checkPresets([{ connections: 2, durationSec: 1 }]),
      /presets\[0\]\.name: must be a name/,
    );
    assert.throws(
      () => checkPresets([{ name: 'x', connections: 0, durationSec: 1 }]),
      /preset "x": connections: must be at least 1/,
    );
    assert.throws(
      () => checkPresets([{ name: 'x', connections: 2 }]),
      /preset "x": durationSec: is missing/,
    );
  });

  test('one bad preset is left out, named, and the others still load', () => {
    const { presets, problems } = readPresets([
      { name: 'tiny', connections: 2, durationSec: 1 },
      { name: 'broken', connections: 0, durationSec: 1 },
      { connections: 2, durationSec: 1 },
      'fast',
      { name: 'wide', kind: 'ramp', to: 16 },
    ]);
    assert.deepEqual(
      presets.map((p) => p.name),
      ['tiny', 'wide'],
    );
    assert.deepEqual(
      problems.map((p) => p.name),
      ['"broken"', 'number 3', 'number 4'],
    );
    assert.match(problems[0].message, /preset "broken": connections: must be at least 1/);
    assert.match(problems[1].message, /presets\[2\]\.name: must be a name/);
    assert.deepEqual(readPresets(undefined), { presets: [], problems: [] });
    assert.deepEqual(readPresets('fast').problems, [
      { name: 'hotpath.presets', message: 'must be a list of presets' },
    ]);
  });

  test("a user's preset is found before a built-in one of the same name", () => {
    const mine = checkPresets([
      { name: 'quick', connections: 7, durationSec: 2 },
      { name: 'mine', connections: 3, durationSec: 1 },
    ]);
    assert.equal(
      resolveRunOptions({ path: '/x', preset: 'quick' }, '/w', mine).load.connections,
      7,
    );
    assert.equal(resolveRunOptions({ path: '/x', preset: 'mine' }, '/w', mine).load.connections, 3);
    assert.equal(
      resolveRunOptions({ path: '/x', preset: 'walkthrough' }, '/w', mine).load.connections,
      50,
    );
    assert.throws(
      () => resolveRunOptions({ path: '/x', preset: 'none' }, '/w', mine),
      /known: quick, mine, walkthrough/,
    );
  });
});

test('an output folder stays inside the workspace only when relative and not climbing out', () => {
  for (const inside of ['.hotpath/runs', 'runs', './out/runs', 'a/../b', 'a\\b'])
    assert.equal(staysInside(inside), true, inside);
  for (const outside of [
    '/tmp/runs',
    '..',
    '../runs',
    'a/../../b',
    'C:\\runs',
    '\\\\server\\share',
    '..\\x',
  ])
    assert.equal(staysInside(outside), false, outside);
});
