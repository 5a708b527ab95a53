/**
 * The test set-up's one decision: what `npm test`'s pre-step does about missing system packages
 * (scripts/systemPackages.mjs). Installing is tested by CI on a new machine; this is the choice.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';

const script = path.resolve(__dirname, '..', '..', 'scripts', 'systemPackages.mjs');
const load = () => import('../../scripts/systemPackages.mjs');

test('nothing missing: nothing is done, whoever runs it', async () => {
  const { decide } = await load();
  for (const root of [true, false])
    for (const noInstall of [true, false])
      assert.deepEqual(decide({ missing: [], root, aptGet: true, noInstall }), { action: 'none' });
});

test('a missing package as root with apt-get: installed, after apt-get update, with the reason', async () => {
  const { decide, SYSTEM_PACKAGES } = await load();
  const krb = SYSTEM_PACKAGES.find((p) => p.name === 'libkrb5-dev');
  const rg = SYSTEM_PACKAGES.find((p) => p.name === 'ripgrep');
  assert.ok(krb && rg);
  const decision = decide({ missing: [krb, rg], root: true, aptGet: true, noInstall: false });
  assert.equal(decision.action, 'install');
  if (decision.action !== 'install') return;
  assert.deepEqual(decision.packages, ['libkrb5-dev', 'ripgrep']);
  assert.deepEqual(decision.commands, [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '--no-install-recommends', 'libkrb5-dev', 'ripgrep'],
  ]);
  assert.match(decision.lines.join('\n'), /libkrb5-dev: .*gssapi/);
});

test('a missing package and not root: stops with one message naming the exact command', async () => {
  const { decide, SYSTEM_PACKAGES } = await load();
  const chromium = SYSTEM_PACKAGES.find((p) => p.name === 'chromium');
  assert.ok(chromium);
  const decision = decide({ missing: [chromium], root: false, aptGet: true, noInstall: false });
  assert.equal(decision.action, 'stop');
  if (decision.action !== 'stop') return;
  assert.match(decision.message, /not running as root/);
  assert.match(
    decision.message,
    /sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium$/m,
  );
});

test('HOTPATH_NO_INSTALL=1 as root: stops, names the command, installs nothing', async () => {
  const { decide, SYSTEM_PACKAGES } = await load();
  const decision = decide({
    missing: SYSTEM_PACKAGES.slice(0, 2),
    root: true,
    aptGet: true,
    noInstall: true,
  });
  assert.equal(decision.action, 'stop');
  if (decision.action !== 'stop') return;
  assert.match(decision.message, /HOTPATH_NO_INSTALL=1/);
  assert.match(decision.message, /^ {2}apt-get update && apt-get install -y .*chromium ripgrep$/m);
});

test('root without apt-get: stops rather than guessing a package manager', async () => {
  const { decide, SYSTEM_PACKAGES } = await load();
  const decision = decide({
    missing: SYSTEM_PACKAGES.slice(0, 1),
    root: true,
    aptGet: false,
    noInstall: false,
  });
  assert.equal(decision.action, 'stop');
});

test('the script itself stops with the message when told not to install a missing package', () => {
  // A Chromium path that cannot exist makes one package missing on any machine.
  let failed: { status: number; stderr: string } | undefined;
  try {
    execFileSync(process.execPath, [script], {
      env: { ...process.env, HOTPATH_NO_INSTALL: '1', HOTPATH_CHROMIUM: '/nonexistent/chromium' },
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (error) {
    failed = error as { status: number; stderr: string };
  }
  assert.ok(failed, 'the script exited 0 with a package missing');
  assert.equal(failed.status, 1);
  assert.match(failed.stderr, /chromium: headless Chromium/);
  assert.match(failed.stderr, /apt-get install -y --no-install-recommends .*chromium/);
});
