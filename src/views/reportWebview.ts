/**
 * One webview that shows a report (summary, diagnosis, flamegraph, hot functions and lines): the
 * flamegraph panel and the .cpuprofile editor both are one. Strict CSP with a nonce; scripts and
 * styles only from dist/media; the report travels by message, never as HTML.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { ReportData } from '../protocol/flame';
import { packReport } from '../protocol/flameCodec';
import type { FromPanel, PackedReport, ToPanel } from '../protocol/webview';
import { reportPageHtml } from './reportPage';

export function mediaRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'media');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [mediaRoot(extensionUri)] };
}

/** What a report webview last drew, as the page itself told it. */
export interface Shown {
  title: string;
  frames: number;
  drawnFrames: number;
  /** The tree reached the page as typed arrays, not as JSON. */
  binary: boolean;
  /** The size of the page's HTML: the same whatever the report (the report comes by message). */
  htmlBytes: number;
  /**
   * In ms from the page's creation: to the page's "ready", and to the report being ready to
   * send (read and analysed); then from sending it (once both are ready) to "shown".
   */
  readyMs: number;
  reportMs: number;
  drawMs: number;
}

/** Drives one webview: its page, the messages queued until the page is ready, its answers. */
export class ReportWebview implements vscode.Disposable {
  #ready = false;
  #pending: ToPanel[] = [];
  #shown: Shown | undefined;
  readonly #created = performance.now();
  #readyAt = 0;
  #reportAt = 0;
  #sentAt = 0;
  readonly #disposables: vscode.Disposable[] = [];

  constructor(
    readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    onOpenSource: (file: string, line: number) => void,
  ) {
    webview.options = webviewOptions(extensionUri);
    const nonce = randomBytes(18).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot(extensionUri), 'panel.js'));
    webview.html = reportPageHtml({ nonce, scriptUri: script.toString() });
    const htmlBytes = Buffer.byteLength(webview.html);
    webview.onDidReceiveMessage(
      (message: FromPanel) => {
        switch (message.type) {
          case 'ready':
            this.#ready = true;
            this.#readyAt = performance.now();
            if (this.#pending.length > 0) this.#sentAt = this.#readyAt;
            for (const pending of this.#pending.splice(0)) void webview.postMessage(pending);
            break;
          case 'shown':
            this.#shown = {
              title: String(message.title),
              frames: Number(message.frames),
              drawnFrames: Number(message.drawnFrames),
              binary: message.binary === true,
              htmlBytes,
              readyMs: this.#readyAt - this.#created,
              reportMs: this.#reportAt - this.#created,
              drawMs: performance.now() - this.#sentAt,
            };
            break;
          case 'openSource':
            if (typeof message.file === 'string' && Number.isInteger(message.line))
              onOpenSource(message.file, message.line);
            break;
          default:
            // A new message type fails the type check here until the host handles it; at run
            // time a message of no known type (the page is not trusted) is ignored.
            message satisfies never;
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

  show(report: ReportData | PackedReport): void {
    this.#shown = undefined;
    this.#reportAt = this.#sentAt = performance.now();
    this.post({ type: 'show', report: packReport(report) });
  }

  post(message: ToPanel): void {
    if (this.#ready) void this.webview.postMessage(message);
    else this.#pending.push(message);
  }

  dispose(): void {
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}
