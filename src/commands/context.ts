/**
 * The extension's one context object: what lives as long as the extension (the log, the settings,
 * the views, the sample service started by hand) and the services every command needs (errors
 * told to the user, results shown where the code is). It owns those lifetimes and is itself
 * disposable. Each piece of state has one owner that changes it: the run going on is the
 * context's, set and cleared from the run's own events (`ProfileRun`, run.ts); the sample service
 * is `SampleService`'s (sampleService.ts); what the user was told is an event (`onDidTell`) that
 * others, the test API among them, listen to. Commands ask; they assign none of it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadedRun } from '../profile/loadedRun';
import type { PackedReport } from '../protocol/webview';
import type { RunOptions } from '../record/run';
import { formatHeader } from '../report/text';
import {
  type AnalysedRun,
  analyseOffThread,
  type ComparisonFigures,
  type ComparisonRequest,
  compareOffThread,
  heapReportOffThread,
} from '../runs/analysisThread';
import { isHeapProfileFile } from '../runs/profileFolder';
import { readTargetOf } from '../runs/savedRuns';
import { Config } from '../views/config';
import { FlamegraphPanel, openSource } from '../views/flamegraphPanel';
import { HotFunctionLenses } from '../views/hotFunctionLens';
import { HotLines } from '../views/hotLines';
import { LocustLenses } from '../views/locustLens';
import { ProfileEditorProvider } from '../views/profileEditor';
import { Results } from '../views/results';
import { RouteLenses } from '../views/routeLens';
import { HotpathError, isCancelled, messageOf } from '../vocabulary/errors';
import { isOptionKey, OPTIONS } from '../vocabulary/options';
import { forSurface, settingsNamed, suggestedValue, type Words } from '../vocabulary/words';
import { type TargetKind, WorkspaceMemory } from './memory';
import { ProfileRun, type RunEvent } from './run';
import { SampleService } from './sampleService';

export type { TargetKind } from './memory';

/** Something the user was told: an error, the message a run ended with, or a note (a comparison's). */
export interface Told {
  kind: 'error' | 'run' | 'note';
  text: string;
  severity: 'info' | 'warning' | 'error';
  /** A failed run's error, beside the message that tells it. */
  error?: string;
  /** The buttons an error is offered with besides Show Log (Open Settings…). */
  actions?: string[];
}

/**
 * When the editor's own stages of the last run were reached (epoch ms): the run asked for (its
 * preset chosen), the run's end (the runner's promise), its analysis back from the worker, the
 * report sent to the panel. The runner's stages are in run.json; these are the views' and go
 * to the bench and the test API only.
 */
