/**
 * The sample service started by hand, and its one owner: `SampleService` starts it once however
 * many ask at the same time, and knows when it ends. The commands over it are in service.ts.
 */
import * as vscode from 'vscode';
import { type RunningService, startSampleService as start } from '../runner/target';
import { DEFAULTS } from '../vocabulary/defaults';

/**
 * The sample service started by "Start Sample Service", if it runs. Only this class changes it:
 * the commands ask it to start or stop, and the `hotpath.serviceRunning` key follows its events.
 */
export class SampleService implements vscode.Disposable {
  #service: RunningService | undefined;
  /** The start going on: a second caller waits for it instead of starting another service. */
  #starting: Promise<RunningService> | undefined;
  readonly #changed = new vscode.EventEmitter<RunningService | undefined>();
  /** Fires with the service when it starts, and with undefined when it stops or exits. */
  readonly onDidChange = this.#changed.event;
  /** While it runs: where it answers, in the status bar; a click stops it. */
  readonly #indicator = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);

  constructor(
    private readonly options: () => { nodePath: string },
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.#indicator.name = vscode.l10n.t('Hotpath sample service');
    this.#indicator.command = 'hotpath.stopService';
    this.onDidChange((service) => {
      void vscode.commands.executeCommand('setContext', 'hotpath.serviceRunning', !!service);
      if (!service) {
        this.#indicator.hide();
        return;
      }
      this.#indicator.text = `$(server-process) ${vscode.l10n.t('Hotpath sample {0}', service.url)}`;
      this.#indicator.tooltip = vscode.l10n.t(
        'The sample service Hotpath started answers at {0}. Click to stop it.',
        service.url,
      );
      this.#indicator.show();
    });
  }

  get current(): RunningService | undefined {
    return this.#service;
  }

  /** The service running, started first if none is (once, whoever asks meanwhile). */
  start(): Promise<RunningService> {
    if (this.#service) return Promise.resolve(this.#service);
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<RunningService> {
    const service = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Window,
        title: vscode.l10n.t('Hotpath: starting the sample service'),
      },
      () => start({ nodePath: this.options().nodePath, readyTimeoutSec: DEFAULTS.readyTimeoutSec }),
    );
    this.#service = service;
    void service.exited.then(() => this.#forget(service));
    this.log.info(`sample service: ${service.url} (pid ${service.pid})`);
    this.#changed.fire(service);
    return service;
  }

  /** Stops the service (one being started too, once it has); false when none ran. */
  async stop(): Promise<boolean> {
    const service = this.#service ?? (await this.#starting?.catch(() => undefined));
    if (!service) return false;
    this.#forget(service);
    await service.stop();
    this.log.info(`sample service stopped: ${service.url} (pid ${service.pid})`);
    return true;
  }

  #forget(service: RunningService): void {
    if (this.#service !== service) return;
    this.#service = undefined;
    this.#changed.fire(undefined);
  }

  dispose(): void {
    this.#indicator.dispose();
    this.#changed.dispose();
  }
}
