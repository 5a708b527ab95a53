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

    // The results are shown where the code is: the handler's .ts source, with lenses over it.
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.ok(
      editor.document.uri.fsPath.endsWith(path.join('src', 'sampleService', 'handlers.ts')),
      editor.document.uri.fsPath,
    );
    const cpuLine = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('async function cpu()'));
    assert.ok(cpuLine >= 0);
    assert.equal(editor.selection.active.line, cpuLine, 'the hottest function is shown');
    const lenses = (await vscode.commands.executeCommand(
      'vscode.executeCodeLensProvider',
      editor.document.uri,
    )) as vscode.CodeLens[];
    const lens = lenses.find(
      (l) => l.range.start.line === cpuLine && l.command?.title.startsWith('🔥'),
    );
    assert.ok(
      lens,
      `a lens over cpu(): ${lenses.map((l) => `${l.range.start.line}: ${l.command?.title}`).join(' | ')}`,
    );
    assert.match(lens.command?.title ?? '', /% self · .*% total · .* ms\/req · GET \/cpu/);
    const api = vscode.extensions.getExtension(ID)?.exports as {
      hotLineLevels(d: vscode.TextDocument): number[];
      hotLinesDrawn(): { file: string; decorations: number }[];
    };
    const levels = api.hotLineLevels(editor.document);
    assert.ok(levels[levels.length - 1] >= 1, `the hottest line has the hottest heat: ${levels}`);
    const drawn = api.hotLinesDrawn().find((d) => d.file === editor.document.uri.fsPath);
    assert.ok(
      drawn && drawn.decorations >= 1,
      `hot lines drawn in the editor: ${JSON.stringify(api.hotLinesDrawn())}`,
    );
    await vscode.commands.executeCommand('hotpath.showFlamegraph', lens.command?.arguments?.[0]);
    // Leave the workbench showing the results for the harness's screenshot.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });

  test('compares with the previous run, reopens a saved profile, clears results', async () => {
    const first = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      path: '/cpu',
      preset: 'quick',
      connections: 4,
      durationSec: 1.5,
      warmupSec: 0.5,
    })) as { folder: string };
    await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      path: '/cpualloc',
      preset: 'quick',
      connections: 4,
      durationSec: 1.5,
      warmupSec: 0.5,
    });
    const comparison = (await vscode.commands.executeCommand('hotpath.compareWithPrevious')) as {
      ratios: { cpuPerRequest?: number };
      functions: { name: string; before: number; after: number }[];
    };
    assert.ok(comparison, 'a comparison');
    assert.ok(
      (comparison.ratios.cpuPerRequest ?? 0) > 1.2,
      `/cpualloc costs more CPU per request: ${comparison.ratios.cpuPerRequest}`,
    );
    assert.equal(
      comparison.functions[0].name === 'cpualloc' || comparison.functions[0].name === 'cpu',
      true,
    );

    const opened = (await vscode.commands.executeCommand(
      'hotpath.openProfile',
      vscode.Uri.file(path.join(first.folder, 'profile.cpuprofile')),
    )) as { analysis: unknown } | undefined;
    assert.ok(opened, 'a lone profile opens');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor && editor.document.uri.fsPath.endsWith('handlers.ts'));
    const uri = editor.document.uri;
    const lenses = async () =>
      (
        (await vscode.commands.executeCommand(
          'vscode.executeCodeLensProvider',
          uri,
        )) as vscode.CodeLens[]
      ).filter((l) => l.command?.title.startsWith('🔥'));
    assert.ok((await lenses()).length > 0, 'lenses for the reopened profile');
    const settings = vscode.workspace.getConfiguration('hotpath');
    await settings.update('showCodeLens', false, vscode.ConfigurationTarget.Global);
    assert.equal((await lenses()).length, 0, 'the showCodeLens setting hides them');
    await settings.update('showCodeLens', undefined, vscode.ConfigurationTarget.Global);
    assert.ok((await lenses()).length > 0, 'and brings them back');
    await vscode.commands.executeCommand('hotpath.clearResults');
    assert.equal((await lenses()).length, 0, 'no lenses once cleared');

    const broken = path.join(path.dirname(first.folder), 'broken.cpuprofile');
    fs.writeFileSync(broken, '{"nodes": [');
    const none = await vscode.commands.executeCommand(
      'hotpath.openProfile',
      vscode.Uri.file(broken),
    );
    assert.equal(none, undefined, 'a truncated profile is an error message, not a crash');
  });
});
