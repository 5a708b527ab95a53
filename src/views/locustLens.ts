/** "▶ Profile with this locustfile" above each HttpUser class of a Python file. */
import * as vscode from 'vscode';
import { scanLocustfile } from '../routes/locustfiles';
import type { Config } from './config';

/** Files larger than this are not scanned. */
const MAX_SCAN_CHARS = 1_000_000;

export class LocustLenses implements vscode.CodeLensProvider, vscode.Disposable {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.#changed.event;
  readonly #subscription: vscode.Disposable;

  constructor(private readonly config: Config) {
    this.#subscription = config.onDidChange((change) => {
      if (change.routeLens) this.#changed.fire();
    });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const text = document.getText();
    if (!this.config.showRouteLens || text.length > MAX_SCAN_CHARS) return [];
    const scan = scanLocustfile(text);
    return scan.users.map((user) => {
      const at = new vscode.Position(user.line, user.character);
      return new vscode.CodeLens(new vscode.Range(at, at), {
        title: `▶ ${vscode.l10n.t('Profile with this locustfile')}`,
        tooltip: vscode.l10n.t(
          "Hotpath: run this locustfile's users ({0}) under Locust and profile the service",
          user.name,
        ),
        command: 'hotpath.profileLocustfile',
        arguments: [{ locustfile: document.uri.fsPath }],
      });
    });
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#changed.dispose();
  }
}
