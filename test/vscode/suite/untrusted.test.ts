/** Hotpath in an untrusted workspace (restricted mode): the sample service only. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const ID = 'hotpath.hotpath';

suite('Hotpath in an untrusted workspace', () => {
  test("the workspace's service command does not run; the sample service does", async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace opened in restricted mode');
    const extension = vscode.extensions.getExtension(ID);
    assert.ok(extension);
    await extension.activate();
    const api = extension.exports as { lastError(): string | undefined };
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);

    const refused = await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      target: 'service',
      path: '/',
      preset: 'quick',
    });
    assert.equal(refused, undefined, 'no run');
    assert.match(api.lastError() ?? '', /not trusted/);
    // The command would have left this file in the workspace folder.
    assert.equal(fs.existsSync(path.join(workspace, 'ran.txt')), false, 'the command did not run');
    assert.equal(fs.existsSync(path.join(workspace, '.hotpath')), false, 'no run folder');

    const sample = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      target: 'sample',
      path: '/hello',
      preset: 'quick',
      connections: 2,
      durationSec: 1,
      warmupSec: 0,
    })) as { folder: string; record: { status: string } } | undefined;
    assert.equal(sample?.record.status, 'done', 'the sample service runs');
    // The workspace's hotpath.outputFolder points outside it: ignored, the run stays inside.
    assert.ok(
      sample.folder.startsWith(path.join(workspace, '.hotpath', 'runs') + path.sep),
      sample.folder,
    );
  });
});
