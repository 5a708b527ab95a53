/**
 * A running profile: its cancel, the pids it started, its progress (notification and status bar),
 * and its life told as events (started, stage, progress, ended, failed). Its lifetime is the
 * run's, apart from the extension's: the profile flow ends it once the run and its results are
 * done, whatever happened. The context listens to it and is the only one to hold it.
 */
import * as vscode from 'vscode';
import type { RunOptions, RunRecord, RunStage } from '../record/run';
import { formatProgress } from '../report/text';
import { type CompletedRun, runProfile } from '../runner/run';
import type { LoadProgress } from '../vocabulary/progress';

/** What a run tells while it lives, in order: started, stages and progress, then ended or failed. */
export type RunEvent =
  | { type: 'started'; label: string }
  | { type: 'stage'; stage: RunStage; record: RunRecord }
  | { type: 'progress'; progress: LoadProgress }
  | { type: 'ended'; completed: CompletedRun }
  | { type: 'failed'; error: unknown }
  /** The flow is done with it (its results shown): the run's slot is free again. */
  | { type: 'released' };

/** A stage of the run as the user reads it (in the notification and the status bar). */
function stageText(stage: RunStage): string {
  switch (stage) {
    case 'starting':
      return vscode.l10n.t('starting');
    case 'warming-up':
      return vscode.l10n.t('warming up');
    case 'profiling':
      return vscode.l10n.t('profiling');
    case 'stopping':
      return vscode.l10n.t('stopping');
  }
}

export class ProfileRun implements vscode.Disposable {
  readonly #controller = new AbortController();
  readonly #events = new vscode.EventEmitter<RunEvent>();
  readonly onEvent = this.#events.event;
  /** The run going on, in the status bar; a click cancels it (and only it). */
  readonly #status = vscode.window.createStatusBarItem(
    'hotpath.run',
    vscode.StatusBarAlignment.Left,
    10,
  );
  #done: Promise<CompletedRun> | undefined;
  #saved!: (completed: CompletedRun | undefined) => void;
  /**
   * The run once done and saved, before its service is stopped (the caller's analysis overlaps
   * the stop); undefined when it did not get there (failed, cancelled).
   */
  readonly saved = new Promise<CompletedRun | undefined>((resolve) => {
    this.#saved = resolve;
  });

  /** A run of `options`, shown as `label`; it begins with `start()`, once its listeners are on. */
  constructor(
    private readonly options: RunOptions,
    readonly label: string,
  ) {}

  /** Begins the run (once); resolves with its record once saved, whatever its status. */
  start(): Promise<CompletedRun> {
    this.#done ??= this.#run();
    return this.#done;
  }

  #run(): Promise<CompletedRun> {
    const { label } = this;
    const status = this.#status;
    const title = vscode.l10n.t('Hotpath: {0}', label);
    status.name = vscode.l10n.t('Hotpath run');
    status.command = 'hotpath.cancelRun';
    status.text = `$(sync~spin) ${title}`;
    status.tooltip = vscode.l10n.t('Hotpath is profiling {0}; click to cancel the run', label);
    const spoken = (stage: RunStage) => ({
      label: vscode.l10n.t(
        'Hotpath run of {0}: {1}. Activate to cancel the run.',
        label,
        stageText(stage),
      ),
      role: 'button',
    });
    status.accessibilityInformation = spoken('starting');
    status.show();
    this.#events.fire({ type: 'started', label });
    const done = vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) => {
        const onCancel = token.onCancellationRequested(() => this.#controller.abort());
        return runProfile(this.options, {
          signal: this.#controller.signal,
          onStage: (stage, record) => {
            progress.report({ message: stageText(stage) });
            status.text = `$(sync~spin) ${title} · ${stageText(stage)}`;
            status.accessibilityInformation = spoken(stage);
            this.#events.fire({ type: 'stage', stage, record });
          },
          onProgress: (p) => {
            const text = formatProgress(p).trim();
            progress.report({ message: text });
            status.text = `$(sync~spin) ${title} · ${text}`;
            this.#events.fire({ type: 'progress', progress: p });
          },
          onDone: (completed) => this.#saved(completed),
        }).finally(() => {
          onCancel.dispose();
          this.#saved(undefined);
        });
      },
    );
    return Promise.resolve(done).then(
      (completed) => {
        this.#events.fire({ type: 'ended', completed });
        return completed;
      },
      (error: unknown) => {
        this.#events.fire({ type: 'failed', error });
        throw error;
      },
    );
  }

  /** Cancels the run and waits until its processes have ended. */
  async cancel(): Promise<void> {
    this.#controller.abort();
    await this.#done?.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Once the run's results are shown: the status bar goes, and its slot is released. */
  release(): void {
    this.#status.dispose();
    this.#events.fire({ type: 'released' });
    this.#events.dispose();
  }

  dispose(): void {
    this.#controller.abort();
    this.#status.dispose();
    this.#events.dispose();
  }
}
