/**
 * The extension tests in a real VS Code: code-server's server and workbench, in headless
 * Chromium (see test/vscode/codeServer.ts). The first run installs code-server (about a minute).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';
import { testOutput } from '../browser';
import { tempFolder } from '../helpers';
import { runExtensionTests } from '../vscode/codeServer';

const root = path.resolve(__dirname, '..', '..');

test('extension tests pass in a real VS Code', { timeout: 600_000 }, async () => {
  const suite = path.join(root, '.test-output', 'vscode-suite');
  fs.rmSync(suite, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [
      path.join(root, 'test/vscode/suite/index.ts'),
      path.join(root, 'test/vscode/suite/extension.test.ts'),
    ],
    outdir: suite,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    logLevel: 'warning',
  });
  const workspace = tempFolder('vscode-workspace');
  try {
    const { exitCode, log } = await runExtensionTests({
      extensionPath: root,
      testsPath: path.join(suite, 'index.js'),
      workspace,
      timeoutMs: 300_000,
      screenshot: testOutput('vscode-workbench.png'),
    });
    const output = log.join('\n');
    assert.equal(exitCode, 0, `VS Code reported exit code ${exitCode}:\n${output}`);
    // Mocha's reporter logs through console with printf-style arguments.
    assert.equal((output.match(/✔/g) ?? []).length, 7, output);
    assert.doesNotMatch(output, /failing/, output);
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
});
