/**
 * The extension tests in a real VS Code, through @vscode/test-electron's runTests: code-server's
 * server and workbench in headless Chromium here (test/vscode/launcher.cjs), a downloaded VS Code
 * with HOTPATH_VSCODE=download. The first run installs code-server (about a minute).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { testOutput } from '../browser';
import { tempFolder } from '../helpers';
import { assertEveryTestPassed, runSuite } from '../vscode/runSuite';

test('extension tests pass in a real VS Code', { timeout: 600_000 }, async () => {
  const workspace = tempFolder('vscode-workspace');
  try {
    const results = await runSuite({
      name: 'vscode',
      tests: ['test/vscode/suite/extension.test.ts'],
      workspace,
      env: { HOTPATH_VSCODE_SCREENSHOT: testOutput('vscode-workbench.png') },
    });
    assertEveryTestPassed(results);
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});

test('heat on a fixed scale: a cold file looks cold in a real VS Code', {
  timeout: 600_000,
}, async () => {
  const workspace = tempFolder('vscode-heat');
  try {
    assertEveryTestPassed(
      await runSuite({ name: 'vscode-heat', tests: ['test/vscode/suite/heat.test.ts'], workspace }),
    );
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});

test('in an untrusted workspace the service command from its settings does not run', {
  timeout: 600_000,
}, async () => {
  const workspace = tempFolder('vscode-untrusted');
  const outside = tempFolder('vscode-untrusted-outside');
  try {
    fs.mkdirSync(path.join(workspace, '.vscode'));
    fs.writeFileSync(
      path.join(workspace, '.vscode', 'settings.json'),
      JSON.stringify({
        'hotpath.service.command': `"${process.execPath}" -e "require('fs').writeFileSync('ran.txt', 'x')"`,
        'hotpath.service.url': 'http://127.0.0.1:9',
        // Outside the workspace: an untrusted workspace must not have runs written there.
        'hotpath.outputFolder': outside,
      }),
    );
    const results = await runSuite({
      name: 'vscode-untrusted',
      tests: ['test/vscode/suite/untrusted.test.ts'],
      workspace,
      env: {
        HOTPATH_VSCODE_SETTINGS: JSON.stringify({
          'security.workspace.trust.enabled': true,
          'security.workspace.trust.startupPrompt': 'never',
          'security.workspace.trust.emptyWindow': false,
        }),
      },
    });
    assertEveryTestPassed(results);
    assert.equal(fs.existsSync(path.join(workspace, 'ran.txt')), false);
    assert.deepEqual(fs.readdirSync(outside), [], 'no run written outside the workspace');
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
