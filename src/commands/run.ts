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
    status.text = `$(sync~spin) Hotpath: ${label}`;
    status.tooltip = `Hotpath is profiling ${label}; click to cancel the run`;
    const spoken = (stage: string) => ({
      label: `Hotpath run of ${label}: ${stage}. Activate to cancel the run.`,
      role: 'button',
    });
    status.accessibilityInformation = spoken('starting');
    status.show();
    void vscode.commands.executeCommand('setContext', 'hotpath.running', true);
    this.done = Promise.resolve(
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Hotpath: ${label}`,
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
              progress.report({ message: stage.replace('-', ' ') });
              status.text = `$(sync~spin) Hotpath: ${label} · ${stage.replace('-', ' ')}`;
              status.accessibilityInformation = spoken(stage.replace('-', ' '));
            },
            onProgress: (p) => {
              const text = formatProgress(p).trim();
              progress.report({ message: text });
              status.text = `$(sync~spin) Hotpath: ${label} · ${text}`;
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
