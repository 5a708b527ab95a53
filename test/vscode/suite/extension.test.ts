/** The extension in a real VS Code (code-server's workbench in headless Chromium). */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HotpathApi } from '../../../src/extension';
import type { CompletedRun } from '../../../src/runner/run';
import { until } from './until';

const ID = 'hotpath.hotpath';

/** The API the extension exports for its tests (a type import: nothing of it is bundled here). */
function api(): HotpathApi {
  return vscode.extensions.getExtension(ID)?.exports as HotpathApi;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A free port on loopback, for a service the test starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address() as net.AddressInfo;
      probe.close(() => resolve(address.port));
    });
    probe.on('error', reject);
  });
}

/** Sets hotpath.service.command and .url for the workspace; returns what clears them again. */
async function useService(command: string, url: string): Promise<() => Promise<void>> {
  const settings = vscode.workspace.getConfiguration('hotpath');
  await settings.update('service.command', command, vscode.ConfigurationTarget.Workspace);
  await settings.update('service.url', url, vscode.ConfigurationTarget.Workspace);
  return async () => {
    await settings.update('service.command', undefined, vscode.ConfigurationTarget.Workspace);
    await settings.update('service.url', undefined, vscode.ConfigurationTarget.Workspace);
  };
}

/**
 * Profiles `endpoint` of a user's service run from hotpath.service.command (`command` is given the
 * free port it is to listen on); the settings are cleared after, whatever happens. The run is done.
 */
async function profileOwnService<Run extends { record: { status: string } }>(
  command: (port: number) => string,
  endpoint: string,
): Promise<Run> {
  const port = await freePort();
  const clearService = await useService(command(port), `http://127.0.0.1:${port}`);
  try {
    const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT,
      target: 'service',
      path: endpoint,
    })) as Run | undefined;
    assert.ok(run, 'the command returns the run');
    assert.equal(run.record.status, 'done', JSON.stringify(run.record));
    return run;
  } finally {
    await clearService();
  }
}

/** Opens `file` in the profile editor and waits for the error message it makes. */
async function editorError(file: string): Promise<string> {
  const before = api().lastError();
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'hotpath.profile');
  const error = await until('an error message', () => {
    const e = api().lastError();
    return e !== before ? e : undefined;
  });
  return error ?? '';
}

/** The report panel's tab, if the panel is open. */
function panelTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .find(
      (tab) =>
        tab.input instanceof vscode.TabInputWebview &&
        tab.input.viewType.endsWith('hotpath.flamegraph'),
    );
}

/** Puts a text file in front of the report panel, in the panel's own group. */
async function hidePanel(): Promise<void> {
  const tab = panelTab();
  assert.ok(tab, 'the report panel is open');
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  const file = path.join(workspace, 'in-front.txt');
  fs.writeFileSync(file, 'a tab in front of the report panel\n');
  await vscode.window.showTextDocument(vscode.Uri.file(file), {
    viewColumn: tab.group.viewColumn,
    preview: false,
  });
  await until('the panel to be behind the text file', () => panelTab()?.isActive === false);
}

/** How many hot-line decorations the last drawing put on a document. */
function drawnOn(document: vscode.TextDocument): number {
  return (
    api()
      .hotLinesDrawn()
      .find((d) => d.file === document.uri.fsPath)?.decorations ?? 0
  );
}

const SHORT = {
  target: 'sample',
  preset: 'quick',
  connections: 4,
  durationSec: 1.5,
  warmupSec: 0.5,
};

/** A short Locust load of 10 users, for the runs under the real Locust. */
const SHORT_LOCUST = { preset: 'quick', durationSec: 1.5, warmupSec: 0.5, users: 10 };

