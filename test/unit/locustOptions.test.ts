/** A Locust load's options, checked before any work starts: flags, presets of kind locust. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { checkPresets, type RunRequest, resolveRunOptions } from '../../src/runner/options';
import { HotpathError } from '../../src/vocabulary/errors';

const read = path.join(__dirname, '..', '..', 'src', 'sampleService', 'locust', 'read.py');

function refused(request: RunRequest, option: string, message: RegExp): void {
  assert.throws(
    () => resolveRunOptions(request),
    (error: unknown) =>
      error instanceof HotpathError &&
      error.code === 'BAD_OPTION' &&
      error.option === option &&
      message.test(error.message),
    `${JSON.stringify(request)} → ${option}`,
  );
}

test('--locustfile: users are the load, the duration the window, autocannon options cleared', () => {
  const options = resolveRunOptions({
    path: '/read',
    locustfile: read,
    users: 3000,
    spawnRate: 100,
    durationSec: 5,
  });
  assert.deepEqual(options.load.locust, {
    file: read,
    users: 3000,
    spawnRate: 100,
    workers: 0,
    externalWorkers: 0,
    masterHost: '127.0.0.1',
  });
  assert.equal(options.load.connections, 3000);
  assert.equal(options.load.durationSec, 5);
  assert.equal(options.load.shape, undefined);
  // All users at once unless a spawn rate is given.
  assert.equal(resolveRunOptions({ path: '/read', locustfile: read }).load.locust?.spawnRate, 50);
});

test('Locust options are refused where they mean nothing, naming the option', () => {
  refused({ path: '/read', users: 10 }, 'users', /--locustfile/);
  refused({ path: '/read', loadWorkers: 2 }, 'load-workers', /--locustfile/);
  refused({ path: '/read', locustfile: 'nope.py' }, 'locustfile', /nope\.py is not a file/);
  refused({ path: '/read', locustfile: read, connections: 5 }, 'connections', /--users/);
  refused({ path: '/read', locustfile: read, repeat: 3 }, 'repeat', /runs once/);
  refused({ path: '/read', locustfile: read, connectionRate: 2 }, 'rate', /locustfile's own/);
  refused({ path: '/read', locustfile: read, users: 0 }, 'users', /at least 1/);
  refused(
    { path: '/read', locustfile: read, masterHost: '0.0.0.0' },
    'master-bind',
    /other machines/,
  );
  const external = resolveRunOptions({
    path: '/read',
    locustfile: read,
    loadWorkersExternal: 2,
    masterHost: '0.0.0.0',
  });
  assert.equal(external.load.locust?.masterHost, '0.0.0.0');
});

test('a preset of kind locust gives the file and users; flags still override', () => {
  const [preset] = checkPresets([
    { name: 'shop', kind: 'locust', locustfile: 'read.py', users: 200, durationSec: 4 },
  ]);
  assert.equal(preset.locust?.locustfile, 'read.py');
  assert.match(preset.description, /Locust: read\.py, 200 users for 4 s/);
  const options = resolveRunOptions(
    { path: '/read', preset: 'shop', users: 20 },
    path.dirname(read),
    [preset],
  );
  assert.equal(options.load.locust?.file, read);
  assert.equal(options.load.locust?.users, 20);
  assert.equal(options.load.durationSec, 4);
  assert.throws(
    () => checkPresets([{ name: 'bad', kind: 'locust', locustfile: 'a.py', connections: 5 }]),
    /presets\[0\]\.connections: is not a field of a locust preset/,
  );
});
