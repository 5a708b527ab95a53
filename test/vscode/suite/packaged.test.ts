/** The extension as installed from its .vsix (no extension under development in this window). */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { until } from './until';

const ID = 'hotpath.hotpath';

function filesUnder(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)));
}

suite('Hotpath installed from its .vsix', () => {
  test('activates from the installed copy and profiles the sample service', async () => {
    const extension = vscode.extensions.getExtension(ID);
    assert.ok(extension, `${ID} is installed`);
    assert.match(
      extension.extensionPath,
      /hotpath\.hotpath-\d+\.\d+\.\d+$/,
      extension.extensionPath,
    );
    assert.equal(extension.isActive, false, 'nothing activated it before the test');
    const started = performance.now();
    await extension.activate();
    const activationMs = performance.now() - started;
    const files = filesUnder(extension.extensionPath);
    const report = process.env.HOTPATH_REPORT_FILE;
    if (report)
      fs.writeFileSync(
        report,
        JSON.stringify({ activationMs: Math.round(activationMs), files: files.length }),
      );
    const unexpected = files.filter(
      (f) =>
        !/^(package\.json|readme\.md|changelog\.md|LICENSE\.txt|\.vsixmanifest)$/i.test(f) &&
        // The manifest's English text and the extension's strings, for translations.
        !/^(package\.nls\.json|l10n\/bundle\.l10n\.json)$/.test(f) &&
        !/^dist\/[A-Za-z]+\.js$/.test(f) &&
        // The agent's module hooks for Node 20.6–22.14 (`module.register` loads a module file).
        f !== 'dist/agentImportHooks.mjs' &&
        // The maps of the code that runs inside the profiled service: its frames are mapped.
        !/^dist\/(sampleService|agent)\.js\.map$/.test(f) &&
        // async-mutex, required by the sample service as a package of its own.
        !/^dist\/vendor\/async-mutex\/(index\.js(\.map)?|package\.json|LICENSE)$/.test(f) &&
        !/^dist\/media\/[a-z]+\.js$/.test(f) &&
        f !== 'media/icon.png' &&
        !/^media\/walkthrough\/[a-z]+\.md$/.test(f) &&
        !/^src\/sampleService\/[A-Za-z]+\.ts$/.test(f) &&
        // Locust as the load: Hotpath's module, and the walk-through's locustfiles.
        f !== 'locust/hotpathLocust.py' &&
        !/^src\/sampleService\/locust\/[a-z]+\.py$/.test(f) &&
        // Tells TypeScript not to check the sample's sources (their packages are not installed).
        f !== 'src/sampleService/tsconfig.json',
    );
    assert.deepEqual(
      unexpected,
      [],
      'the package holds the bundles, media, sample sources and docs only',
    );
    for (const needed of [
      'dist/extension.js',
      'dist/worker.js',
      'src/sampleService/handlers.ts',
      'package.nls.json',
      'l10n/bundle.l10n.json',
    ])
      assert.ok(files.includes(needed), needed);
    // VS Code read the manifest's %keys% from the shipped package.nls.json.
    const profileCommand = (
      extension.packageJSON.contributes.commands as { command: string; title: string }[]
    ).find((c) => c.command === 'hotpath.profileEndpoint');
    assert.equal(profileCommand?.title, 'Profile Endpoint');
    assert.equal(extension.packageJSON.displayName, 'Hotpath — Node.js endpoint profiler');

    const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      target: 'sample',
      path: '/cpu',
      preset: 'quick',
      connections: 4,
      durationSec: 1.5,
      warmupSec: 0.5,
    })) as {
      record: { status: string; versions: { autocannon: string }; load?: { requests: number } };
    };
    assert.equal(run?.record.status, 'done');
    assert.ok((run.record.load?.requests ?? 0) > 0);
    assert.match(
      run.record.versions.autocannon,
      /^\d+\.\d+\.\d+$/,
      'autocannon bundled, its version known',
    );
    const editor = vscode.window.activeTextEditor;
    assert.equal(
      editor?.document.uri.fsPath,
      path.join(extension.extensionPath, 'src', 'sampleService', 'handlers.ts'),
      'the shipped .ts source of the handler is shown',
    );
  });

  test("the sample's sources opened from the installed copy show no problems", async () => {
    const extension = vscode.extensions.getExtension(ID);
    assert.ok(extension);
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder');
    // The control: a type error in the workspace, found by the same TypeScript server. Once its
    // problem is reported, the files opened before it have been checked too.
    const control = vscode.Uri.joinPath(folder.uri, 'control.ts');
    await vscode.workspace.fs.writeFile(
      control,
      Buffer.from("export const answer: number = 'forty-two';\n"),
    );
    const sources = ['app.ts', 'handlers.ts', 'main.ts', 'rwlock.ts'].map((name) =>
      vscode.Uri.file(path.join(extension.extensionPath, 'src', 'sampleService', name)),
    );
    for (const source of sources) await vscode.window.showTextDocument(source, { preview: false });
    await vscode.window.showTextDocument(control, { preview: false });
    const found = await until(
      "TypeScript's problem in the control file",
      () => vscode.languages.getDiagnostics(control).length > 0,
      90_000,
    );
    assert.ok(found);
    // Diagnostics arrive file by file: give the sample's a moment more than the control's.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const problems = sources.flatMap((source) =>
      vscode.languages
        .getDiagnostics(source)
        .map((d) => `${path.basename(source.fsPath)}:${d.range.start.line + 1} ${d.message}`),
    );
    assert.deepEqual(problems, [], 'no problems in the shipped sample sources');
  });
});
