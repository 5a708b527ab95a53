/**
 * `npm run package` makes a .vsix that installs into a real VS Code (code-server
 * `--install-extension`), activates from the installed copy and profiles the sample service.
 * Prints the .vsix size and the activation time. Rebuilds the development bundles afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { tempFolder } from '../helpers';
import { assertEveryTestPassed, runSuite } from '../vscode/runSuite';

const root = path.resolve(__dirname, '..', '..');

test('the .vsix installs into VS Code and works from there', { timeout: 600_000 }, async () => {
  const out = tempFolder('vsix');
  const workspace = tempFolder('vsix-workspace');
  const vsix = path.join(out, 'hotpath.vsix');
  const report = path.join(out, 'packaged.json');
  try {
    execFileSync('npm', ['run', 'package', '--', '--out', vsix], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const size = fs.statSync(vsix).size;
    console.log(`vsix size: ${(size / 1024 / 1024).toFixed(2)} MB`);
    assert.ok(size > 100_000 && size < 5_000_000, `a .vsix of ${size} bytes`);

    // VS Code runs extension tests only in a window with an extension under development: an
    // empty one, so that Hotpath itself comes from the installed .vsix.
    const probe = path.join(out, 'probe');
    fs.mkdirSync(probe);
    fs.writeFileSync(
      path.join(probe, 'package.json'),
      JSON.stringify({
        name: 'hotpath-vsix-probe',
        publisher: 'hotpath-tests',
        version: '0.0.0',
        engines: { vscode: '^1.100.0' },
      }),
    );
    const results = await runSuite({
      name: 'vscode-packaged',
      tests: ['test/vscode/suite/packaged.test.ts'],
      workspace,
      extensionPath: probe,
      codeServer: true,
      keepExtensions: true,
      env: {
        HOTPATH_VSCODE_INSTALL: vsix,
        HOTPATH_VSCODE_TIMEOUT_MS: '180000',
        HOTPATH_REPORT_FILE: report,
      },
    });
    assertEveryTestPassed(results);
    const { activationMs, files } = JSON.parse(fs.readFileSync(report, 'utf8'));
    console.log(
      `activation from the installed .vsix: ${activationMs} ms; ${files} files installed`,
    );
  } finally {
    // The package step left production bundles in dist/: put the development ones back.
    execFileSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'ignore' });
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
