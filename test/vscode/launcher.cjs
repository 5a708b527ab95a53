#!/usr/bin/env node
/**
 * Stands in for the VS Code executable in @vscode/test-electron's `runTests({ vscodeExecutablePath })`
 * on machines that cannot download VS Code: takes the same arguments (`--extensionTestsPath=…`,
 * `--extensionDevelopmentPath=…`, the workspace folder), runs the tests in code-server's VS Code
 * with its workbench in headless Chromium (codeServer.ts), prints the extension host's output and
 * exits with the tests' exit code, as VS Code does.
 *
 * Environment: HOTPATH_VSCODE_SCREENSHOT (a PNG of the workbench as the tests left it),
 * HOTPATH_VSCODE_INSTALL (a .vsix to install first), HOTPATH_VSCODE_TIMEOUT_MS,
 * HOTPATH_VSCODE_SETTINGS (JSON: user settings on top of the test defaults).
 */
require('tsx/cjs');
const { runExtensionTests } = require('./codeServer.ts');

function option(name) {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

async function main() {
  const testsPath = option('extensionTestsPath');
  if (!testsPath) throw new Error('--extensionTestsPath=… is required');
  const workspace = process.argv.slice(2).find((a) => !a.startsWith('-'));
  if (!workspace) throw new Error('the workspace folder to open is required (a launch argument)');
  const { exitCode, log } = await runExtensionTests({
    extensionPath: option('extensionDevelopmentPath'),
    install: process.env.HOTPATH_VSCODE_INSTALL || undefined,
    userSettings: process.env.HOTPATH_VSCODE_SETTINGS
      ? JSON.parse(process.env.HOTPATH_VSCODE_SETTINGS)
      : undefined,
    testsPath,
    workspace,
    timeoutMs: Number(process.env.HOTPATH_VSCODE_TIMEOUT_MS) || 300_000,
    screenshot: process.env.HOTPATH_VSCODE_SCREENSHOT || undefined,
  });
  for (const line of log) process.stdout.write(`${line}\n`);
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
