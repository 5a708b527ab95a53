/**
 * Heat on hot lines: a background by the line's share of the run's time on a fixed scale (heat.ts), its
 * time after the line, a mark in the overview ruler and a hover with a legend. Every update sets
 * every level, so stale heat always clears.
 * Lines where requests wait for a lock (an acquire call) get a colour of their own, the wait
 * figures after the line and a mark on the ruler's other side: waiting is not CPU heat.
 *
 * Heat follows edits: a hot line moves with the lines inserted or deleted above it, and loses its
 * heat once its text is no longer the text it had when the run was shown (the file no longer
 * matches the profile there).
 */
import * as vscode from 'vscode';
import { fineMs, share as shareText } from '../report/units';
import { localPath } from '../vocabulary/sourcePlace';
import type { Config } from './config';
import { HEAT_LEVELS, heatLevel, heatScale } from './heat';
import { reanchor, shiftLines, type TrackedLine } from './lineShift';
import type { Results } from './results';

const LEVELS = HEAT_LEVELS;

/** Edits and editor switches come in bursts (typing): heat is redrawn once they pause. */
const REDRAW_DELAY_MS = 50;

/** A hot line of the run in an open document (see lineShift.ts), by its line in the profile. */
interface Tracked extends TrackedLine {
  /** The profile's 1-based line. */
  profileLine: number;
}

export class HotLines implements vscode.Disposable {
  readonly #types: vscode.TextEditorDecorationType[];
  readonly #waitType: vscode.TextEditorDecorationType;
  readonly #disposables: vscode.Disposable[] = [];
  #enabled = true;
  /** Per open document: its hot lines where they are now. Reset when the results change. */
  #tracked = new Map<string, Tracked[]>();
  /** Documents (fsPath) to redraw once edits pause; `all` for every visible editor. */
  #pending: Set<string> | 'all' = new Set();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** What the last drawing drew, by document. */
  readonly #drawn = new Map<string, { file: string; decorations: number; waits: number }>();

