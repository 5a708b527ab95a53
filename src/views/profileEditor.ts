/**
 * The editor for `.cpuprofile` files: the report (diagnosis, flamegraph, hot functions and lines)
 * in the editor itself, and the profile's hot lines and lenses on the sources it maps to. A
 * malformed profile shows its error in the editor and in a message; nothing throws.
 */
import type * as vscode from 'vscode';
import type { ReportData } from '../protocol/flame';
import { openSource } from './flamegraphPanel';
import { ReportWebview, type Shown } from './reportWebview';

export interface ProfileEditorHost {
  /** Reads, analyses and applies the profile (lenses, hot lines); throws with a clear message. */
  open(file: string): ReportData;
  /** Tells the user (a message with "Show Log"). */
  reportError(error: unknown): void;
}

export class ProfileEditorProvider implements vscode.CustomReadonlyEditorProvider {
  static readonly viewType = 'hotpath.profile';
  readonly #pages = new Map<string, ReportWebview>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: ProfileEditorHost,
  ) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => {} };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const key = document.uri.toString();
    const page = new ReportWebview(panel.webview, this.extensionUri, (file, line) => {
      void openSource(file, line);
    });
    this.#pages.set(key, page);
    panel.onDidDispose(() => {
      page.dispose();
      if (this.#pages.get(key) === page) this.#pages.delete(key);
    });
    try {
      page.show(this.host.open(document.uri.fsPath));
    } catch (error) {
      page.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      this.host.reportError(error);
    }
  }

  /** What the editor of `uri` last drew (for tests). */
  shown(uri: vscode.Uri): Shown | undefined {
    return this.#pages.get(uri.toString())?.shown;
  }
}
