/**
 * The VS Code side of Hotpath. For now one command, "Hotpath: Profile Endpoint", which runs the
 * engine on the bundled sample service and reports the run; the views (CodeLens, hot lines,
 * flamegraph) come on top of this.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatComparison, formatHeader, formatProgress, formatRun } from './cliFormat';
import { hotFunctions } from './profile/analyze';
import { type Comparison, compareRuns } from './profile/compare';
import { diffFlameData, flameData } from './profile/flame';
import { type LoadedRun, loadRun } from './runFiles';
import { messageOf } from './runner/errors';
import { allPresets, type RunRequest, resolveRunOptions } from './runner/options';
import { type CompletedRun, RUN_FILE, runProfile } from './runner/run';
import { SAMPLE_ROUTES } from './sampleService/routes';
import { Config } from './views/config';
import { FlamegraphPanel, openSource } from './views/flamegraphPanel';
import { HotFunctionLenses } from './views/hotFunctionLens';
import { HotLines } from './views/hotLines';
import { Results } from './views/results';

/** What a caller of "Hotpath: Profile Endpoint" (a CodeLens, a walkthrough button, a test) may answer in advance. */
export type ProfileRequest = Partial<
  Pick<RunRequest, 'path' | 'preset' | 'connections' | 'durationSec' | 'warmupSec'>
>;

/** Owns what lives as long as the extension: the output channel and the run going on. */
class Hotpath implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Hotpath');
  readonly config = new Config();
  readonly results = new Results();
  readonly lenses = new HotFunctionLenses(this.results, this.config);
  readonly hotLines = new HotLines(this.results, this.config);
  readonly flamegraph: FlamegraphPanel;
  #running: { controller: AbortController; done: Promise<unknown> } | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.flamegraph = new FlamegraphPanel(context.extensionUri);
  }

  /** Shows a saved run where the code is: its hottest source, lenses, heat and the flamegraph. */
  async showResults(folder: string): Promise<LoadedRun | undefined> {
    let run: LoadedRun;
    try {
      run = loadRun(folder);
    } catch (error) {
      // A bad or truncated profile is a message, never a crash of the extension host.
      void vscode.window.showErrorMessage(`Hotpath: ${messageOf(error)}`);
      return undefined;
    }
    if (this.results.current) this.previous = this.results.current;
    this.results.set(run);
    this.output.appendLine(`  diagnosis   ${run.diagnosis.summary}`);
    const hottest = hotFunctions(run.analysis, 1, ['user'])[0];
    if (hottest?.original) await openSource(hottest.original.source, hottest.original.line);
    this.hotLines.refresh();
    const title = run.record
      ? `${run.record.endpoint.method} ${run.record.endpoint.path}`
      : 'profile';
    this.flamegraph.show(flameData(run.analysis, title));
    return run;
  }

  /** The run shown before the current one: what "Compare With Previous Run" compares against. */
  previous: LoadedRun | undefined;

  /** Compares the current run with the previous one: ratios in a message, the diff flamegraph. */
  comparePrevious(): Comparison | undefined {
    const before = this.previous;
    const after = this.results.current;
    if (!before || !after) {
      void vscode.window.showInformationMessage(
        'Hotpath: there is no previous run to compare with yet.',
      );
      return undefined;
    }
    const comparison = compareRuns(
      { analysis: before.analysis, load: before.record?.load, metrics: before.record?.agent },
      { analysis: after.analysis, load: after.record?.load, metrics: after.record?.agent },
    );
    const label = (run: LoadedRun) =>
      run.record
        ? `${run.record.endpoint.method} ${run.record.endpoint.path}`
        : path.basename(run.profileFile);
    const x = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(2)}x`);
    this.flamegraph.show(diffFlameData(comparison, `${label(before)} → ${label(after)}`));
    this.output.appendLine(
      formatComparison(comparison, [label(before), label(after)], [before.record, after.record]),
    );
    void vscode.window.showInformationMessage(
      `Hotpath: ${label(before)} → ${label(after)}: req/s ${x(comparison.ratios.requestsPerSec)}, p99 ${x(comparison.ratios.latencyP99)}, CPU per request ${x(comparison.ratios.cpuPerRequest)}.`,
    );
    return comparison;
  }

  /** The palette flow; `request` skips the picks it answers. Resolves with the saved run. */
  async profileEndpoint(request: ProfileRequest = {}): Promise<CompletedRun | undefined> {
    if (this.#running) {
      void vscode.window.showInformationMessage(
        'Hotpath: a run is going already; cancel it or wait for it.',
      );
      return undefined;
    }
    const endpoint = request.path ?? (await this.#pickRoute());
    if (!endpoint) return undefined;
    const preset = request.preset ?? (await this.#pickPreset());
    if (!preset) return undefined;
    return this.#run({ ...request, path: endpoint, preset });
  }

  async #pickRoute(): Promise<string | undefined> {
    const picked = await vscode.window.showQuickPick(
      SAMPLE_ROUTES.filter((r) => r.method === 'GET' && r.path !== '/hello').map((r) => ({
        label: `${r.method} ${r.path}`,
        description: r.what,
        path: r.path,
      })),
      { title: 'Hotpath: endpoint of the sample service to profile' },
    );
    return picked?.path;
  }

  async #pickPreset(): Promise<string | undefined> {
    // Settings are read (and checked) once per pick.
    const first = this.config.defaultPreset;
    const presets = allPresets(this.config.presets).sort(
      (a, b) => Number(b.name === first) - Number(a.name === first),
    );
    const picked = await vscode.window.showQuickPick(
      presets.map((p) => ({ label: p.name, description: p.description })),
      { title: 'Hotpath: load' },
    );
    return picked?.label;
  }

  async #run(
    request: ProfileRequest & { path: string; preset: string },
  ): Promise<CompletedRun | undefined> {
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const outDir = workspace
      ? path.resolve(workspace, this.config.outputFolder)
      : path.join(this.context.globalStorageUri.fsPath, 'runs');
    let options: ReturnType<typeof resolveRunOptions>;
    try {
      options = resolveRunOptions(
        {
          samplingIntervalUs: this.config.samplingIntervalUs,
          ...(this.config.nodePath ? { nodePath: this.config.nodePath } : {}),
          ...request,
          outDir,
        },
        workspace,
        this.config.presets,
      );
    } catch (error) {
      void vscode.window.showErrorMessage(`Hotpath: ${messageOf(error)}`);
      return undefined;
    }
    const label = `${options.load.method} ${options.load.path}`;
    const controller = new AbortController();
    const done = Promise.resolve(
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Hotpath: ${label}`,
          cancellable: true,
        },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          return runProfile(options, {
            signal: controller.signal,
            onStage: (stage, record) => {
              if (stage === 'starting') this.output.appendLine(formatHeader(record));
              progress.report({ message: stage.replace('-', ' ') });
            },
            onProgress: (p) => progress.report({ message: formatProgress(p).trim() }),
          });
        },
      ),
    );
    this.#running = { controller, done };
    try {
      const run = await done;
      const { folder, record } = run;
      this.output.appendLine(formatRun(record, folder, workspace));
      if (record.status === 'done' && record.profile.file !== null) await this.showResults(folder);
      const open = 'Open run.json';
      const headline =
        record.status === 'done' && record.load
          ? `${label}: ${record.load.requestsPerSec.toFixed(1)} req/s, p99 ${Math.round(record.load.latencyMs.p99)} ms.`
          : `${label}: the run ${record.status === 'cancelled' ? 'was cancelled' : `failed: ${record.error?.message}`}.`;
      const show =
        record.status === 'failed'
          ? vscode.window.showErrorMessage
          : vscode.window.showInformationMessage;
      // Not awaited: the notification waits for the user; the command does not.
      void show(headline, open, 'Show output').then((picked) => {
        if (picked === open)
          void vscode.window.showTextDocument(vscode.Uri.file(path.join(folder, RUN_FILE)));
        else if (picked) this.output.show(true);
      });
      return run;
    } catch (error) {
      void vscode.window.showErrorMessage(`Hotpath: ${messageOf(error)}`);
      return undefined;
    } finally {
      this.#running = undefined;
    }
  }

  /** Cancels the run going on and waits until its processes have ended. */
  async stop(): Promise<void> {
    const running = this.#running;
    running?.controller.abort();
    await running?.done.then(
      () => undefined,
      () => undefined,
    );
  }

  dispose(): void {
    this.flamegraph.dispose();
    this.hotLines.dispose();
    this.lenses.dispose();
    this.results.dispose();
    this.output.dispose();
  }
}

