/** "▶ Profile endpoint" above route registrations in JavaScript and TypeScript files. */
import * as vscode from 'vscode';
import { findRoutes } from '../routes/scan';
import type { Config } from './config';

/** Files larger than this are not scanned (bundles, generated code). */
const MAX_SCAN_CHARS = 1_000_000;

export const ROUTE_LANGUAGES = ['javascript', 'typescript', 'javascriptreact', 'typescriptreact'];

export class RouteLenses implements vscode.CodeLensProvider, vscode.Disposable {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.#changed.event;
  readonly #subscription: vscode.Disposable;

  constructor(
    private readonly config: Config,
    /** Whether a file belongs to the bundled sample service (its routes run there, no target pick). */
    private readonly isSampleSource: (file: string) => boolean,
  ) {
    this.#subscription = config.onDidChange((change) => {
      if (change.routeLens) this.#changed.fire();
    });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.config.showRouteLens || document.getText().length > MAX_SCAN_CHARS) return [];
    const sample = this.isSampleSource(document.uri.fsPath);
    return findRoutes(document.getText()).map((route) => {
      const at = new vscode.Position(route.line, route.character);
      return new vscode.CodeLens(new vscode.Range(at, at), {
        title: `▶ ${vscode.l10n.t('Profile {0} {1}', route.method, route.path)}`,
        tooltip: vscode.l10n.t(
          'Hotpath: load-test {0} {1} and profile it',
          route.method,
          route.path,
        ),
        command: 'hotpath.profileEndpoint',
        arguments: [
          { method: route.method, path: route.path, ...(sample ? { target: 'sample' } : {}) },
        ],
      });
    });
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#changed.dispose();
  }
}
