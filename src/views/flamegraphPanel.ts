/**
 * The flamegraph panel: one webview beside the source with the run's summary, diagnosis and
 * flamegraph. It survives a window reload: the page keeps its report in the webview state and a
 * serializer revives the panel.
 */
import * as vscode from 'vscode';
import type { ReportData } from '../protocol/flame';
import type { PackedReport } from '../protocol/webview';
import { localCandidates, placeOf } from '../vocabulary/sourcePlace';
import { pathMappings } from './config';
import { type OpenResult, ReportWebview, type Shown, webviewOptions } from './reportWebview';

export class FlamegraphPanel implements vscode.Disposable {
  static readonly viewType = 'hotpath.flamegraph';
  #panel: { panel: vscode.WebviewPanel; page: ReportWebview } | undefined;
  readonly #disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri) {
    this.#disposables.push(
      vscode.window.registerWebviewPanelSerializer(FlamegraphPanel.viewType, {
        // The page restores its own report from its state; the host only adopts the panel.
        deserializeWebviewPanel: async (panel) => {
          if (this.#panel) panel.dispose();
          else this.#adopt(panel);
        },
      }),
    );
  }

  /**
   * Shows `report` in front: the panel opens beside the active editor, or comes to the front
   * where it is when it is behind another tab. With `besideEditor` (a run's results, whose
   * source was just opened), a panel in the active editor's own group moves beside it instead of
   * covering that source.
   */
  show(report: ReportData | PackedReport, options: { besideEditor?: boolean } = {}): void {
    const existed = this.#panel !== undefined;
    const { panel, page } = this.#ensure();
    panel.title = `Hotpath · ${report.title}`;
    page.show(report);
    if (!existed) return;
    const editor = vscode.window.activeTextEditor?.viewColumn;
    const covers = options.besideEditor && editor !== undefined && panel.viewColumn === editor;
    panel.reveal(covers ? vscode.ViewColumn.Beside : panel.viewColumn, true);
  }

  /**
   * At a run's start: a panel that is not open opens now beside the editor, saying `status`, so
   * that its page has loaded by the time the run's report comes (a new webview's page takes
   * 0.3–1.5 s to load, most of the wait between a load's end and its report). An open panel
   * keeps what it shows. Returns whether it opened one: the caller closes it if no report comes.
   */
  prepare(status: string): boolean {
    if (this.#panel) return false;
    this.#ensure().page.post({ type: 'status', message: status });
    return true;
  }

  /** Brings the panel to the front of its group (without taking focus); false when it is closed. */
  reveal(): boolean {
    if (!this.#panel) return false;
    this.#panel.panel.reveal(this.#panel.panel.viewColumn, true);
    return true;
  }

  focus(name: string, file?: string): void {
    if (!this.reveal()) return;
    this.#panel?.page.post({ type: 'focus', name, ...(file ? { file } : {}) });
  }

  /** Brings the panel to the front at its locks section, the row of `lock` marked. */
  showWaits(lock?: string): void {
    if (!this.reveal()) return;
    this.#panel?.page.post({ type: 'showWaits', ...(lock ? { lock } : {}) });
  }

  /** Closes the panel, if it is open (results cleared: nothing left to show). */
  close(): void {
    this.#panel?.panel.dispose();
  }

  /** Whether the panel is open (in front or behind another tab). */
  get open(): boolean {
    return this.#panel !== undefined;
  }

  /** What the page last told it drew. */
  get shown(): Shown | undefined {
    return this.#panel?.page.shown;
  }

  #ensure(): { panel: vscode.WebviewPanel; page: ReportWebview } {
    if (this.#panel) return this.#panel;
    const panel = vscode.window.createWebviewPanel(
      FlamegraphPanel.viewType,
      'Hotpath',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { ...webviewOptions(this.extensionUri), retainContextWhenHidden: true },
    );
    return this.#adopt(panel);
  }

  /** Where the panel says, once, what it could not open (the Hotpath log). */
  log: (message: string) => void = () => {};
  /** A source that could not be opened before there was a panel to say so, and why. */
  #unopened: { file: string; why: Exclude<OpenResult, 'opened'> } | undefined;

  /**
   * Says, with the next report shown and once in the log, that `file` (the source of that
   * report's run) cannot be opened: no notification.
   */
  cannotOpen(file: string, why: Exclude<OpenResult, 'opened'> = 'missing'): void {
    if (this.#panel) this.#panel.page.cannotOpenWithNext(file, why);
    else this.#unopened = { file, why };
  }

  #adopt(panel: vscode.WebviewPanel): { panel: vscode.WebviewPanel; page: ReportWebview } {
    const page = new ReportWebview(panel.webview, this.extensionUri, openSource, (message) =>
      this.log(message),
    );
    if (this.#unopened) page.cannotOpenWithNext(this.#unopened.file, this.#unopened.why);
    this.#unopened = undefined;
    panel.onDidDispose(() => {
      page.dispose();
      if (this.#panel?.panel === panel) this.#panel = undefined;
    });
    this.#panel = { panel, page };
    return this.#panel;
  }

  dispose(): void {
    this.#panel?.panel.dispose();
    for (const d of this.#disposables.splice(0)) d.dispose();
  }
}

/**
 * Opens a profile's file (a path or a `file://` URL) at a 1-based line, through
 * `hotpath.pathMappings`; else says why not, for the caller to say quietly: Node's own code, a
 * name that is no file, or a file not on this machine (a profile taken elsewhere).
 */
export async function openSource(file: string, line: number): Promise<OpenResult> {
  const place = placeOf(file);
  if (place.kind === 'builtin') return 'builtin';
  if (place.kind === 'none') return 'no-file';
  for (const candidate of localCandidates(file, pathMappings())) {
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(candidate));
      const at = new vscode.Position(Math.max(0, line - 1), 0);
      await vscode.window.showTextDocument(document, {
        viewColumn: vscode.ViewColumn.One,
        selection: new vscode.Range(at, at),
      });
      return 'opened';
    } catch {
      // Not here: the next candidate.
    }
  }
  return 'missing';
}