suite('Hotpath in VS Code', () => {
  suiteSetup(async () => {
    // Tests start before onStartupFinished: activate explicitly.
    const extension = vscode.extensions.getExtension(ID);
    assert.ok(extension, `the extension ${ID} is installed`);
    await extension.activate();
  });

  test('contributes its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'profileEndpoint',
      'cancelRun',
      'startSampleService',
      'stopService',
      'openProfile',
      'openRun',
      'compareWithPrevious',
      'compareWith',
      'compareRampSteps',
      'showFlamegraph',
      'toggleHotLines',
      'clearResults',
      'openSampleSource',
      'profileLocustfile',
      'profileSampleWithLocust',
    ])
      assert.ok(commands.includes(`hotpath.${id}`), id);
  });

  test('profiles a sample-service route and saves the run in the workspace', async () => {
    const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT,
      path: '/cpu',
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
    // At the line the diagnosis names: the hottest of cpu(), a line with heat.
    const shownLine = editor.selection.active.line;
    assert.ok(
      shownLine >= cpuLine && shownLine < cpuLine + 12,
      `a line of cpu() (from ${cpuLine}) is shown: ${shownLine}`,
    );
    assert.ok(
      api().hotLineNumbers(editor.document).includes(shownLine),
      `the line shown (${shownLine}) has heat: ${api().hotLineNumbers(editor.document)}`,
    );
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
    // What blocked the event loop, when the run saw it, before the endpoint.
    assert.match(
      lens.command?.title ?? '',
      /% self · .*% total · .* ms\/req · (⏸ blocked the loop \d+ times, longest [\d.,]+ m?s · )?(⬚ [\d.,]+ [KMG]?B\/req allocated · [\d.]+ % · )?GET \/cpu$/,
    );
    const levels = api().hotLineLevels(editor.document);
    assert.ok(levels[levels.length - 1] >= 1, `the hottest line has the hottest heat: ${levels}`);
    const drawn = api()
      .hotLinesDrawn()
      .find((d) => d.file === editor.document.uri.fsPath);
    assert.ok(
      drawn && drawn.decorations >= 1,
      `hot lines drawn in the editor: ${JSON.stringify(api().hotLinesDrawn())}`,
    );
    // The report panel acknowledged the model: its page drew the run's flamegraph.
    const shown = await until('the panel to draw', () => api().panelShown());
    assert.equal(shown.title, 'GET /cpu');
    assert.ok(shown.frames > 3 && shown.drawnFrames > 3, JSON.stringify(shown));
    // Heat follows edits: two lines inserted above move it down; an edited hot line loses it.
    const before = api().hotLineNumbers(editor.document);
    assert.ok(before.length > 0);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// one\n// two\n'));
    assert.deepEqual(
      api().hotLineNumbers(editor.document),
      before.map((l) => l + 2),
    );
    const edited = before[0] + 2;
    await editor.edit((e) => e.insert(editor.document.lineAt(edited).range.end, ' // edited'));
    assert.equal(api().hotLineNumbers(editor.document).includes(edited), false);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.equal(editor.document.isDirty, false, 'the sample source is left as it was');
    assert.deepEqual(api().hotLineNumbers(editor.document), before, 'reverted: heat is back');
    await vscode.commands.executeCommand('hotpath.showFlamegraph', lens.command?.arguments?.[0]);
    // Leave the workbench showing the results for the harness's screenshot.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });

  test('Show Flamegraph brings the report panel to the front from behind another tab', async () => {
    await hidePanel();
    await vscode.commands.executeCommand('hotpath.showFlamegraph');
    await until('the panel to come to the front', () => panelTab()?.isActive);
    // And from a 🔥 lens (a function to find in the flamegraph).
    await hidePanel();
    await vscode.commands.executeCommand('hotpath.showFlamegraph', { name: 'cpu' });
    await until('the panel to come to the front for a lens', () => panelTab()?.isActive);
  });

  test('compares with the previous run, reopens a saved profile, clears results', async () => {
    const first = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT,
      path: '/cpu',
    })) as { folder: string };
    // A new run's report lands in a panel in front, beside the source it opened.
    await hidePanel();
    await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT,
      path: '/cpualloc',
    });
    await until("the new run's report to be in front", () => panelTab()?.isActive);
    assert.notEqual(
      panelTab()?.group.viewColumn,
      vscode.window.activeTextEditor?.viewColumn,
      'beside the source, not over it',
    );
    // /cpualloc has no earlier run: asked, the answer is to compare it with /cpu anyway.
    const comparison = (await vscode.commands.executeCommand(
      'hotpath.compareWithPrevious',
      'anyway',
    )) as {
      ratios: { cpuPerRequest?: number };
      functions: { name: string; before: number; after: number }[];
      differentEndpoints?: string[];
    };
    assert.ok(comparison, 'a comparison');
    // Two endpoints: said plainly, with no verdict on a change between them.
    assert.deepEqual(comparison.differentEndpoints, ['GET /cpu', 'GET /cpualloc']);
    const told = api().lastNote() ?? '';
    assert.match(told, /different endpoints \(GET \/cpu → GET \/cpualloc\)/, told);
    assert.doesNotMatch(told, /faster|slower/i, told);
    assert.ok(
      (comparison.ratios.cpuPerRequest ?? 0) > 1.2,
      `/cpualloc costs more CPU per request: ${comparison.ratios.cpuPerRequest}`,
    );
    // Each run's handler is in that run only: cpu went, cpualloc came.
    const named = (name: string) => {
      const f = comparison.functions.find((g) => g.name === name);
      return f && { went: f.before > 0 && f.after === 0, came: f.before === 0 && f.after > 0 };
    };
    assert.deepEqual(named('cpu'), { went: true, came: false }, 'cpu went');
    assert.deepEqual(named('cpualloc'), { went: false, came: true }, 'cpualloc came');
    const diff = await until('the panel to draw the comparison', () => {
      const s = api().panelShown();
      return s?.title.includes('→') ? s : undefined;
    });
    // Each run by its endpoint and start time: two runs of one endpoint are told apart.
    assert.match(diff.title, /^GET \/cpu · \d\d:\d\d:\d\d → GET \/cpualloc · \d\d:\d\d:\d\d$/);
    // Show Flamegraph brings back the comparison, not the run under it, even once closed.
    const shownTab = panelTab();
    assert.ok(shownTab);
    await vscode.window.tabGroups.close(shownTab);
    await vscode.commands.executeCommand('hotpath.showFlamegraph');
    const reopened = await until('Show Flamegraph to show the comparison', () =>
      api().panelShown()?.title === diff.title ? true : undefined,
    );
    assert.ok(reopened);
    const handlers = vscode.window.visibleTextEditors.find((e) =>
      e.document.uri.fsPath.endsWith('handlers.ts'),
    );
    assert.ok(handlers, 'the handlers are shown');
    const cpuallocLine = handlers.document
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('async function cpualloc()'));
    const titles = (
      (await vscode.commands.executeCommand(
        'vscode.executeCodeLensProvider',
        handlers.document.uri,
      )) as vscode.CodeLens[]
    )
      .filter((l) => l.range.start.line === cpuallocLine)
      .map((l) => l.command?.title ?? '');
    assert.ok(
      titles.some((t) => t.startsWith('🔥') && t.endsWith('· new since previous')),
      `the lens over cpualloc() tells it is new against the /cpu run: ${titles.join(' | ')}`,
    );

    // A run's own profile opened with Open Profile is that run, with its load.
    const opened = (await vscode.commands.executeCommand(
      'hotpath.openProfile',
      vscode.Uri.file(path.join(first.folder, 'profile.cpuprofile')),
    )) as { folder: string; record?: { load?: { requests: number } } } | undefined;
    assert.equal(opened?.folder, first.folder, 'the profile opens');
    assert.ok((opened.record?.load?.requests ?? 0) > 0, 'with its run: its load data');
    await until('the panel to show the run', () => api().panelShown()?.title === 'GET /cpu');
    // Opening a profile to read it does not change which runs "previous" compares.
    await vscode.commands.executeCommand('hotpath.compareWithPrevious', 'anyway');
    const still = await until('the panel to draw the comparison again', () => {
      const s = api().panelShown();
      return s?.title.includes('→') ? s : undefined;
    });
    assert.equal(still.title, diff.title, 'still the last two runs taken');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.ok(editor.document.uri.fsPath.endsWith('handlers.ts'), editor.document.uri.fsPath);
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
    assert.equal(panelTab(), undefined, 'and no report panel');

    // A run of an endpoint run before is compared with that endpoint's latest earlier run, not
    // with the run taken just before it (/cpualloc), and without asking.
    const third = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT,
      path: '/cpu',
    })) as { folder: string };
    assert.ok(third, 'a third run');
    await vscode.commands.executeCommand('hotpath.compareWithPrevious');
    const same = await until('the panel to draw /cpu against /cpu', () => {
      const s = api().panelShown();
      return s && /^GET \/cpu · \S+ → GET \/cpu · \S+$/.test(s.title) ? s : undefined;
    });
    assert.ok(same);
    assert.doesNotMatch(api().lastNote() ?? '', /different endpoints/);

    const broken = path.join(path.dirname(first.folder), 'broken.cpuprofile');
    fs.writeFileSync(broken, '{"nodes": [');
    const none = await vscode.commands.executeCommand(
      'hotpath.openProfile',
      vscode.Uri.file(broken),
    );
    assert.equal(none, undefined, 'a truncated profile is an error message, not a crash');
  });

  test('cancelling a run midway leaves none of its processes, and the service started by hand', async () => {
    // A sample service started by hand is not the run's: Cancel Run leaves it running.
    await vscode.commands.executeCommand('hotpath.startSampleService');
    const byHand = api().servicePid();
    assert.ok(byHand !== undefined && isRunning(byHand));
    const running = vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT,
      path: '/cpu',
      durationSec: 30,
    }) as Thenable<{ record: { status: string } } | undefined>;
    const pids = await until('the run to start its service', () => {
      const p = api().runningPids();
      return p.length > 0 ? p : undefined;
    });
    await until('the run to be past its warm-up, into the load', () =>
      api().runningStage() === 'profiling' ? true : undefined,
    );
    assert.equal(await vscode.commands.executeCommand('hotpath.cancelRun'), true);
    const run = await running;
    assert.equal(run?.record.status, 'cancelled');
    assert.deepEqual(
      pids.filter(isRunning),
      [],
      `processes of the cancelled run left: ${pids.join(', ')}`,
    );
    assert.deepEqual(api().runningPids(), []);
    assert.ok(isRunning(byHand), 'the sample service started by hand still runs');
    assert.equal(api().servicePid(), byHand);
    assert.equal(await vscode.commands.executeCommand('hotpath.cancelRun'), false, 'no run left');
  });

  test('starts and stops the sample service by hand', async () => {
    const url = (await vscode.commands.executeCommand('hotpath.startSampleService')) as string;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/hello`);
    assert.deepEqual(await response.json(), { hello: 'world' });
    const pid = api().servicePid();
    assert.ok(pid !== undefined && isRunning(pid));
    // A service already running: load and latency, no profile (Hotpath did not start it).
    const loaded = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT,
      target: 'url',
      url,
      path: '/fast',
    })) as { record: { status: string; load?: { requests: number }; profile: { file: unknown } } };
    assert.equal(loaded?.record.status, 'done');
    assert.ok((loaded.record.load?.requests ?? 0) > 0);
    assert.equal(loaded.record.profile.file, null);
    assert.ok(isRunning(pid), 'a service Hotpath did not start for the run is left running');
    await vscode.commands.executeCommand('hotpath.stopService');
    assert.equal(isRunning(pid), false, 'the service was stopped');
    assert.match(
      api().lastNote() ?? '',
      /the sample service at http:\/\/127\.0\.0\.1:\d+ is stopped/,
    );
    assert.equal(api().servicePid(), undefined);
  });

  test('a service on another port than hotpath.service.url: the error names the setting, not the flag', async () => {
    const script = path.join(
      vscode.extensions.getExtension(ID)?.extensionPath ?? '',
      'dist',
      'sampleService.js',
    );
    const [asked, listens] = [await freePort(), await freePort()];
    const clearService = await useService(
      `node "${script}" --port ${listens}`,
      `http://127.0.0.1:${asked}`,
    );
    // No panel before the run: the one the run opens (its page loads while the run goes on)
    // closes again when no report comes.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    let panelDuringRun = false;
    const watch = setInterval(() => {
      panelDuringRun ||= panelTab() !== undefined;
    }, 10);
    try {
      const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
        ...SHORT,
        target: 'service',
        path: '/hello',
      })) as { record: { status: string; error?: { code: string } } } | undefined;
      clearInterval(watch);
      assert.equal(run?.record.status, 'failed');
      assert.equal(run?.record.error?.code, 'WRONG_PORT');
      assert.ok(panelDuringRun, 'the panel opened when the run began');
      // Closed again, no report having come (the workbench's tabs follow a moment later).
      await until('the panel opened for the run to close', () => panelTab() === undefined);
      const said = api().lastError() ?? '';
      assert.match(
        said,
        new RegExp(`"hotpath\\.service\\.url": "http://127\\.0\\.0\\.1:${listens}"`),
      );
      assert.doesNotMatch(said, /--url/, "the CLI's flag is not the editor's word");
      // With a button to the setting, and one to use the port the service was found on.
      assert.deepEqual(api().lastErrorActions(), [
        `Use http://127.0.0.1:${listens}`,
        'Open Settings',
      ]);
    } finally {
      clearInterval(watch);
      await clearService();
    }
  });

  test('two Start Sample Service calls at once start one service', async () => {
    // The children of this extension host that run the sample service's bundle, from /proc.
    const sampleServices = () =>
      fs
        .readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((pid) => {
          try {
            const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
            const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
            return (
              parent === process.pid &&
              fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sampleService.js')
            );
          } catch {
            return false; // ended meanwhile
          }
        })
        .map(Number);
    assert.deepEqual(sampleServices(), [], 'no sample service runs before');
    const [first, second] = (await Promise.all([
      vscode.commands.executeCommand('hotpath.startSampleService'),
      vscode.commands.executeCommand('hotpath.startSampleService'),
    ])) as [string, string];
    assert.match(first, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(second, first, 'both calls answer with the one service');
    const pid = api().servicePid();
    assert.deepEqual(sampleServices(), [pid], 'one sample service process, the one started');
    await vscode.commands.executeCommand('hotpath.stopService');
    assert.equal(api().servicePid(), undefined);
    assert.deepEqual(sampleServices(), [], 'and none once stopped');
  });

  test('profiles your own service from hotpath.service.command', async () => {
    const script = path.join(
      vscode.extensions.getExtension(ID)?.extensionPath ?? '',
      'dist',
      'sampleService.js',
    );
    const run = await profileOwnService<{
      record: {
        status: string;
        target: { kind: string; pid?: number };
        profile: { file: unknown };
      };
    }>((port) => `node "${script}" --port ${port}`, '/cpu');
    assert.equal(run.record.target.kind, 'command');
    assert.equal(run.record.profile.file, 'profile.cpuprofile');
    const pid = run.record.target.pid;
    assert.ok(pid !== undefined && !isRunning(pid), 'the service command was ended');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor?.document.uri.fsPath.endsWith('handlers.ts'), 'its hottest source is shown');
    // Every request answered 200: a note with the figures, nothing of failures.
    const message = api().lastRunMessage();
    assert.equal(message?.severity, 'info', JSON.stringify(message));
    assert.match(message.text, /^Hotpath: GET \/cpu: [\d.]+ req\/s, p99 \d+ ms\.$/);
  });

  test('a run whose requests partly failed ends with a warning that counts them', async () => {
    // A user's service that answers 500 to one request in three.
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-vscode-flaky-'));
    const script = path.join(folder, 'flaky.js');
    fs.writeFileSync(
      script,
      `let n = 0;
require('node:http')
  .createServer((request, response) => {
    if (++n % 3 === 0) {
      response.statusCode = 500;
      response.end('{"error":"database is down"}');
    } else response.end('[]');
  })
  .listen(Number(process.argv[2]), '127.0.0.1');
`,
    );
    try {
      const run = await profileOwnService<{
        record: { status: string; load?: { non2xx: number } };
      }>((port) => `node "${script}" ${port}`, '/orders');
      assert.ok((run.record.load?.non2xx ?? 0) > 0);
      const message = api().lastRunMessage();
      assert.equal(message?.severity, 'warning', JSON.stringify(message));
      assert.match(
        message.text,
        /^Hotpath: GET \/orders: [\d.]+ req\/s, p99 \d+ ms\. [\d,]+ of [\d,]+ requests failed \(500 × [\d,]+\): the figures measure the error path too\.$/,
      );
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  /** A profile of `nodes` nodes in deep chains, each sampled ten times, with position ticks. */
  function writeProfile(file: string, nodes: number): void {
    const list = Array.from({ length: nodes }, (_, i) => ({
      id: i + 1,
      callFrame: {
        functionName: i === 0 ? '(root)' : `fn${i % 997}`,
        url: i === 0 ? '' : `file:///srv/app/src/file${i % 61}.js`,
        lineNumber: i % 400,
        columnNumber: 0,
      },
      children: [] as number[],
      positionTicks: [{ line: (i % 400) + 1, ticks: 10 }],
    }));
    // Parents always come first: mostly the node before (deep stacks), every third one higher up.
    for (let i = 1; i < nodes; i++)
      list[i % 3 === 0 ? Math.floor(i / 2) : i - 1].children.push(i + 1);
    const samples = list.flatMap((n) => Array.from({ length: 10 }, () => n.id));
    fs.writeFileSync(
      file,
      JSON.stringify({
        nodes: list,
        startTime: 0,
        endTime: samples.length * 100,
        samples,
        timeDeltas: samples.map(() => 100),
      }),
    );
  }

  test('a large profile opens in the same small page, its tree sent as binary', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);
    const made = fs.mkdtempSync(path.join(workspace, '.hotpath-large-'));
    try {
      const small = path.join(made, 'small.cpuprofile');
      const large = path.join(made, 'large.cpuprofile');
      writeProfile(small, 500);
      writeProfile(large, 20_000);
      const shown = [];
      for (const file of [small, large]) {
        const uri = vscode.Uri.file(file);
        await vscode.commands.executeCommand('vscode.openWith', uri, 'hotpath.profile');
        shown.push(
          await until(`${path.basename(file)} to draw`, () => api().profileEditorShown(uri)),
        );
      }
      const [a, b] = shown;
      assert.ok(b.frames > 10 * a.frames, `${a.frames} frames, then ${b.frames}`);
      assert.ok(a.binary && b.binary, 'the tree reached the page as typed arrays');
      assert.equal(a.htmlBytes, b.htmlBytes, 'the page is the same whatever the profile');
      // The page is a shell (its scripts' URIs carry the install path, so its size varies a
      // little by checkout): the profile comes as a message, never inline.
      assert.ok(b.htmlBytes < 8192, `the page's HTML is ${b.htmlBytes} bytes`);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      fs.rmSync(made, { recursive: true, force: true });
    }
  });

  test('a profile is read in a worker: the host goes on meanwhile, and closing the editor first applies nothing', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);
    const made = fs.mkdtempSync(path.join(workspace, '.hotpath-worker-'));
    try {
      const file = path.join(made, 'read.cpuprofile');
      writeProfile(file, 60_000);
      const uri = vscode.Uri.file(file);
      const applied = api().currentProfile();
      const errors = api().lastError();
      // The editor is open and the host runs this test while the profile is still being read.
      await vscode.commands.executeCommand('vscode.openWith', uri, 'hotpath.profile');
      assert.equal(api().readsInProgress(), 1, 'the read goes on after the editor opened');
      assert.equal(api().profileEditorShown(uri), undefined);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await until('the read to stop', () => api().readsInProgress() === 0);
      assert.equal(api().currentProfile(), applied, 'a profile closed unread is not applied');
      assert.equal(api().lastError(), errors, 'closing is not an error');
      // Read to the end, it is applied: its lenses and hot lines are the current results.
      await vscode.commands.executeCommand('vscode.openWith', uri, 'hotpath.profile');
      const shown = await until('the profile to draw', () => api().profileEditorShown(uri));
      assert.ok(shown.frames > 1000, `${shown.frames} frames`);
      assert.equal(api().currentProfile(), file);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      fs.rmSync(made, { recursive: true, force: true });
    }
  });

  test('the .cpuprofile editor shows a profile, and a malformed one is an error, not a crash', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);
    const runs = path.join(workspace, '.hotpath', 'runs');
    const folder = fs
      .readdirSync(runs)
      .map((name) => path.join(runs, name))
      .find((f) => fs.existsSync(path.join(f, 'profile.cpuprofile')));
    assert.ok(folder, 'a run of the tests before');
    const good = vscode.Uri.file(path.join(folder, 'profile.cpuprofile'));
    await vscode.commands.executeCommand('vscode.openWith', good, 'hotpath.profile');
    const shown = await until('the profile editor to draw', () => api().profileEditorShown(good));
    assert.match(shown.title, /^GET \//, 'read with its run');
    assert.ok(shown.frames > 3);

    // The same run as a Chrome trace (trace-event JSON, its nodes naming their parent) and as
    // the pprof `hotpath report --pprof` writes: each opens in the same editor.
    const raw = JSON.parse(fs.readFileSync(good.fsPath, 'utf8')) as {
      nodes: { id: number; callFrame: unknown; children?: number[] }[];
      startTime: number;
      endTime: number;
      samples: number[];
      timeDeltas: number[];
    };
    const parentOf = new Map<number, number>();
    for (const node of raw.nodes)
      for (const child of node.children ?? []) parentOf.set(child, node.id);
    const trace = path.join(workspace, 'page.trace.json');
    fs.writeFileSync(
      trace,
      JSON.stringify({
        traceEvents: [
          {
            name: 'Profile',
            ph: 'P',
            id: '0x1',
            pid: 1,
            tid: 1,
            ts: raw.startTime,
            args: { data: { startTime: raw.startTime } },
          },
          {
            name: 'ProfileChunk',
            ph: 'P',
            id: '0x1',
            pid: 1,
            tid: 2,
            ts: raw.startTime,
            args: {
              data: {
                cpuProfile: {
                  nodes: raw.nodes.map(({ id, callFrame }) => ({
                    id,
                    callFrame,
                    ...(parentOf.has(id) ? { parent: parentOf.get(id) } : {}),
                  })),
                  samples: raw.samples,
                },
                timeDeltas: raw.timeDeltas,
                endTime: raw.endTime,
              },
            },
          },
        ],
      }),
    );
    const pprof = path.join(workspace, 'run.pb.gz');
    const cli = path.join(
      vscode.extensions.getExtension(ID)?.extensionPath ?? '',
      'dist',
      'cli.js',
    );
    const written = spawnSync(process.execPath, [cli, 'report', folder, '--pprof', pprof], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      encoding: 'utf8',
    });
    assert.equal(written.status, 0, written.stderr);
    for (const file of [trace, pprof]) {
      const uri = vscode.Uri.file(file);
      await vscode.commands.executeCommand('vscode.openWith', uri, 'hotpath.profile');
      const other = await until(`the profile editor to draw ${path.basename(file)}`, () =>
        api().profileEditorShown(uri),
      );
      assert.match(other.title, new RegExp(path.basename(file).replace(/\./g, '\\.')));
      assert.ok(other.frames > 3, `${path.basename(file)}: ${other.frames} frames`);
    }

    const bad = path.join(workspace, 'malformed.cpuprofile');
    fs.writeFileSync(bad, JSON.stringify({ nodes: [{ id: 1, callFrame: {} }], samples: [7] }));
    const error = await editorError(bad);
    assert.match(error, /callFrame|samples|node/, error);
    // The extension host is still there and answers.
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('hotpath.profileEndpoint'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a trace of two threads: the editor offers each thread alone, re-read in the worker, and all of them again', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);
    // Two threads of one page as Chrome writes them (test/traceEvents.ts, which this suite cannot
    // require): each thread named, its Profile event, a ProfileChunk whose nodes name their parent;
    // the main thread rendering rows, a worker hashing, each its own function on top.
    const frame = (functionName: string, lineNumber: number) => ({
      functionName,
      scriptId: '1',
      url: 'file:///srv/page.js',
      lineNumber,
      columnNumber: 0,
    });
    const threadEvents = (tid: number, name: string, outer: string, inner: string, n: number) => {
      const at = { pid: 5, ts: 1e6, id: `0x${tid}` };
      return [
        { name: 'thread_name', ph: 'M', pid: 5, tid, ts: 0, args: { name } },
        { name: 'Profile', ph: 'P', ...at, tid, args: { data: { startTime: 1e6 } } },
        {
          name: 'ProfileChunk',
          ph: 'P',
          ...at,
          tid: tid + 1000,
          args: {
            data: {
              cpuProfile: {
                nodes: [
                  { id: 1, callFrame: { ...frame('(root)', -1), scriptId: '0', url: '' } },
                  { id: 2, callFrame: frame(outer, 1), parent: 1 },
                  { id: 3, callFrame: frame(inner, 10), parent: 2 },
                ],
                samples: [2, ...Array.from({ length: n - 1 }, () => 3)],
              },
              timeDeltas: Array.from({ length: n }, () => 1000),
              endTime: 1e6 + n * 1000,
            },
          },
        },
      ];
    };
    const file = path.join(workspace, 'threads.trace.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        traceEvents: [
          ...threadEvents(1, 'CrRendererMain', 'onFrame', 'renderRows', 60),
          ...threadEvents(2, 'DedicatedWorker thread', 'onmessage', 'hashInWorker', 40),
        ],
      }),
    );
    const uri = vscode.Uri.file(file);
    try {
      await vscode.commands.executeCommand('vscode.openWith', uri, 'hotpath.profile');
      const merged = await until('the merged view with its choice of thread', () => {
        const s = api().profileEditorShown(uri);
        return s?.threadChoice ? s : undefined;
      });
      const worker = 'DedicatedWorker thread (pid 5)';
      assert.equal(merged.threadChoice?.label, 'Thread');
      const options = merged.threadChoice?.options ?? [];
      assert.equal(options[0], 'All threads (merged)');
      assert.match(options[1] ?? '', /^CrRendererMain \(pid 5\) · \d+\.\d % of the time$/);
      assert.equal(options[2]?.startsWith(`${worker} · `), true, options.join(' | '));
      assert.equal(options.length, 3);
      assert.equal(merged.threadChoice?.chosen, 'All threads (merged)');
      assert.equal(merged.functions[0], 'renderRows', merged.functions.join(', '));
      assert.ok(merged.functions.includes('hashInWorker'), merged.functions.join(', '));
      assert.ok(merged.headings.includes('Threads'), merged.headings.join(', '));

      // The worker chosen through the page: its functions alone, every thread still offered.
      assert.ok(api().profileEditorChooseThread(uri, worker));
      const one = await until('the worker thread alone', () => {
        const s = api().profileEditorShown(uri);
        return s?.threadChoice?.chosen.startsWith(worker) ? s : undefined;
      });
      assert.equal(one.functions[0], 'hashInWorker', one.functions.join(', '));
      assert.ok(!one.functions.includes('renderRows'), one.functions.join(', '));
      assert.deepEqual(one.threadChoice?.options, merged.threadChoice?.options);
      assert.ok(!one.headings.includes('Threads'), one.headings.join(', '));

      // Reloaded, the page shows what it kept: the worker alone, chosen, not all threads.
      const reload = 'workbench.action.webview.reloadWebviewAction';
      if ((await vscode.commands.getCommands(true)).includes(reload)) {
        await vscode.commands.executeCommand(reload);
        const again = await until('the page to draw again after its reload', () => {
          const s = api().profileEditorShown(uri);
          return s && s.drawnAt > one.drawnAt ? s : undefined;
        });
        assert.equal(again.threadChoice?.chosen, one.threadChoice?.chosen);
        assert.equal(again.functions[0], 'hashInWorker', again.functions.join(', '));
      } else console.log(`no ${reload} in this VS Code: the reload is not tried`);

      // "All threads" brings the merge back.
      assert.ok(api().profileEditorChooseThread(uri, undefined));
      const back = await until('all threads again', () => {
        const s = api().profileEditorShown(uri);
        return s?.threadChoice?.chosen === 'All threads (merged)' ? s : undefined;
      });
      assert.equal(back.functions[0], 'renderRows', back.functions.join(', '));
      assert.ok(back.functions.includes('hashInWorker'), back.functions.join(', '));
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
    }
  });

  test('a .heapprofile of node --heap-prof opens in the profile editor: its allocator, the foreign label, no time', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);
    const made = fs.mkdtempSync(path.join(workspace, '.hotpath-heap-'));
    try {
      // Written now by the real `node --heap-prof`: a function that allocates objects itself.
      const script = path.join(made, 'keep.js');
      fs.writeFileSync(
        script,
        'function keepObjects() { const kept = []; for (let i = 0; i < 200000; i++) kept.push({ id: i, tags: [i, i + 1] }); return kept; }\nglobalThis.kept = keepObjects();\n',
      );
      const written = spawnSync(
        process.execPath,
        ['--heap-prof', '--heap-prof-dir', made, script],
        {
          env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
          encoding: 'utf8',
        },
      );
      assert.equal(written.status, 0, written.stderr);
      const name = fs.readdirSync(made).find((f) => f.endsWith('.heapprofile'));
      assert.ok(name, 'node wrote a .heapprofile');
      const uri = vscode.Uri.file(path.join(made, name));
      const applied = api().currentProfile();
      await vscode.commands.executeCommand('vscode.openWith', uri, 'hotpath.profile');
      // A generous bound (a busy machine), and what went wrong, if anything was told, when it fails.
      const shown = await until(
        'the heap profile to draw',
        () => api().profileEditorShown(uri),
        60_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}; the last error told: ${api().lastError()}`);
      });
      assert.ok(shown.frames > 3, `${shown.frames} frames`);
      const allocations = shown.allocations;
      assert.ok(allocations, `the page has its allocations: ${JSON.stringify(shown)}`);
      assert.equal(allocations.functions[0], 'keepObjects', allocations.functions.join(', '));
      assert.match(allocations.summary, /allocated or live: not recorded in the file/);
      assert.doesNotMatch(allocations.summary, /per request/, 'no per-request figures');
      // A flamegraph of bytes, and nothing that needs times or lines.
      assert.ok(shown.headings.includes('Bytes by allocating stack'), shown.headings.join(' | '));
      for (const absent of ['Flamegraph', 'Load over time', 'Hot functions', 'Hot lines'])
        assert.ok(!shown.headings.includes(absent), `${absent}: ${shown.headings.join(' | ')}`);
      assert.equal(api().currentProfile(), applied, 'a heap profile leaves the results shown');

      // A broken one is an error naming the field, in the editor and in a message; no crash.
      const bad = path.join(made, 'broken.heapprofile');
      fs.writeFileSync(
        bad,
        JSON.stringify({
          head: {
            id: 1,
            callFrame: {
              functionName: '(root)',
              scriptId: 0,
              url: '',
              lineNumber: -1,
              columnNumber: -1,
            },
            selfSize: -1,
            children: [],
          },
        }),
      );
      const error = await editorError(bad);
      assert.match(error, /head\.selfSize must be a number not below 0/, error);
      const commands = await vscode.commands.getCommands(true);
      assert.ok(commands.includes('hotpath.profileEndpoint'));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    } finally {
      fs.rmSync(made, { recursive: true, force: true });
    }
  });

  test('hostile function names reach lenses and hovers as text only', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);
    const source = path.join(workspace, 'hostile.js');
    fs.writeFileSync(source, ['function f() {', '  return 1;', '}', ''].join('\n'));
    const hostile = '<img src=x onerror=alert(1)>[link](command:hotpath.clearResults)';
    const profile = {
      nodes: [
        {
          id: 1,
          callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 },
          children: [2],
        },
        {
          id: 2,
          callFrame: {
            functionName: hostile,
            url: `file://${source}`,
            lineNumber: 0,
            columnNumber: 0,
          },
          children: [],
          positionTicks: [{ line: 2, ticks: 3 }],
        },
      ],
      startTime: 0,
      endTime: 3000,
      samples: [2, 2, 2],
      timeDeltas: [0, 1000, 1000],
    };
    const file = path.join(workspace, 'hostile.cpuprofile');
    fs.writeFileSync(file, JSON.stringify(profile));
    await vscode.commands.executeCommand('hotpath.openProfile', vscode.Uri.file(file));
    const document = await vscode.workspace.openTextDocument(source);
    await vscode.window.showTextDocument(document);
    const hovers = api().hotLineHovers(document);
    assert.ok(hovers.length > 0, 'the hot line has a hover');
    for (const hover of hovers) {
      assert.equal(hover.isTrusted, false, 'no command links run from a hover');
      assert.equal(hover.supportHtml, false, 'no HTML in a hover');
      assert.ok(!hover.value.includes('<img src=x'), `escaped: ${hover.value}`);
      assert.ok(!hover.value.includes('](command:'), `escaped: ${hover.value}`);
    }
    const titles = (
      (await vscode.commands.executeCommand(
        'vscode.executeCodeLensProvider',
        document.uri,
      )) as vscode.CodeLens[]
    ).map((l) => l.command?.title ?? '');
    assert.ok(
      titles.some((t) => t.startsWith('🔥')),
      titles.join(' | '),
    );
    assert.ok(
      titles.every((t) => !t.includes('<img')),
      'lens titles carry no names',
    );
    await vscode.commands.executeCommand('hotpath.clearResults');
  });

  test('"▶ Profile" lenses appear above route registrations in a workspace file', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);
    const file = path.join(workspace, 'server.js');
    fs.writeFileSync(
      file,
      [
        "const fastify = require('fastify')();",
        '',
        "fastify.get('/orders', async () => []);",
        "fastify.route({ method: 'POST', url: '/orders/:id', handler: async () => ({}) });",
        "const users = await axios.get('/users');",
        '',
      ].join('\n'),
    );
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    const lenses = (await vscode.commands.executeCommand(
      'vscode.executeCodeLensProvider',
      document.uri,
    )) as vscode.CodeLens[];
    const routes = lenses
      .filter((l) => l.command?.title.startsWith('▶'))
      .map((l) => [l.range.start.line, l.command?.title, l.command?.command]);
    assert.deepEqual(routes, [
      [2, '▶ Profile GET /orders', 'hotpath.profileEndpoint'],
      [3, '▶ Profile POST /orders/:id', 'hotpath.profileEndpoint'],
    ]);
  });

  test('a ramp run: its knee and the step after it, each with its own profile', async () => {
    const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      target: 'sample',
      path: '/cpu',
      preset: 'ramp',
      shape: { kind: 'ramp', from: 1, to: 4, factor: 2, stepSec: 1 },
      warmupSec: 0.5,
    })) as { record: { status: string; load?: { ramp?: { steps: unknown[] } } } };
    assert.equal(run.record.status, 'done');
    assert.ok((run.record.load?.ramp?.steps.length ?? 0) >= 2, 'a ramp of steps');
    const comparison = (await vscode.commands.executeCommand('hotpath.compareRampSteps')) as {
      functions: { name: string }[];
    };
    assert.ok(
      comparison?.functions.some((f) => f.name === 'cpu'),
      'the handler in both steps',
    );
    const shown = await until('the panel to draw the steps', () => {
      const s = api().panelShown();
      return s?.title.includes('step') ? s : undefined;
    });
    assert.match(
      shown.title,
      /^GET \/cpu step \d: \d connections.* → GET \/cpu step \d: \d connections/,
    );
  });

  test('hotpath.hotLineThreshold: a high threshold draws fewer hot lines', async () => {
    const settings = vscode.workspace.getConfiguration('hotpath');
    const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT,
      path: '/cpu',
    })) as { record: { status: string } };
    assert.equal(run.record.status, 'done');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.ok(editor.document.uri.fsPath.endsWith('handlers.ts'), 'the handler is shown');
    const document = editor.document;
    const low = api().hotLineNumbers(document);
    assert.ok(low.length >= 2, `several hot lines at the default threshold: ${low}`);
    await until('the default drawing', () => drawnOn(document) === low.length);
    try {
      await settings.update('hotLineThreshold', 0.2, vscode.ConfigurationTarget.Global);
      const high = await until('fewer hot lines', () => {
        const lines = api().hotLineNumbers(document);
        return lines.length < low.length ? lines : undefined;
      });
      assert.ok(
        high.every((l) => low.includes(l)),
        `a subset: ${high} of ${low}`,
      );
      await until(`${high.length} decorations drawn`, () => drawnOn(document) === high.length);
    } finally {
      await settings.update('hotLineThreshold', undefined, vscode.ConfigurationTarget.Global);
    }
    await until(
      'the hot lines back',
      () => JSON.stringify(api().hotLineNumbers(document)) === JSON.stringify(low),
    );
    // The run's results stay for the next test.
  });

  test('hotpath.showHotLines false draws no hot lines; restored, they are back', async () => {
    const editor = vscode.window.visibleTextEditors.find((e) =>
      e.document.uri.fsPath.endsWith(path.join('src', 'sampleService', 'handlers.ts')),
    );
    assert.ok(editor, 'the handlers of the last test’s /cpu run are shown');
    const document = editor.document;
    const shown = api().hotLineNumbers(document);
    assert.ok(shown.length > 0, 'hot lines before');
    const settings = vscode.workspace.getConfiguration('hotpath');
    try {
      await settings.update('showHotLines', false, vscode.ConfigurationTarget.Global);
      await until('no hot lines', () => api().hotLineNumbers(document).length === 0);
      await until('no decorations drawn', () => drawnOn(document) === 0);
      assert.deepEqual(api().hotLineLevels(document), [0, 0, 0, 0, 0]);
    } finally {
      await settings.update('showHotLines', undefined, vscode.ConfigurationTarget.Global);
    }
    await until(
      'the hot lines back',
      () => JSON.stringify(api().hotLineNumbers(document)) === JSON.stringify(shown),
    );
    await vscode.commands.executeCommand('hotpath.clearResults');
  });

  test('hotpath.showRouteCodeLens false: no "▶ Profile" lenses over routes, back when restored', async () => {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace);
    const file = path.join(workspace, 'routes-setting.js');
    fs.writeFileSync(
      file,
      "const app = require('fastify')();\napp.get('/items', async () => []);\n",
    );
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    const routeLenses = async () =>
      (
        (await vscode.commands.executeCommand(
          'vscode.executeCodeLensProvider',
          document.uri,
        )) as vscode.CodeLens[]
      ).filter((l) => l.command?.title.startsWith('▶'));
    assert.equal((await routeLenses()).length, 1, 'a lens over the route');
    const settings = vscode.workspace.getConfiguration('hotpath');
    try {
      await settings.update('showRouteCodeLens', false, vscode.ConfigurationTarget.Global);
      assert.deepEqual(
        (await routeLenses()).map((l) => l.command?.title),
        [],
        'no route lenses',
      );
    } finally {
      await settings.update('showRouteCodeLens', undefined, vscode.ConfigurationTarget.Global);
    }
    assert.equal((await routeLenses()).length, 1, 'restored: the lens is back');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    fs.rmSync(file, { force: true });
  });

  test('hotpath.repeat runs the load that many times; hotpath.nodePath is the node that runs the service and the load', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-vscode-node-'));
    const used = path.join(folder, 'used.txt');
    const wrapper = path.join(folder, 'node');
    // A node that says it was used, then is the editor's own Node runtime.
    fs.writeFileSync(
      wrapper,
      `#!/bin/sh\necho "$@" >> "${used}"\nexec "${process.execPath}" "$@"\n`,
      { mode: 0o755 },
    );
    const settings = vscode.workspace.getConfiguration('hotpath');
    try {
      await settings.update('repeat', 2, vscode.ConfigurationTarget.Global);
      await settings.update('nodePath', wrapper, vscode.ConfigurationTarget.Global);
      const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
        ...SHORT,
        durationSec: 1,
        path: '/fast',
      })) as {
        record: {
          status: string;
          repeats?: { requests: number }[];
          load?: { requests: number };
          timeline?: { repeat?: number }[];
        };
      };
      assert.equal(run?.record.status, 'done', JSON.stringify(run?.record));
      const calls = fs.existsSync(used) ? fs.readFileSync(used, 'utf8') : '';
      // Every fact at once, so that a failure shows each setting that was not obeyed.
      assert.deepEqual(
        {
          loads: run.record.repeats?.length,
          merged: run.record.load?.requests,
          timelineLoads: [...new Set((run.record.timeline ?? []).map((p) => p.repeat))].sort(),
          serviceOnNodePath: /sampleService\.js/.test(calls),
          loadOnNodePath: /loadWorker\.js/.test(calls),
        },
        {
          loads: 2,
          merged: (run.record.repeats ?? []).reduce((a, r) => a + r.requests, 0),
          timelineLoads: [0, 1],
          serviceOnNodePath: true,
          loadOnNodePath: true,
        },
        `node calls: ${calls}`,
      );
    } finally {
      await settings.update('repeat', undefined, vscode.ConfigurationTarget.Global);
      await settings.update('nodePath', undefined, vscode.ConfigurationTarget.Global);
      fs.rmSync(folder, { recursive: true, force: true });
    }
    await vscode.commands.executeCommand('hotpath.clearResults');
  });

  test('hotpath.endpoints: a configured POST with its body is offered first and run as configured', async () => {
    const root = vscode.extensions.getExtension(ID)?.extensionPath ?? '';
    const port = await freePort();
    const clearService = await useService(
      `node "${path.join(root, 'dist', 'sampleService.js')}" --port ${port}`,
      `http://127.0.0.1:${port}`,
    );
    const settings = vscode.workspace.getConfiguration('hotpath');
    await settings.update(
      'endpoints',
      [
        // Left out (no leading /): were it not, it would be the first item of the pick.
        { path: 'not-a-path' },
        { method: 'post', path: '/clients/ef-01', body: '{"subscribed_topics":["a","b"]}' },
      ],
      vscode.ConfigurationTarget.Workspace,
    );
    try {
      // No path: the endpoint pick opens; its first item is the configured endpoint.
      const running = vscode.commands.executeCommand('hotpath.profileEndpoint', {
        ...SHORT,
        warmupSec: 0,
        target: 'service',
      }) as Thenable<
        | {
            record: {
              status: string;
              load?: { method: string; statusCodes: Record<string, number> };
            };
          }
        | undefined
      >;
      let settled = false;
      void running.then(() => {
        settled = true;
      });
      await until(
        'the endpoint pick to be accepted',
        () => {
          if (settled || api().runningStage() !== undefined) return true;
          void vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
          return false;
        },
        30_000,
      );
      const run = await running;
      assert.equal(run?.record.status, 'done', JSON.stringify(run?.record));
      assert.equal(run.record.load?.method, 'POST', 'the method as configured, upper-cased');
      // The body and its JSON content type reached the service: it created the client once
      // (201), then replaced it (200); without them it answers 415 or 400.
      const codes = run.record.load?.statusCodes ?? {};
      assert.deepEqual(Object.keys(codes).sort(), ['200', '201'], JSON.stringify(codes));
      assert.equal(codes['201'], 1, JSON.stringify(codes));
    } finally {
      await settings.update('endpoints', undefined, vscode.ConfigurationTarget.Workspace);
      await clearService();
    }
    await vscode.commands.executeCommand('hotpath.clearResults');
  });

  // Last, so that the workbench screenshot the suite leaves shows the lock's lens and wait mark.
  test('profiling /read points at the lock: a lens and a wait mark on its acquire line', async () => {
    const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT,
      path: '/read',
    })) as { record: { status: string } };
    assert.equal(run.record.status, 'done');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor is open');
    assert.ok(
      editor.document.uri.fsPath.endsWith(path.join('src', 'sampleService', 'handlers.ts')),
    );
    const acquire = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('await state.mutex.acquire()'));
    assert.ok(acquire >= 0);
    assert.equal(editor.selection.active.line, acquire, 'the lock is shown first');
    const lenses = (await vscode.commands.executeCommand(
      'vscode.executeCodeLensProvider',
      editor.document.uri,
    )) as vscode.CodeLens[];
    const lens = lenses.find((l) => l.command?.title.startsWith('⏳'));
    assert.ok(
      lens,
      `a wait lens: ${lenses.map((l) => `${l.range.start.line}: ${l.command?.title}`).join(' | ')}`,
    );
    assert.equal(lens.range.start.line, acquire, 'on the acquire line');
    assert.match(
      lens.command?.title ?? '',
      /^⏳ \d+ % of latency waiting for mutex · app\.ts:\d+, held across an await · waited [\d.,]+ ms p50 · held [\d.,]+ ms · [\d.]+ acquired\/s · GET \/read$/,
    );
    assert.deepEqual(api().waitLineNumbers(editor.document), [acquire]);
    const drawn = api()
      .hotLinesDrawn()
      .find((d) => d.file === editor.document.uri.fsPath);
    assert.equal(drawn?.waits, 1, 'the wait mark is drawn');
    // The ⏳ lens's "click for the report" shows the report, also from behind another tab.
    await hidePanel();
    await vscode.commands.executeCommand(
      lens.command?.command ?? '',
      ...(lens.command?.arguments ?? []),
    );
    await until('the lock lens to bring the report to the front', () => panelTab()?.isActive);
    // A moment for the workbench to paint the lens before the suite's screenshot. (The screenshot
    // is taken once the extension host has ended, so it shows lenses but no decorations.)
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });
  test('your own TypeScript service compiled by tsc: heat on the hot line of its .ts file', async () => {
    // The zoo's TypeScript service (test/fixtures/zoo/ts), compiled with its maps as a user would.
    const root = vscode.extensions.getExtension(ID)?.extensionPath ?? '';
    const zoo = path.join(root, 'test', 'fixtures', 'zoo', 'ts');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-vscode-tsc-'));
    const built = spawnSync(
      process.execPath,
      [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', zoo, '--outDir', out],
      { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
    );
    assert.equal(built.status, 0, `tsc: ${built.stdout}${built.stderr}`);
    try {
      await profileOwnService(
        (port) => `PORT=${port} node "${path.join(out, 'server.js')}"`,
        '/quote',
      );
      const pricing = path.join(zoo, 'pricing.ts');
      const editor = vscode.window.activeTextEditor;
      assert.equal(editor?.document.uri.fsPath, pricing, 'the hottest source is the .ts file');
      const hot = editor.document
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('// hot line'));
      const lines = api().hotLineNumbers(editor.document);
      assert.ok(
        lines.includes(hot),
        `heat on line ${hot + 1} of pricing.ts: ${lines.map((l) => l + 1)}`,
      );
      const declared = editor.document
        .getText()
        .split('\n')
        .findIndex((l) => l.includes('export function priceBasket'));
      assert.ok(!lines.includes(declared), 'no heat on the declaration (a tick of inlined code)');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  test("a locustfile's lens, and its users as the load: the real Locust drives the run", async () => {
    const root = vscode.extensions.getExtension(ID)?.extensionPath ?? '';
    const locustfile = path.join(root, 'src', 'sampleService', 'locust', 'fast.py');
    const document = await vscode.workspace.openTextDocument(locustfile);
    const lenses = (await vscode.commands.executeCommand(
      'vscode.executeCodeLensProvider',
      document.uri,
    )) as vscode.CodeLens[];
    const userLine = document
      .getText()
      .split('\n')
      .findIndex((l) => l.startsWith('class FastUser(HttpUser)'));
    const lens = lenses.find((l) => l.command?.command === 'hotpath.profileLocustfile');
    assert.ok(lens, `a lens over the HttpUser: ${lenses.map((l) => l.command?.title).join(' | ')}`);
    assert.equal(lens.range.start.line, userLine);
    assert.equal(lens.command?.title, '▶ Profile with this locustfile');
    assert.deepEqual(lens.command?.arguments, [{ locustfile }]);
    // What the lens's flow runs once its questions are answered: the sample service under Locust.
    const run = (await vscode.commands.executeCommand('hotpath.profileEndpoint', {
      ...SHORT_LOCUST,
      target: 'sample',
      path: '/fast',
      locustfile,
    })) as CompletedRun | undefined;
    assert.equal(
      run?.record.status,
      'done',
      JSON.stringify(run?.record.error ?? api().lastError()),
    );
    assert.ok(run.record.load?.locust, 'the load was Locust');
    assert.ok((run.record.load?.requests ?? 0) > 0, 'and it measured responses');
    await until('the panel to show the run', () => api().panelShown()?.title === 'GET /fast');
  });

  test("the walkthrough's Locust step: the walk-through's locustfile under the real Locust", async () => {
    const root = vscode.extensions.getExtension(ID)?.extensionPath ?? '';
    // The step's button with the run made short, as the other walkthrough runs are here.
    const run = (await vscode.commands.executeCommand('hotpath.profileSampleWithLocust', {
      ...SHORT_LOCUST,
      path: '/fast',
    })) as CompletedRun | undefined;
    assert.equal(
      run?.record.status,
      'done',
      JSON.stringify(run?.record.error ?? api().lastError()),
    );
    assert.equal(run.record.target.kind, 'sample');
    assert.deepEqual(run.record.options.load.locust, {
      ...run.record.options.load.locust,
      file: path.join(root, 'src', 'sampleService', 'locust', 'fast.py'),
      users: 10,
    });
    const [fast] = run.record.load?.locust?.byName ?? [];
    assert.equal(fast?.name, '/fast', 'the locustfile sent the requests');
    assert.ok(fast.requests > 0);
    await until('the panel to show the run', () => api().panelShown()?.title === 'GET /fast');
  });

  test("the walkthrough's Locust step where Locust is not installed: it says how to install it and starts nothing", async () => {
    const runs = path.join(
      vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '',
      '.hotpath',
      'runs',
    );
    const saved = () => (fs.existsSync(runs) ? fs.readdirSync(runs).length : 0);
    const before = saved();
    // No `locust` on this extension host's PATH (the one Hotpath searches), for this command.
    const path0 = process.env.PATH;
    process.env.PATH = path.join(os.tmpdir(), 'hotpath-no-locust-here');
    let run: unknown;
    try {
      run = await vscode.commands.executeCommand('hotpath.profileSampleWithLocust', {
        path: '/read',
      });
    } finally {
      process.env.PATH = path0;
    }
    assert.equal(run, undefined, 'no run');
    assert.match(
      api().lastError() ?? '',
      /^this step runs the walk-through's locustfile for \/read with Locust, and no `locust` command is on PATH\. Install Locust \(`sudo apt install python3-locust` on Debian and Ubuntu, or `pip install locust`\) or name its command in hotpath\.locustPath, then run the step again\.$/,
    );
    assert.deepEqual(api().lastErrorActions(), ['Open Settings'], 'at hotpath.locustPath');
    assert.equal(saved(), before, 'no run folder');
  });

  test('a route that holds the event loop 200 ms: the lens over its function says what it blocked', async () => {
    // test/fixtures/stall.js: GET /block busy-waits 200 ms in blockFor200ms, one turn of the loop.
    const root = vscode.extensions.getExtension(ID)?.extensionPath ?? '';
    const server = path.join(root, 'test', 'fixtures', 'stall.js');
    await profileOwnService((port) => `node "${server}" ${port}`, '/block');
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, server, 'the service is shown');
    const declared = editor.document
      .getText()
      .split('\n')
      .findIndex((l) => l.includes('function blockFor200ms'));
    const lenses = (await vscode.commands.executeCommand(
      'vscode.executeCodeLensProvider',
      editor.document.uri,
    )) as vscode.CodeLens[];
    const lens = lenses.find((l) => l.range.start.line === declared);
    assert.ok(
      lens,
      `a lens over blockFor200ms: ${lenses.map((l) => l.command?.title).join(' | ')}`,
    );
    const title = lens.command?.title ?? '';
    // "⏸ blocked the loop 7 times, longest 212 ms" (or "once, for 212 ms"), before the endpoint.
    const said =
      /⏸ blocked the loop (?:\d+ times, longest|once, for) ([\d.,]+) (m?s) · GET \/block$/.exec(
        title,
      );
    assert.ok(said, `the lens says what blocked the loop, before the endpoint: ${title}`);
    const longestMs = Number(said[1].replace(',', '')) * (said[2] === 's' ? 1000 : 1);
    assert.ok(longestMs >= 190, `the longest stall is the 200 ms busy-wait's: ${title}`);
  });

  test("your own Express service's lock: the editor opens its acquire line, with a ⏳ lens naming the lock by its variable", async () => {
    // The zoo's Express service (test/fixtures/zoo/lock): a module-level `const mutex = new
    // Mutex()` held across `await sleep(50)`.
    const root = vscode.extensions.getExtension(ID)?.extensionPath ?? '';
    const server = path.join(root, 'test', 'fixtures', 'zoo', 'lock', 'server.js');
    await profileOwnService((port) => `PORT=${port} node "${server}"`, '/balance');
    const text = fs.readFileSync(server, 'utf8').split('\n');
    const acquire = text.findIndex((l) => l.includes('await mutex.acquire()'));
    const created = text.findIndex((l) => l.includes('const mutex = new Mutex()'));
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.fsPath, server, 'the service is shown');
    assert.equal(editor.selection.active.line, acquire, 'at the line that waits for the lock');
    const lenses = (await vscode.commands.executeCommand(
      'vscode.executeCodeLensProvider',
      editor.document.uri,
    )) as vscode.CodeLens[];
    const lens = lenses.find((l) => l.command?.title.startsWith('⏳'));
    assert.ok(lens, `a wait lens: ${lenses.map((l) => l.command?.title).join(' | ')}`);
    assert.equal(lens.range.start.line, acquire);
    assert.match(
      lens.command?.title ?? '',
      new RegExp(
        `^⏳ \\d+ % of latency waiting for mutex · server\\.js:${created + 1}, held across an await · waited [\\d.,]+ m?s p50 · held [\\d.,]+ ms · .* · GET /balance$`,
      ),
    );
    assert.deepEqual(lens.command?.arguments, [{ lock: `mutex · server.js:${created + 1}` }]);
  });
});