  constructor(
    private readonly results: Results,
    private readonly config: Config,
  ) {
    this.#enabled = config.showHotLines;
    this.#types = Array.from({ length: LEVELS }, (_, i) =>
      vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor: new vscode.ThemeColor(`hotpath.heat${i + 1}`),
        // Opaque marks (a ruler mark as pale as the line's background is not seen), and an outline
        // that high-contrast themes show and the others leave transparent.
        overviewRulerColor: new vscode.ThemeColor(`hotpath.heatRuler${i + 1}`),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        outlineColor: new vscode.ThemeColor('hotpath.heatBorder'),
        outlineStyle: 'solid',
        outlineWidth: '1px',
      }),
    );
    this.#waitType = vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('hotpath.wait'),
      overviewRulerColor: new vscode.ThemeColor('hotpath.wait'),
      overviewRulerLane: vscode.OverviewRulerLane.Left,
    });
    this.#disposables.push(
      results.onDidChange(() => {
        this.#tracked.clear();
        this.refresh();
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        const tracked = this.#tracked.get(event.document.uri.fsPath);
        if (!tracked || event.contentChanges.length === 0) return;
        // Changes of one event come in the document's order, each against the text before all.
        const changes = [...event.contentChanges].sort(
          (a, b) => b.range.start.line - a.range.start.line,
        );
        // The lines move at once (what is asked of them is right at every moment); the drawing
        // waits for a pause and touches only the editors of this document.
        for (const c of changes)
          shiftLines(tracked, {
            startLine: c.range.start.line,
            endLine: c.range.end.line,
            insertedLines: c.text.split('\n').length - 1,
          });
        this.#redrawSoon(event.document.uri.fsPath);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.#tracked.delete(document.uri.fsPath);
        this.#drawn.delete(document.uri.fsPath);
      }),
      vscode.window.onDidChangeVisibleTextEditors(() => this.#redrawSoon('all')),
      vscode.window.onDidChangeActiveTextEditor(() => this.#redrawSoon('all')),
      config.onDidChange((change) => {
        if (!change.hotLines && !change.paths) return;
        this.#enabled = config.showHotLines;
        // Other files may now be the profile's: their lines are read again.
        if (change.paths) this.#tracked.clear();
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
    const threshold = this.config.hotLineThreshold;
    const now = this.#whereNow(document);
    for (const l of this.#heatLines(document)) {
      const at = now.get(l.line);
      if (at === undefined) continue;
      const share = l.selfUs / duration;
      // The line's share of the whole run, on a fixed scale: a cold file looks cold.
      const level = heatLevel(share, threshold);
      if (level === 0) continue;
      const name = run.analysis.functions[l.functionId]?.name ?? '';
      const hover = new vscode.MarkdownString();
      hover.appendText(
        vscode.l10n.t(
          "Hotpath: {0} of the run's time on this line ({1}), in {2}",
          shareText(share),
          this.results.describeTime(l.selfUs),
          name,
        ),
      );
      hover.appendMarkdown('\n\n');
      hover.appendText(heatLegend(level, threshold));
      byLevel[level - 1].push({
        // The whole line's range: the time is shown after its end.
        range: document.lineAt(at).range,
        hoverMessage: hover,
        renderOptions: {
          after: {
            contentText: `  ${this.results.describeTime(l.selfUs)} · ${shareText(share)}`,
            color: new vscode.ThemeColor('editorCodeLens.foreground'),
          },
        },
      });
    }
    return byLevel;
  }

  /** The wait marks an editor gets now: one per lock acquire site in the document. */
  waitDecorationsFor(document: vscode.TextDocument): vscode.DecorationOptions[] {
    const run = this.results.current;
    if (!run?.waits || !this.#enabled) return [];
    const now = this.#whereNow(document);
    const marks: vscode.DecorationOptions[] = [];
    for (const site of this.#waitSites(document)) {
      const at = now.get(site.site.line);
      if (at === undefined) continue;
      const hover = new vscode.MarkdownString();
      const figures = {
        lock: site.name,
        kind: site.kind,
        p50: fineMs(site.waitMs.p50),
        p99: fineMs(site.waitMs.p99),
        share: shareText(site.waitShare),
        held: fineMs(site.holdMs.p50),
        count: site.waitMs.count,
        perSec: site.perSec.toFixed(1),
      };
      hover.appendText(
        site.heldAcrossAwait
          ? vscode.l10n.t(
              'Hotpath: requests waited for {lock} (a {kind}) {p50} (p50, p99 {p99}), {share} of their latency; each holder kept it {held} (p50), across an await. Granted {count} times, {perSec} a second of the profiled window (every acquire call, not requests).',
              figures,
            )
          : vscode.l10n.t(
              'Hotpath: requests waited for {lock} (a {kind}) {p50} (p50, p99 {p99}), {share} of their latency; each holder kept it {held} (p50). Granted {count} times, {perSec} a second of the profiled window (every acquire call, not requests).',
              figures,
            ),
      );
      marks.push({
        range: document.lineAt(at).range,
        hoverMessage: hover,
        renderOptions: {
          after: {
            contentText: `  ⏳ ${
              site.heldAcrossAwait
                ? vscode.l10n.t(
                    'waited {0} p50 · held {1} across an await',
                    figures.p50,
                    figures.held,
                  )
                : vscode.l10n.t('waited {0} p50 · held {1}', figures.p50, figures.held)
            }`,
            color: new vscode.ThemeColor('editorCodeLens.foreground'),
          },
        },
      });
    }
    return marks;
  }

  #heatLines(document: vscode.TextDocument) {
    const run = this.results.current;
    if (!run) return [];
    const duration = run.analysis.model.durationUs || 1;
    const here = this.#isDocument(document);
    return run.analysis.lines.filter(
      (l) => here(l.file) && l.selfUs / duration >= this.config.hotLineThreshold,
    );
  }

  #waitSites(document: vscode.TextDocument) {
    const here = this.#isDocument(document);
    return (this.results.current?.waits?.sites ?? []).filter(
      (s) => here(s.site.file) && s.asked > 0,
    );
  }

  /** Whether a profile's file is this document, through `hotpath.pathMappings`. */
  #isDocument(document: vscode.TextDocument): (file: string) => boolean {
    const mappings = this.config.pathMappings;
    const fsPath = document.uri.fsPath;
    return (file) => file === fsPath || localPath(file, mappings) === fsPath;
  }

  /** The profile's lines of interest in a document (heat and waits), where they are now. */
  #whereNow(document: vscode.TextDocument): Map<number, number> {
    const file = document.uri.fsPath;
    let tracked = this.#tracked.get(file);
    if (!tracked) {
      // First sight of the document since the run was shown: its lines are the profile's.
      const profileLines = new Set([
        ...this.#heatLines(document).map((l) => l.line),
        ...this.#waitSites(document).map((s) => s.site.line),
      ]);
      tracked = [...profileLines]
        .filter((line) => line >= 1 && line <= document.lineCount)
        .map((line) => ({
          profileLine: line,
          line: line - 1,
          home: line - 1,
          text: document.lineAt(line - 1).text,
        }));
      this.#tracked.set(file, tracked);
    }
    const textAt = (line: number) =>
      line >= 0 && line < document.lineCount ? document.lineAt(line).text : undefined;
    const now = new Map<number, number>();
    for (const t of tracked) {
      reanchor(t, textAt);
      if (t.line >= 0) now.set(t.profileLine, t.line);
    }
    return now;
  }

  /** What was last drawn in each visible editor: for the tests. */
  get lastRefresh(): { file: string; decorations: number; waits: number }[] {
    return vscode.window.visibleTextEditors.flatMap((editor) => {
      const drawn = this.#drawn.get(editor.document.uri.fsPath);
      return drawn ? [drawn] : [];
    });
  }

  /** Redraws every visible editor now (new results, a toggle, a setting). */
  refresh(): void {
    this.#draw('all');
  }

  /** Redraws the visible editors of `file` (or all) once the burst of events pauses. */
  #redrawSoon(file: string | 'all'): void {
    if (file === 'all') this.#pending = 'all';
    else if (this.#pending !== 'all') this.#pending.add(file);
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const pending = this.#pending;
      this.#pending = new Set();
      this.#draw(pending);
    }, REDRAW_DELAY_MS);
  }

  /** Every decoration type set on each visible editor of `files`, empty ones too: stale heat clears. */
  #draw(files: ReadonlySet<string> | 'all'): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const file = editor.document.uri.fsPath;
      if (files !== 'all' && !files.has(file)) continue;
      const byLevel = this.decorationsFor(editor.document);
      this.#types.forEach((type, level) => {
        editor.setDecorations(type, byLevel[level]);
      });
      const waits = this.waitDecorationsFor(editor.document);
      editor.setDecorations(this.#waitType, waits);
      this.#drawn.set(file, { file, decorations: byLevel.flat().length, waits: waits.length });
    }
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const d of this.#disposables.splice(0)) d.dispose();
    for (const type of this.#types) type.dispose();
    this.#waitType.dispose();
  }
}

/** The hover's legend: what the colours mean (on the fixed scale of heat.ts), and this line's level. */
function heatLegend(level: number, threshold: number): string {
  const { bounds, palest } = heatScale(threshold);
  return vscode.l10n.t(
    "Heat {0} of {1}: the colour is the line's share of the whole run's time ({2}, palest from {3}), not its rank in this file.",
    level,
    HEAT_LEVELS,
    bounds,
    palest,
  );
}
