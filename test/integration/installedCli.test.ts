/**
 * The `hotpath` command as a newcomer installs it: `npm pack`, the tarball installed into a
 * prefix of its own, run from a folder outside the repository. It profiles the sample service's
 * `/fast` and saves the run where it was run. Rebuilds the development bundles afterwards (the
 * pack step builds the production ones).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { tempFolder } from '../helpers';

const root = path.resolve(__dirname, '..', '..');

test('the packed `hotpath` command installs and profiles from any folder', {
  timeout: 300_000,
}, () => {
  const packs = tempFolder('pack');
  const prefix = tempFolder('prefix');
  const elsewhere = tempFolder('elsewhere');
  try {
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', packs], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [{ filename, files }] = JSON.parse(packed) as {
      filename: string;
      files: { path: string }[];
    }[];
    const shipped = new Set(files.map((f) => f.path));
    for (const needed of ['dist/cli.js', 'dist/agent.js', 'dist/sampleService.js', 'LICENSE'])
      assert.ok(shipped.has(needed), `the package lacks ${needed}`);
    assert.ok(![...shipped].some((f) => f.startsWith('test/') || f.startsWith('node_modules/')));

    execFileSync(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        path.join(packs, filename),
      ],
      { cwd: elsewhere, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const hotpath = path.join(prefix, 'bin', 'hotpath');
    assert.ok(fs.existsSync(hotpath), `${hotpath} was not installed`);
    // Run as a command, not through node: the shebang and the link's mode must work.
    const run = spawnSync(hotpath, ['profile', '/fast', '--preset', 'quick', '--duration', '2'], {
      cwd: elsewhere,
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` },
    });
    assert.equal(run.status, 0, `hotpath exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^GET \/fast · sample service/m);
    assert.match(run.stdout, /throughput .* req\/s/);
    // The maps of the code that runs inside the service travel with it.
    assert.doesNotMatch(run.stdout, /source map .* is not readable/);
    const runs = path.join(elsewhere, '.hotpath', 'runs');
    const [id] = fs.readdirSync(runs);
    assert.ok(id, `no run saved under ${runs}`);
    const record = JSON.parse(fs.readFileSync(path.join(runs, id, 'run.json'), 'utf8'));
    assert.equal(record.status, 'done');
    assert.ok(record.load.requests > 0, 'the saved run served no request');
    assert.ok(fs.statSync(path.join(runs, id, 'profile.cpuprofile')).size > 0);
  } finally {
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'ignore' });
    for (const dir of [packs, prefix, elsewhere]) fs.rmSync(dir, { recursive: true, force: true });
  }
});
