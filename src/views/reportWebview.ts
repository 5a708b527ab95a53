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
import { displayPath } from '../report/places';
import { placeOf } from '../vocabulary/sourcePlace';
import { reportPageHtml } from './reportPage';

/** What came of opening a frame's file: opened, or why not. */
export type OpenResult = 'opened' | 'builtin' | 'no-file' | 'missing';

/** Opens a profile's file at a line, or says why it cannot. */
export type OpenSource = (file: string, line: number) => Promise<OpenResult>;

/**
 * What the page and the log say when a frame's source cannot be opened: Node's own code (built
 * into the Node that ran the profile, `node` when the run says which), code run from a string,
 * or a file that is not here (a profile taken elsewhere: `hotpath.pathMappings` maps its
 * folders). Said quietly, never as a notification.
 */
export function cannotOpenText(
  file: string,
  why: Exclude<OpenResult, 'opened'> = 'missing',
  node?: string,
): string {
  const place = placeOf(file);
  if (why === 'builtin' && place.kind === 'builtin') {
    return node
      ? vscode.l10n.t(
          "{0} is Node's own code, built into Node {1}, the Node that ran the service: it has no file to open.",
          file,
          node,
        )
      : vscode.l10n.t(
          "{0} is Node's own code, built into the Node that ran the profile: it has no file to open.",
          file,
        );
  }
  if (why === 'no-file') {
    return vscode.l10n.t(
      '{0} has no file: V8 ran it from a string (eval, or a worker started from a string).',
      file,
    );
  }
  const local = place.kind === 'path' ? place.path : file;
  const shown = displayPath(local, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
  return vscode.l10n.t(
    'Cannot open {0}: it is not on this machine (a profile taken elsewhere, or a file since moved). If its folder is here under another name, map it with the setting hotpath.pathMappings. The figures still stand.',
    shown,
  );
}

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
  /** When the host heard "shown" (epoch ms): a run's "load ended → report drawn" ends here. */
  drawnAt: number;
  /** The page's section headings, in order. */
  headings: string[];
  /** The allocations' sentence and the functions of their table, when the page has them. */
  allocations?: { summary: string; functions: string[] };
  /** The hot functions' names, as the page's table lists them. */
  functions: string[];
  /** The page's choice of thread (a profile of several): its label, options and the one chosen. */
  threadChoice?: { label: string; options: string[]; chosen: string };
}

/** A thread's label from the page (not trusted): a string of a sane length, else none. */
function threadFrom(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 1000 ? value : undefined;
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
  /** Files already said to be unreadable, in the log: each once. */
  readonly #told = new Set<string>();
  /** A source to say cannot be opened, with the next report shown, and why. */
  #unopened: { file: string; why: Exclude<OpenResult, 'opened'> } | undefined;
  /** The Node that ran the report shown, when its run says: what its built-in frames are of. */
  #node: string | undefined;
  /**
   * Told the thread the page asks for: one the user chose (undefined: all threads), or the one
   * the page kept across a reload. Only the profile editor offers the choice.
   */
  onThread: ((thread: string | undefined) => void) | undefined;

  constructor(
    readonly webview: vscode.Webview,
    extensionUri: vscode.Uri,
    onOpenSource: OpenSource,
    private readonly log: (message: string) => void = () => {},
  ) {
    webview.options = webviewOptions(extensionUri);
    const nonce = randomBytes(18).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(mediaRoot(extensionUri), 'panel.js'));
    webview.html = reportPageHtml({ nonce, scriptUri: script.toString() });
    const htmlBytes = Buffer.byteLength(webview.html);
    webview.onDidReceiveMessage(
      (message: FromPanel) => {
        switch (message.type) {
          case 'ready': {
            const kept = threadFrom(message.thread);
            if (kept !== undefined) this.onThread?.(kept);
            this.#ready = true;
            this.#readyAt = performance.now();
            if (this.#pending.length > 0) this.#sentAt = this.#readyAt;
            for (const pending of this.#pending.splice(0)) void webview.postMessage(pending);
            break;
          }
          case 'thread':
            if (message.thread === undefined || threadFrom(message.thread) !== undefined)
              this.onThread?.(message.thread);
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
              drawnAt: Date.now(),
              // From the page, which is not trusted: kept as strings only.
              headings: Array.isArray(message.headings) ? message.headings.map(String) : [],
              ...(message.allocations
                ? {
                    allocations: {
                      summary: String(message.allocations.summary),
                      functions: Array.isArray(message.allocations.functions)
                        ? message.allocations.functions.map(String)
                        : [],
                    },
                  }
                : {}),
              functions: Array.isArray(message.functions) ? message.functions.map(String) : [],
              ...(message.threadChoice
                ? {
                    threadChoice: {
                      label: String(message.threadChoice.label),
                      options: Array.isArray(message.threadChoice.options)
                        ? message.threadChoice.options.map(String)
                        : [],
                      chosen: String(message.threadChoice.chosen),
                    },
                  }
                : {}),
            };
            break;
          case 'openSource':
            if (typeof message.file === 'string' && Number.isInteger(message.line)) {
              const file = message.file;
              void onOpenSource(file, message.line).then((result) => {
                if (result !== 'opened') this.cannotOpen(file, result);
              });
            }
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
    this.#node = report.node;
    // A choice of thread only where the host reads the thread chosen (the profile editor).
    const { threadChoice, ...rest } = report;
    const shown = this.onThread && threadChoice ? report : rest;
    this.post({ type: 'show', report: packReport(shown) });
    // A new report clears the last one's line, or says what of its run could not be opened.
    const unopened = this.#unopened;
    this.#unopened = undefined;
    if (unopened) this.cannotOpen(unopened.file, unopened.why);
    else this.post({ type: 'notice', message: '' });
  }

  /** Says, with the next report shown, that `file` cannot be opened. */
  cannotOpenWithNext(file: string, why: Exclude<OpenResult, 'opened'> = 'missing'): void {
    this.#unopened = { file, why };
  }

  /** Says, in the page where the user looks and once in the log, that `file` cannot be opened. */
  cannotOpen(file: string, why: Exclude<OpenResult, 'opened'> = 'missing'): void {
    const text = cannotOpenText(file, why, this.#node);
    if (!this.#told.has(file)) {
      this.#told.add(file);
      this.log(text);
    }
    this.post({ type: 'notice', message: text });
  }

  post(message: ToPanel): void {
    if (this.#ready) void this.webview.postMessage(message);
    else this.#pending.push(message);
  }

  dispose(): void {
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}
