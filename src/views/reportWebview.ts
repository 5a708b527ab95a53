/**
 * One webview that shows a report (summary, diagnosis, flamegraph, hot functions and lines): the
 * flamegraph panel and the .cpuprofile editor both are one. Strict CSP with a nonce; scripts and
 * styles only from dist/media; the report travels by message, never as HTML.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { FromPanel, ReportData, ToPanel } from '../protocol/flame';

export function mediaRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'media');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [mediaRoot(extensionUri)] };
}

const STYLE = `
body { padding: 8px 12px; color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
h1 { font-size: 1.25em; margin: 4px 0 2px; }
h2 { font-size: 1.05em; margin: 16px 0 6px; }
#subtitle { opacity: .75; margin: 0 0 10px; }
#verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; background: var(--vscode-badge-background); color: var(--vscode-badge-foreground); font-weight: 600; text-transform: uppercase; font-size: .8em; margin-right: 8px; }
table { border-collapse: collapse; }
td, th { padding: 2px 12px 2px 0; text-align: left; vertical-align: top; border-bottom: 1px solid var(--vscode-widget-border, transparent); }
th { opacity: .75; font-weight: 500; }
td:not(:last-child), th { white-space: nowrap; }
#summary td:first-child { opacity: .75; }
.hotpath-error { color: var(--vscode-errorForeground); white-space: pre-wrap; }
.hotpath-flame { position: relative;
  --hotpath-flame-text: var(--vscode-editor-background);
  --hotpath-flame-focus: var(--vscode-focusBorder); }
.hotpath-flame-toolbar { display: flex; gap: 8px; align-items: center; margin-bottom: 6px; }
.hotpath-flame-toolbar button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: 0; padding: 3px 8px; cursor: pointer; }
.hotpath-flame-search { min-width: 240px; background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, transparent); padding: 3px 6px; }
.hotpath-flame-matches { opacity: .8; }
.hotpath-flame-crumbs { min-height: 20px; margin-bottom: 4px; }
.hotpath-flame-crumb { border: 0; background: none; color: var(--vscode-textLink-foreground); cursor: pointer; padding: 0 2px; }
.hotpath-flame-canvas { display: block; }
.hotpath-flame-canvas:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
.hotpath-flame-status { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.hotpath-flame-tooltip { position: absolute; z-index: 2; pointer-events: none; max-width: 520px; padding: 6px 8px; background: var(--vscode-editorHoverWidget-background); color: var(--vscode-editorHoverWidget-foreground); border: 1px solid var(--vscode-editorHoverWidget-border); overflow-wrap: anywhere; }
.hotpath-flame-tooltip-name { font-weight: 600; }
`;

/** What a report webview last drew, as the page itself told it. */
export interface Shown {
  title: string;
  frames: number;
  drawnFrames: number;
}

/** Drives one webview: its page, the messages queued until the page is ready, its answers. */
export class ReportWebview implements vscode.Disposable {
  #ready = false;
  #pending: ToPanel[] = [];
  #shown: Shown | undefined;
  readonly #disposables: vscode.Disposable[] = [];

  constructor(
    readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    onOpenSource: (file: string, line: number) => void,
  ) {
    webview.options = webviewOptions(extensionUri);
    const nonce = randomBytes(18).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot(extensionUri), 'panel.js'));
    webview.html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}';">
<style nonce="${nonce}">${STYLE}</style></head>
<body><main id="report"></main>
<script nonce="${nonce}" src="${script}"></script></body></html>`;
    webview.onDidReceiveMessage(
      (message: FromPanel) => {
        switch (message.type) {
          case 'ready':
            this.#ready = true;
            for (const pending of this.#pending.splice(0)) void webview.postMessage(pending);
            break;
          case 'shown':
            this.#shown = {
              title: String(message.title),
              frames: Number(message.frames),
              drawnFrames: Number(message.drawnFrames),
            };
            break;
          case 'openSource':
            if (typeof message.file === 'string' && Number.isInteger(message.line))
              onOpenSource(message.file, message.line);
            break;
        }
      },
      undefined,
      this.#disposables,
    );
  }

  /** What the page last drew; undefined until it has drawn a report. */
  get shown(): Shown | undefined {
    return this.#shown;
  }

  show(report: ReportData): void {
    this.post({ type: 'show', report });
  }

  post(message: ToPanel): void {
    if (this.#ready) void this.webview.postMessage(message);
    else this.#pending.push(message);
  }

  dispose(): void {
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}
