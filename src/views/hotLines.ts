/**
 * Heat on hot lines: a background scaled by the line's share, its time after the line, a mark in
 * the overview ruler and a hover. Every update sets every level, so stale heat always clears.
 */
import * as vscode from 'vscode';
import { Config } from './config';
import type { Results } from './results';

const LEVELS = 5;

export class HotLines implements vscode.Disposable {
  readonly #types: vscode.TextEditorDecorationType[];
  readonly #disposables: vscode.Disposable[] = [];
  #enabled = true;

  constructor(
    private readonly results: Results,
    private readonly config: Config,
  ) {
    this.#enabled = config.showHotLines;
    this.#types = Array.from({ length: LEVELS }, (_, i) =>
      vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor: new vscode.ThemeColor(`hotpath.heat${i + 1}`),
        overviewRulerColor: new vscode.ThemeColor(`hotpath.heat${i + 1}`),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      }),
    );
    this.#disposables.push(
      results.onDidChange(() => this.refresh()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!Config.affects(event)) return;
        this.#enabled = config.showHotLines;
        this.refresh();
      }),
    );
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  toggle(): void {
    this.#enabled = !this.#enabled;
    this.refresh();
  }

  /** The decorations an editor gets now, by level (for tests and the refresh). */
  decorationsFor(document: vscode.TextDocument): vscode.DecorationOptions[][] {
    const byLevel: vscode.DecorationOptions[][] = Array.from({ length: LEVELS }, () => []);
    const run = this.results.current;
    if (!run || !this.#enabled) return byLevel;
    const duration = run.analysis.model.durationUs || 1;
    const lines = run.analysis.lines.filter(
      (l) => l.file === document.uri.fsPath && l.selfUs / duration >= this.config.hotLineThreshold,
    );
    const hottest = Math.max(...lines.map((l) => l.selfUs), 1);
    for (const l of lines) {
      if (l.line < 1 || l.line > document.lineCount) continue;
      const share = l.selfUs / duration;
      const level = Math.min(LEVELS - 1, Math.floor((l.selfUs / hottest) * LEVELS));
      const name = run.analysis.functions[l.functionId]?.name ?? '';
      const hover = new vscode.MarkdownString();
      hover.appendText(
        `Hotpath: ${(share * 100).toFixed(1)} % of the run's time on this line (${this.results.describeTime(l.selfUs)}), in ${name}`,
      );
      byLevel[level].push({
        // The whole line's range: the time is shown after its end.
        range: document.lineAt(l.line - 1).range,
        hoverMessage: hover,
        renderOptions: {
          after: {
            contentText: `  ${this.results.describeTime(l.selfUs)} · ${(share * 100).toFixed(1)} %`,
            color: new vscode.ThemeColor('editorCodeLens.foreground'),
          },
        },
      });
    }
    return byLevel;
  }

  /** What the last refresh drew, by editor: for the tests. */
  lastRefresh: { file: string; decorations: number }[] = [];

  refresh(): void {
    this.lastRefresh = [];
    for (const editor of vscode.window.visibleTextEditors) {
      const byLevel = this.decorationsFor(editor.document);
      this.#types.forEach((type, level) => {
        editor.setDecorations(type, byLevel[level]);
      });
      this.lastRefresh.push({
        file: editor.document.uri.fsPath,
        decorations: byLevel.flat().length,
      });
    }
  }

  dispose(): void {
    for (const d of this.#disposables.splice(0)) d.dispose();
    for (const type of this.#types) type.dispose();
  }
}
