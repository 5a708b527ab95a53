/**
 * The extension's one context object: what lives as long as the extension (the log, the settings,
 * the views, the sample service started by hand) and the services every command needs (errors
 * told to the user, results shown where the code is). It owns those lifetimes and is itself
 * disposable. A running profile has a lifetime of its own (`ProfileRun`, run.ts); the context
 * only holds the one going on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ComparedRun, Comparison } from '../profile/compare';
import type { LoadedRun } from '../profile/loadedRun';
import type { PackedReport } from '../protocol/webview';
import type { RunRecord } from '../record/run';
import { comparisonReportData } from '../report/reportData';
import { comparisonHeadline, formatComparison } from '../report/text';
import { HotpathError, isCancelled, messageOf } from '../runner/errors';
import type { RunningService } from '../runner/target';
import { type AnalysedRun, analyseOffThread } from '../runs/analysisThread';
import { readTargetOf } from '../runs/runFolder';
import { Config } from '../views/config';
import { FlamegraphPanel, openSource } from '../views/flamegraphPanel';
import { HotFunctionLenses } from '../views/hotFunctionLens';
import { HotLines } from '../views/hotLines';
import { ProfileEditorProvider } from '../views/profileEditor';
import { Results } from '../views/results';
import { RouteLenses } from '../views/routeLens';
import { WorkspaceMemory } from './memory';
import type { ProfileRun } from './run';

/** Where the load goes: a fresh sample service, the user's service command, or a running URL. */
export type TargetKind = 'sample' | 'service' | 'url';

/** A command's body: what `vscode.commands.registerCommand` runs. */
export type Cmd = (...args: never[]) => unknown;