let hotpath: Hotpath | undefined;

/** What the extension offers other extensions and its tests. */
export interface HotpathApi {
  /** The hot-line decorations a document gets now, counted by heat level (coolest first). */
  hotLineLevels(document: vscode.TextDocument): number[];
  /** What the last refresh of hot lines drew, by visible editor. */
  hotLinesDrawn(): { file: string; decorations: number }[];
}

export function activate(context: vscode.ExtensionContext): HotpathApi {
  hotpath = new Hotpath(context);
  const owner = hotpath;
  context.subscriptions.push(
    owner,
    vscode.commands.registerCommand('hotpath.profileEndpoint', (request?: ProfileRequest) =>
      owner.profileEndpoint(request),
    ),
    vscode.commands.registerCommand(
      'hotpath.showFlamegraph',
      (target?: { name: string; file?: string }) => {
        const run = owner.results.current;
        if (!run) {
          void vscode.window.showInformationMessage(
            'Hotpath: no results yet. Run "Hotpath: Profile Endpoint" first.',
          );
          return;
        }
        if (!owner.flamegraph.visible) {
          const title = run.record
            ? `${run.record.endpoint.method} ${run.record.endpoint.path}`
            : 'profile';
          owner.flamegraph.show(flameData(run.analysis, title));
        }
        if (target?.name) owner.flamegraph.focus(target.name, target.file);
      },
    ),
    vscode.commands.registerCommand('hotpath.toggleHotLines', () => owner.hotLines.toggle()),
    vscode.commands.registerCommand('hotpath.openProfile', async (uri?: vscode.Uri) => {
      const target =
        uri ??
        (
          await vscode.window.showOpenDialog({
            title: 'Hotpath: open a .cpuprofile or a run folder',
            canSelectFolders: true,
            filters: { 'CPU profiles': ['cpuprofile'] },
          })
        )?.[0];
      return target ? owner.showResults(target.fsPath) : undefined;
    }),
    vscode.commands.registerCommand('hotpath.compareWithPrevious', () => owner.comparePrevious()),
    vscode.commands.registerCommand('hotpath.clearResults', () => owner.results.set(undefined)),
    vscode.languages.registerCodeLensProvider({ scheme: 'file' }, owner.lenses),
  );
  return {
    hotLineLevels: (document) =>
      owner.hotLines.decorationsFor(document).map((level) => level.length),
    hotLinesDrawn: () => owner.hotLines.lastRefresh,
  };
}

export async function deactivate(): Promise<void> {
  await hotpath?.stop();
  hotpath = undefined;
}
