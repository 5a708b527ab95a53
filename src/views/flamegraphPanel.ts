/**
 * The flamegraph panel: one webview beside the source, fed the compact tree by message (never
 * the raw profile, never as HTML). Strict CSP: only its own nonce'd script and the built
 * stylesheet-free page; assets only from dist/media.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { FlameData, FromPanel, ToPanel } from '../protocol/flame';

export class FlamegraphPanel implements vscode.Disposable {
  static readonly viewType = 'hotpath.flamegraph';
  #panel: vscode.WebviewPanel | undefined;
  #ready = false;
  #pending: ToPanel[] = [];
  readonly #disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Shows `data`, opening the panel beside the active editor if needed. */
  show(data: FlameData): void {
    const panel = this.#ensure();
    panel.title = `Flamegraph · ${data.title}`;
    this.#post({ type: 'show', data });
  }

  focus(name: string, file?: string): void {
    if (!this.#panel) return;
    this.#panel.reveal(undefined, true);
    this.#post({ type: 'focus', name, ...(file ? { file } : {}) });
  }

  get visible(): boolean {
    return this.#panel !== undefined;
  }

  #post(message: ToPanel): void {
    if (this.#ready) void this.#panel?.webview.postMessage(message);
    else this.#pending.push(message);
  }

  #ensure(): vscode.WebviewPanel {
    if (this.#panel) return this.#panel;
    const media = vscode.Uri.joinPath(this.extensionUri, 'dist', 'media');
    const panel = vscode.window.createWebviewPanel(
      FlamegraphPanel.viewType,
      'Flamegraph',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true },
    );
    const nonce = randomBytes(18).toString('base64');
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js'));
    panel.webview.html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src ${panel.webview.cspSource} 'nonce-${nonce}';">
<style nonce="${nonce}">
body { padding: 8px 12px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
h1 { font-size: 1.1em; margin: 0 0 8px; }
.hotpath-flame { position: relative;
  --hotpath-flame-text: var(--vscode-editor-background);
  --hotpath-flame-focus: var(--vscode-focusBorder); }
.hotpath-flame-toolbar { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; }
.hotpath-flame-toolbar button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: 0; padding: 3px 8px; cursor: pointer; }
.hotpath-flame-search { min-width: 240px; background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); padding: 3px 6px; }
.hotpath-flame-matches { opacity: .8; }
.hotpath-flame-crumbs { min-height: 20px; margin-bottom: 4px; }
.hotpath-flame-crumb { border: 0; background: none; color: var(--vscode-textLink-foreground); cursor: pointer; padding: 0 2px; }
.hotpath-flame-canvas:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
.hotpath-flame-status { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.hotpath-flame-tooltip { position: absolute; z-index: 2; pointer-events: none; max-width: 520px; padding: 6px 8px; background: var(--vscode-editorHoverWidget-background); color: var(--vscode-editorHoverWidget-foreground); border: 1px solid var(--vscode-editorHoverWidget-border); overflow-wrap: anywhere; }
.hotpath-flame-tooltip-name { font-weight: 600; }
</style></head>
<body><h1 id="title"></h1><div id="flamegraph"></div>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
    panel.webview.onDidReceiveMessage(
      (message: FromPanel) => {
        switch (message.type) {
          case 'ready':
            this.#ready = true;
            for (const pending of this.#pending.splice(0)) void panel.webview.postMessage(pending);
            break;
          case 'openSource':
            void openSource(message.file, message.line);
            break;
        }
      },
      undefined,
      this.#disposables,
    );
    panel.onDidDispose(
      () => {
        this.#panel = undefined;
        this.#ready = false;
        this.#pending = [];
      },
      undefined,
      this.#disposables,
    );
    this.#panel = panel;
    return panel;
  }

  dispose(): void {
    this.#panel?.dispose();
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}

/** Opens a file at a 1-based line, if it is a file that exists. */
export async function openSource(file: string, line: number): Promise<void> {
  try {
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const at = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(document, {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Range(at, at),
    });
  } catch {
    void vscode.window.showWarningMessage(`Hotpath: cannot open ${file}`);
  }
}
