/** The run whose results the editor shows: one at a time, replaced by the next. */
import * as vscode from 'vscode';
import type { Comparison } from '../profile/compare';
import type { LoadedRun } from '../profile/loadedRun';
import { timePerRequest } from '../report/units';
import { responsesOf } from '../vocabulary/served';

export class Results implements vscode.Disposable {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.#changed.event;
  #current: LoadedRun | undefined;
  #comparison: Comparison | undefined;

  get current(): LoadedRun | undefined {
    return this.#current;
  }

  /** The comparison of the current run with the previous one, once asked for. */
  get comparison(): Comparison | undefined {
    return this.#comparison;
  }

  set(run: LoadedRun | undefined): void {
    this.#current = run;
    this.#comparison = undefined;
    void vscode.commands.executeCommand('setContext', 'hotpath.hasResults', run !== undefined);
    this.#changed.fire();
  }

  setComparison(comparison: Comparison): void {
    this.#comparison = comparison;
    this.#changed.fire();
  }

  /** The run's time per request, or per run when it has no request count. */
  describeTime(us: number): string {
    return timePerRequest(us, responsesOf(this.#current?.record)?.count);
  }

  dispose(): void {
    this.#changed.dispose();
  }
}