export interface EditorMarks {
  askedAt: number;
  runEndedAt?: number;
  analysedAt?: number;
  sentAt?: number;
}

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
  readonly locustLenses: LocustLenses;
  /** The profile being taken now, if any: one at a time. */
  #running: ProfileRun | undefined;
  /** The sample service started by "Start Sample Service". */
  readonly sample: SampleService;
  readonly #runEvents = new vscode.EventEmitter<RunEvent>();
  /** Every event of every run begun, as the run tells it. */
  readonly onDidRunEvent = this.#runEvents.event;
  readonly #told = new vscode.EventEmitter<Told>();
  /** What the user is told (errors, a run's end): notifications cannot be read through the API. */
  readonly onDidTell = this.#told.event;
  /** What is kept per workspace across reloads (memory.ts). */
  readonly memory: WorkspaceMemory;
  /** Profiles being read in worker threads, each ended on deactivate. */
  readonly #reads = new Set<AbortController>();
  /**
   * The folders of the last two runs taken (profiled and shown), oldest first: what "Compare With
   * Previous Run" compares. Opening a profile or a run to read it is not taking one.
   */
  #taken: string[] = [];
  /** The report of the results shown, as the worker made it: Show Flamegraph shows it again. */
  #report: PackedReport | undefined;
  /** Counts the changes of the results shown: a restore that comes late applies nothing. */
  #shownChanges = 0;
  /** The editor's stages of the last run begun (the test API and the bench read them). */
  marks: EditorMarks | undefined;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.memory = new WorkspaceMemory(extension.workspaceState);
    this.flamegraph = new FlamegraphPanel(extension.extensionUri);
    this.profileEditor = new ProfileEditorProvider(extension.extensionUri, {
      open: (file, signal, thread) => this.#openProfile(file, signal, thread),
      reportError: (error) => this.reportError(error),
      log: (message) => this.output.warn(message),
    });
    this.locustLenses = new LocustLenses(this.config);
    this.routeLenses = new RouteLenses(this.config, (file) =>
      file.startsWith(this.sampleSourceFolder + path.sep),
    );
    this.flamegraph.log = (message) => this.output.warn(message);
    this.sample = new SampleService(
      () => ({ nodePath: this.config.nodePath ?? process.execPath }),
      this.output,
    );
  }

  /** The profile being taken now, if any. */
  get running(): ProfileRun | undefined {
    return this.#running;
  }

  /**
   * A run of `options`, begun and held as the one going on until it is released; undefined when
   * one is going already (one at a time).
   */
  beginRun(options: RunOptions, label: string): ProfileRun | undefined {
    if (this.#running) return undefined;
    const run = new ProfileRun(options, label);
    run.onEvent((event) => {
      this.#runEvents.fire(event);
      switch (event.type) {
        case 'started':
          this.#running = run;
          void vscode.commands.executeCommand('setContext', 'hotpath.running', true);
          break;
        case 'stage':
          if (event.stage === 'starting') this.output.appendLine(formatHeader(event.record));
          break;
        case 'released':
          if (this.#running !== run) break;
          this.#running = undefined;
          void vscode.commands.executeCommand('setContext', 'hotpath.running', false);
          break;
      }
    });
    void run.start().catch(() => undefined); // its caller hears of a failure through start()
    return run;
  }

  /**
   * The report last shown in the panel: the last run or profile read, or a comparison shown
   * after it (Show Flamegraph brings back what was last shown, not the run under a comparison).
   */
  get shownReport(): PackedReport | undefined {
    return this.#report;
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
    // In the editor's words: an option by its setting (or preset) name, not by the CLI's flag.
    const message = error instanceof HotpathError ? forSurface(error, 'editor') : messageOf(error);
    this.output.error(message);
    const actions = error instanceof HotpathError ? this.settingActions(error, error.option) : [];
    this.#told.fire({
      kind: 'error',
      text: message,
      severity: 'error',
      actions: actions.map((a) => a.label),
    });
    const log = vscode.l10n.t('Show Log');
    void vscode.window
      .showErrorMessage(vscode.l10n.t('Hotpath: {0}', message), ...actions.map((a) => a.label), log)
      .then((picked) => {
        if (picked === log) this.output.show(true);
        else actions.find((a) => a.label === picked)?.run();
      });
  }

  /**
   * The buttons for words that name settings: Open Settings at the first one named, and where
   * they give `hotpath.service.url` a value (the port the service was found on) and that setting
   * is what the run used, one that sets it.
   */
  settingActions(words: Words, option?: string): { label: string; run: () => void }[] {
    // A bad option's error names the option at fault (BAD_OPTION) when its words name none.
    const named: { setting?: string } | undefined =
      option !== undefined && isOptionKey(option) ? OPTIONS[option] : undefined;
    const [setting = named?.setting] = settingsNamed(words);
    if (!setting) return [];
    const url = suggestedValue(words, 'url');
    const useUrl =
      url && this.config.service
        ? [
            {
              label: vscode.l10n.t('Use {0}', url),
              run: () =>
                void vscode.workspace
                  .getConfiguration('hotpath')
                  .update(
                    'service.url',
                    url,
                    vscode.workspace.workspaceFolders
                      ? vscode.ConfigurationTarget.Workspace
                      : vscode.ConfigurationTarget.Global,
                  ),
            },
          ]
        : [];
    return [
      ...useUrl,
      {
        label: vscode.l10n.t('Open Settings'),
        run: () => void vscode.commands.executeCommand('workbench.action.openSettings', setting),
      },
    ];
  }

  /** Says a note (a comparison's headline, a service stopped), shown and logged. */
  tellNote(text: string): void {
    this.output.info(text);
    this.#told.fire({ kind: 'note', text, severity: 'info' });
    void vscode.window.showInformationMessage(text);
  }

  /** Says how a run ended, to whoever listens (the message itself is the profile flow's). */
  tellRunEnd(told: Omit<Told, 'kind'>): void {
    this.#told.fire({ kind: 'run', ...told });
  }

  /**
   * Shows a saved run where the code is: its hottest source, lenses, heat and the report panel.
   * `taken`: the run was just taken (it becomes the last run, the one before it the previous).
   */
  async showResults(
    target: string,
    { taken = false, analysing }: { taken?: boolean; analysing?: Promise<AnalysedRun> } = {},
  ): Promise<LoadedRun | undefined> {
    let analysed: AnalysedRun;
    try {
      analysed = await (analysing ?? this.#analyse(target));
    } catch (error) {
      // A bad or truncated profile is a message, never a crash of the extension host.
      if (!isCancelled(error)) this.reportError(error);
      return undefined;
    }
    if (taken && this.marks) this.marks.analysedAt = Date.now();
    const { run, report } = analysed;
    this.#apply(run, report, target, taken);
    // Where to look first: the place the diagnosis names (the lock requests wait for, or the
    // hottest line of the code), so that the editor and the report agree. When it names none (a
    // wait no lock explains: the code's own time is noise), the editor is left as it was.
    const where = run.diagnosis.lookAt;
    const opened = where ? await openSource(where.file, where.line) : 'opened';
    if (where && opened !== 'opened') this.flamegraph.cannotOpen(where.file, opened);
    this.hotLines.refresh();
    if (taken && this.marks) this.marks.sentAt = Date.now();
    this.flamegraph.show(report, { besideEditor: true });
    return run;
  }

  /**
   * After a window reload: the results shown before it (lenses, heat, the context keys that
   * list the commands over them) come back, read in the analysis worker. Not awaited by
   * `activate`. A run folder that is gone is logged, not told; results shown meanwhile win.
   */
  async restore(): Promise<void> {
    this.#taken = this.memory.runs.filter((f) => fs.existsSync(f));
    this.#setContextKeys();
    const target = this.memory.shown;
    if (!target) return;
    if (!fs.existsSync(target)) {
      this.output.info(`the results shown before the reload are gone (${target}): not restored`);
      this.memory.shown = undefined;
      return;
    }
    const changes = this.#shownChanges;
    let analysed: AnalysedRun;
    try {
      analysed = await this.#analyse(target);
    } catch (error) {
      if (!isCancelled(error))
        this.output.warn(`the results shown before the reload: ${messageOf(error)}`);
      return;
    }
    if (this.#shownChanges !== changes) return;
    this.#report = analysed.report;
    this.results.set(analysed.run);
    this.#setContextKeys();
    this.output.info(`restored the results of ${target}`);
  }

  /** A run folder read and analysed in the worker, for `showResults` to show once it is done. */
  analyse(target: string): Promise<AnalysedRun> {
    return this.#analyse(target);
  }

  /** The folder of the last run taken, if any. */
  lastRun(): string | undefined {
    return this.#taken.at(-1);
  }

  /** The folders of the last two runs taken, oldest first; undefined when there are not two. */
  lastTwoRuns(): [string, string] | undefined {
    const [before, after] = this.#taken;
    return before && after ? [before, after] : undefined;
  }

  /** Two runs (or a ramp run's steps) compared in the worker: the figures, nothing shown yet. */
  compare(request: ComparisonRequest): Promise<ComparisonFigures> {
    return this.#offThread((signal) =>
      compareOffThread({ ...request, cwd: this.workspace }, signal),
    );
  }

  /**
   * A comparison in the panel (diff flamegraph, charts of both loads) and in the log. The lenses
   * tell each function's change when the later run is the one they show.
   */
  showComparison(figures: ComparisonFigures): void {
    const current = this.results.current;
    if (figures.afterProfile === undefined || current?.profileFile === figures.afterProfile)
      this.results.setComparison(figures.comparison);
    this.#report = figures.report;
    this.flamegraph.show(figures.report);
    this.output.appendLine(figures.text);
    // The code whose change the headline names, opened beside the report at its line.
    const { file, line } = figures.headline;
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
    this.#report = undefined;
    this.memory.runs = [];
    this.memory.shown = undefined;
    this.#shownChanges++;
    this.results.set(undefined);
    this.flamegraph.close();
    this.#setContextKeys();
  }

  /**
   * Reads and analyses a run or a profile in a worker thread: a large profile takes seconds to
   * read, and the extension host (typing, every extension) must not wait for it.
   */
  #analyse(target: string, signal?: AbortSignal, thread?: string): Promise<AnalysedRun> {
    return this.#offThread(
      (read) => analyseOffThread({ target, cwd: this.workspace, thread }, read),
      signal,
    );
  }

  /** A read in the worker, counted while it goes on and ended on deactivate or by `signal`. */
  async #offThread<T>(read: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const reading = new AbortController();
    const abort = () => reading.abort();
    signal?.addEventListener('abort', abort, { once: true });
    this.#reads.add(reading);
    try {
      return await read(reading.signal);
    } finally {
      signal?.removeEventListener('abort', abort);
      this.#reads.delete(reading);
    }
  }

  /** The run's results become the ones shown (lenses, heat), kept for a reload. */
  #apply(run: LoadedRun, report: PackedReport, target: string, taken: boolean): void {
    if (taken) {
      this.#taken = [...this.#taken.slice(-1), run.folder];
      this.memory.runs = this.#taken;
    }
    this.#shownChanges++;
    this.#report = report;
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

  /**
   * The profile editor's load: a profile inside a run folder is read with its run; a
   * heap profile alone, `.heapprofile` or told by its bytes (no CPU profile: the lenses and heat
   * shown stay as they are).
   */
  async #openProfile(file: string, signal: AbortSignal, thread?: string): Promise<PackedReport> {
    if (isHeapProfileFile(file))
      return this.#offThread(
        (read) => heapReportOffThread({ file, cwd: this.workspace }, read),
        signal,
      );
    const target = readTargetOf(file);
    const { run, report } = await this.#analyse(target, signal, thread);
    // Closed while it was read: nothing of it is applied.
    if (signal.aborted) throw new HotpathError('CANCELLED', 'the editor was closed');
    this.#apply(run, report, target, false);
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
    await Promise.all([this.stopRun(), this.sample.stop()]);
  }

  dispose(): void {
    for (const read of this.#reads) read.abort();
    this.flamegraph.dispose();
    this.hotLines.dispose();
    this.lenses.dispose();
    this.routeLenses.dispose();
    this.locustLenses.dispose();
    this.results.dispose();
    this.config.dispose();
    this.sample.dispose();
    this.#running?.dispose();
    this.#told.dispose();
    this.#runEvents.dispose();
    this.output.dispose();
  }
}