export class Ctx implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Hotpath', { log: true });
  readonly config = new Config();
  readonly results = new Results();
  readonly lenses = new HotFunctionLenses(this.results, this.config);
  readonly hotLines = new HotLines(this.results, this.config);
  readonly flamegraph: FlamegraphPanel;
  readonly profileEditor: ProfileEditorProvider;
  readonly routeLenses: RouteLenses;
  /** The run going on, in the status bar; a click cancels it (and only it). */
  readonly status = vscode.window.createStatusBarItem(
    'hotpath.run',
    vscode.StatusBarAlignment.Left,
    10,
  );
  /** The profile being taken now, if any: one at a time. */
  running: ProfileRun | undefined;
  /** The sample service started by "Start Sample Service", if it runs. */
  service: RunningService | undefined;
  /** What is kept per workspace across reloads (memory.ts). */
  readonly memory: WorkspaceMemory;
  /** Profiles being read in worker threads, each ended on deactivate. */
  readonly #reads = new Set<AbortController>();
  /** The last error told to the user (for tests: notifications cannot be read through the API). */
  lastError: string | undefined;
  /** The message the last run ended with, and how it was shown. */
  lastRunMessage: { text: string; severity: 'info' | 'warning' | 'error' } | undefined;
  /**
   * The last two runs taken (profiled and shown), oldest first: what "Compare With Previous Run"
   * compares. Opening a profile or a run to read it is not taking one. Each is read on demand.
   */
  #taken: { folder: string; run?: LoadedRun }[] = [];
  /** Counts the changes of the results shown: a restore that comes late applies nothing. */
  #shownChanges = 0;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.memory = new WorkspaceMemory(extension.workspaceState);
    this.flamegraph = new FlamegraphPanel(extension.extensionUri);
    this.profileEditor = new ProfileEditorProvider(extension.extensionUri, {
      open: (file, signal) => this.#openProfile(file, signal),
      reportError: (error) => this.reportError(error),
      log: (message) => this.output.warn(message),
    });
    this.routeLenses = new RouteLenses(this.config, (file) =>
      file.startsWith(this.sampleSourceFolder + path.sep),
    );
    this.flamegraph.log = (message) => this.output.warn(message);
    this.status.name = vscode.l10n.t('Hotpath run');
    this.status.command = 'hotpath.cancelRun';
  }

  get sampleSourceFolder(): string {
    return path.join(this.extension.extensionPath, 'src', 'sampleService');
  }

  get workspace(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** Where runs are saved: the output folder setting, in the workspace folder (or absolute). */
  get runsFolder(): string {
    const workspace = this.workspace;
    return workspace
      ? path.resolve(workspace, this.config.outputFolder)
      : path.join(this.extension.globalStorageUri.fsPath, 'runs');
  }

  /** The last answers of the target pick, offered first next time (kept per workspace). */
  get lastTarget(): TargetKind {
    return this.memory.target;
  }

  set lastTarget(kind: TargetKind) {
    this.memory.target = kind;
  }

  get lastUrl(): string {
    return this.memory.url;
  }

  set lastUrl(url: string) {
    this.memory.url = url;
  }

  get readsInProgress(): number {
    return this.#reads.size;
  }

  /** Tells the user in a message with "Show Log", and logs it; never throws. */
  reportError(error: unknown): void {
    const message = messageOf(error);
    this.lastError = message;
    this.output.error(message);
    void vscode.window
      .showErrorMessage(vscode.l10n.t('Hotpath: {0}', message), vscode.l10n.t('Show Log'))
      .then((picked) => {
        if (picked) this.output.show(true);
      });
  }

  /**
   * Shows a saved run where the code is: its hottest source, lenses, heat and the report panel.
   * `taken`: the run was just taken (it becomes the last run, the one before it the previous).
   */
  async showResults(
    target: string,
    { taken = false }: { taken?: boolean } = {},
  ): Promise<LoadedRun | undefined> {
    let analysed: AnalysedRun;
    try {
      analysed = await this.#analyse(target);
    } catch (error) {
      // A bad or truncated profile is a message, never a crash of the extension host.
      if (!isCancelled(error)) this.reportError(error);
      return undefined;
    }
    const { run, report } = analysed;
    this.#apply(run, target, taken);
    // Where to look first: the place the diagnosis names (the lock requests wait for, or the
    // hottest line of the code), so that the editor and the report agree. When it names none (a
    // wait no lock explains: the code's own time is noise), the editor is left as it was.
    const where = run.diagnosis.lookAt;
    if (where && !(await openSource(where.file, where.line)))
      this.flamegraph.cannotOpen(where.file);
    this.hotLines.refresh();
    this.flamegraph.show(report, { besideEditor: true });
    return run;
  }

  /**
   * After a window reload: the results shown before it (lenses, heat, the context keys that
   * list the commands over them) come back, read in the analysis worker. Not awaited by
   * `activate`. A run folder that is gone is logged, not told; results shown meanwhile win.
   */
  async restore(): Promise<void> {
    this.#taken = this.memory.runs.filter((f) => fs.existsSync(f)).map((folder) => ({ folder }));
    this.#setContextKeys();
    const target = this.memory.shown;
    if (!target) return;
    if (!fs.existsSync(target)) {
      this.output.info(`the results shown before the reload are gone (${target}): not restored`);
      this.memory.shown = undefined;
      return;
    }
    const changes = this.#shownChanges;
    let run: LoadedRun;
    try {
      ({ run } = await this.#analyse(target));
    } catch (error) {
      if (!isCancelled(error))
        this.output.warn(`the results shown before the reload: ${messageOf(error)}`);
      return;
    }
    if (this.#shownChanges !== changes) return;
    const last = this.#taken.at(-1);
    if (last && last.folder === run.folder && target === run.folder) last.run = run;
    this.results.set(run);
    this.#setContextKeys();
    this.output.info(`restored the results of ${target}`);
  }

  /** A run folder or profile read and analysed in the worker, to compare (nothing is shown). */
  async readRun(target: string): Promise<LoadedRun> {
    return (await this.#analyse(target)).run;
  }

  /**
   * The last two runs taken, read (in the worker) if not yet; undefined when there are not two.
   */
  async lastTwoRuns(): Promise<[LoadedRun, LoadedRun] | undefined> {
    const [before, after] = this.#taken;
    if (!before || !after) return undefined;
    for (const taken of [before, after]) taken.run ??= await this.readRun(taken.folder);
    return before.run && after.run ? [before.run, after.run] : undefined;
  }

  /**
   * A comparison in the panel (diff flamegraph, charts of both loads) and in the log. The lenses
   * tell each function's change when `after` is the run they show.
   */
  showComparison(
    comparison: Comparison,
    labels: [string, string],
    runs: [ComparedRun | RunRecord | undefined, ComparedRun | RunRecord | undefined],
    records: [RunRecord | undefined, RunRecord | undefined] = [undefined, undefined],
    after?: LoadedRun,
  ): void {
    const current = this.results.current;
    if (after === undefined || current?.profileFile === after.profileFile)
      this.results.setComparison(comparison);
    this.flamegraph.show(comparisonReportData(comparison, labels, this.workspace, records));
    this.output.appendLine(
      formatComparison(comparison, labels, runs, this.workspace, records[0] ? records : undefined),
    );
    // The code whose change the headline names, opened beside the report at its line.
    const { file, line } = comparisonHeadline(comparison, this.workspace);
    if (file && line && fs.existsSync(file)) {
      const at = new vscode.Position(Math.max(0, line - 1), 0);
      void vscode.window
        .showTextDocument(vscode.Uri.file(file), {
          viewColumn: vscode.ViewColumn.One,
          preserveFocus: true,
          selection: new vscode.Range(at, at),
        })
        .then(undefined, (error: unknown) =>
          this.output.appendLine(`Hotpath: could not open ${file}: ${String(error)}`),
        );
    }
  }

  /** Forgets the results shown (lenses, heat) and the runs taken, here and across reloads. */
  clearResults(): void {
    this.#taken = [];
    this.memory.runs = [];
    this.memory.shown = undefined;
    this.#shownChanges++;
    this.results.set(undefined);
    this.#setContextKeys();
  }

  /**
   * Reads and analyses a run or a profile in a worker thread: a large profile takes seconds to
   * read, and the extension host (typing, every extension) must not wait for it.
   */
  async #analyse(target: string, signal?: AbortSignal): Promise<AnalysedRun> {
    const read = new AbortController();
    const abort = () => read.abort();
    signal?.addEventListener('abort', abort, { once: true });
    this.#reads.add(read);
    try {
      return await analyseOffThread({ target, cwd: this.workspace }, read.signal);
    } finally {
      signal?.removeEventListener('abort', abort);
      this.#reads.delete(read);
    }
  }

  /** The run's results become the ones shown (lenses, heat), kept for a reload. */
  #apply(run: LoadedRun, target: string, taken: boolean): void {
    if (taken) {
      this.#taken = [...this.#taken.slice(-1), { folder: run.folder, run }];
      this.memory.runs = this.#taken.map((t) => t.folder);
    }
    this.#shownChanges++;
    this.memory.shown = target;
    this.results.set(run);
    this.#setContextKeys();
    this.output.info(`diagnosis: ${run.diagnosis.summary}`);
  }

  /** The `when` keys of the commands over the results (hasResults is the results' own). */
  #setContextKeys(): void {
    const ramp = !!this.results.current?.record?.load?.ramp;
    void vscode.commands.executeCommand(
      'setContext',
      'hotpath.hasPrevious',
      this.#taken.length === 2,
    );
    void vscode.commands.executeCommand('setContext', 'hotpath.hasRamp', ramp);
  }

  /** The .cpuprofile editor's load: a profile inside a run folder is read with its run. */
  async #openProfile(file: string, signal: AbortSignal): Promise<PackedReport> {
    const target = readTargetOf(file);
    const { run, report } = await this.#analyse(target, signal);
    // Closed while it was read: nothing of it is applied.
    if (signal.aborted) throw new HotpathError('CANCELLED', 'the editor was closed');
    this.#apply(run, target, false);
    this.hotLines.refresh();
    return report;
  }

  /** Cancels the run going on and waits until its processes have ended; false when none ran. */
  async stopRun(): Promise<boolean> {
    const running = this.running;
    if (!running) return false;
    await running.cancel();
    return true;
  }

  /** On deactivate: every read, the run going on and the sample service, ended. */
  async stopAll(): Promise<void> {
    for (const read of this.#reads) read.abort();
    const service = this.service;
    this.service = undefined;
    await Promise.all([this.stopRun(), service?.stop()]);
  }

  dispose(): void {
    for (const read of this.#reads) read.abort();
    this.flamegraph.dispose();
    this.hotLines.dispose();
    this.lenses.dispose();
    this.routeLenses.dispose();
    this.results.dispose();
    this.config.dispose();
    this.status.dispose();
    this.output.dispose();
  }
}
