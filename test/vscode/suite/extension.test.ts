/** The extension in a real VS Code (code-server's workbench in headless Chromium). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const ID = 'hotpath.hotpath';

suite('Hotpath in VS Code', () => {
  suiteSetup(async () => {
    // Tests start before onStartupFinished: activate explicitly.
    const extension = vscode.extensions.getExtension(ID);
    assert.ok(extension, `the extension ${ID} is installed`);
    await extension.activate();
  });

  test('contributes "Hotpath: Profile Endpoint"', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('hotpath.profileEndpoint'));
  });

  test('profiles a sample-service route and saves the run in the workspace', async () => {
    const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      path: '/cpu',
      preset: 'quick',
      connections: 4,
      durationSec: 1.5,
      warmupSec: 0.5,
    })) as {
      folder: string;
      record: { status: string; load?: { requests: number }; target: { pid?: number } };
    };
    assert.ok(run, 'the command returns the run');
    assert.equal(run.record.status, 'done');
    assert.ok((run.record.load?.requests ?? 0) > 0);
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(
      workspace && run.folder.startsWith(path.join(workspace, '.hotpath', 'runs')),
      run.folder,
    );
    assert.equal(
      JSON.parse(fs.readFileSync(path.join(run.folder, 'run.json'), 'utf8')).status,
      'done',
    );
    assert.ok(fs.statSync(path.join(run.folder, 'profile.cpuprofile')).size > 1000);
    const pid = run.record.target.pid;
    assert.ok(pid !== undefined);
    assert.throws(() => process.kill(pid, 0), 'the sample service was stopped');
  });
});
