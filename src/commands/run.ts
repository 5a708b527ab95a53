/**
 * A running profile: its cancel, the pids it started, its progress (notification and status bar).
 * Its lifetime is the run's, apart from the extension's: the profile flow ends it once the run
 * and its results are done, whatever happened; the context only points at it meanwhile.
 */
import * as vscode from 'vscode';
import type { RunOptions, RunStage } from '../record/run';
import { formatHeader, formatProgress } from '../report/text';
import { type CompletedRun, runProfile } from '../runner/run';
import type { Ctx } from './context';

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

export class ProfileRun {
  readonly #controller = new AbortController();
  readonly #pids: number[] = [];
  #stage: RunStage | undefined;
  readonly done: Promise<CompletedRun>;

  /** Starts `options`' run, shown as `label`; the context holds it until it ends. */
  constructor(
    private readonly ctx: Ctx,
    options: RunOptions,
    readonly label: string,
  ) {
    const status = ctx.status;
    const title = vscode.l10n.t('Hotpath: {0}', label);
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
    void vscode.commands.executeCommand('setContext', 'hotpath.running', true);
    this.done = Promise.resolve(
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title,
          cancellable: true,
        },
        (progress, token) => {
          const onCancel = token.onCancellationRequested(() => this.#controller.abort());
          return runProfile(options, {
            signal: this.#controller.signal,
            onStage: (stage, record) => {
              this.#stage = stage;
              if (stage === 'starting') ctx.output.appendLine(formatHeader(record));
              for (const pid of [record.target.pid, record.target.profiledPid])
                if (pid !== undefined && !this.#pids.includes(pid)) this.#pids.push(pid);
              progress.report({ message: stageText(stage) });
              status.text = `$(sync~spin) ${title} · ${stageText(stage)}`;
              status.accessibilityInformation = spoken(stage);
            },
            onProgress: (p) => {
              const text = formatProgress(p).trim();
              progress.report({ message: text });
              status.text = `$(sync~spin) ${title} · ${text}`;
            },
          }).finally(() => onCancel.dispose());
        },
      ),
    );
    ctx.running = this;
  }

  /** The pids of the run's processes (its service), for tests of cancel. */
  get pids(): number[] {
    return [...this.#pids];
  }

  /** The stage the run has reached, for tests that act in the middle of one. */
  get stage(): RunStage | undefined {
    return this.#stage;
  }

  /** Cancels the run and waits until its processes have ended. */
  async cancel(): Promise<void> {
    this.#controller.abort();
    await this.done.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Lets go of the context's run slot and the status bar: once the run's results are shown. */
  end(): void {
    if (this.ctx.running !== this) return;
    this.ctx.running = undefined;
    this.ctx.status.hide();
    void vscode.commands.executeCommand('setContext', 'hotpath.running', false);
  }
}
