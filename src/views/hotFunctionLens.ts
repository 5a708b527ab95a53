/** CodeLens above each hot function of an open file: its share, time per request, the endpoint. */
import * as vscode from 'vscode';
import { type AnalyzedFunction, sourceOf } from '../profile/analyze';
import type { LoadedRun } from '../profile/loadedRun';
import type { StallFunction } from '../profile/stalls';
import { change as changeText, fineMs, share } from '../report/units';
import { localPath } from '../vocabulary/sourcePlace';
import type { Config } from './config';
import type { Results } from './results';

/** Functions under this share of the profile get no lens. */
const MIN_SHARE = 0.005;

/** Functions with under this share of the samples inside stalls get no stall lens. */
const MIN_BLOCKING = 0.01;

interface LensIndex {
  run: LoadedRun;
  byFile: Map<string, { f: AnalyzedFunction; line: number }[]>;
  /** The user's functions that were running while the event loop stalled. */
  stallsByFile: Map<string, { f: AnalyzedFunction; line: number; row: StallFunction }[]>;
}

export class HotFunctionLenses implements vscode.CodeLensProvider, vscode.Disposable {
  readonly #changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.#changed.event;
  readonly #subscription: vscode.Disposable;
  /**
   * The current run's lens-worthy functions by source file, made once per run: a document's
   * lenses are then one lookup, not a walk over every function of the profile.
   */
  #index: LensIndex | undefined;

  constructor(
    private readonly results: Results,
    private readonly config: Config,
  ) {
    this.#subscription = vscode.Disposable.from(
      results.onDidChange(() => {
        this.#index = undefined;
        this.#changed.fire();
      }),
      config.onDidChange((change) => {
        if (!change.codeLens && !change.paths) return;
        if (change.paths) this.#index = undefined;
        this.#changed.fire();
      }),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const run = this.results.current;
    if (!run || !this.config.showCodeLens) return [];
    const file = document.uri.fsPath;
    const duration = run.analysis.model.durationUs || 1;
    const endpoint = run.record
      ? `${run.record.endpoint.method} ${run.record.endpoint.path}`
      : vscode.l10n.t('profile');
    const changes = new Map(
      (this.results.comparison?.functions ?? []).map((c) => [`${c.name}\0${c.file}`, c]),
    );
    const lenses: vscode.CodeLens[] = [];
    for (const { f, line: sourceLine } of this.#functionsIn(run, file)) {
      const line = Math.min(Math.max(0, sourceLine - 1), document.lineCount - 1);
      // A comparison names a function by its original file, or by its script URL when it has no map.
      const change =
        changes.get(`${f.name}\0${file}`) ?? changes.get(`${f.name}\0${f.generated.url}`);
      const delta = !change
        ? ''
        : change.before > 0
          ? ` · ${vscode.l10n.t('self {0} vs previous', changeText(change.after / change.before - 1))}`
          : ` · ${vscode.l10n.t('new since previous')}`;
      const figures = vscode.l10n.t(
        '{0} self · {1} total · {2} · {3}',
        share(f.selfUs / duration),
        share(f.totalUs / duration),
        this.results.describeTime(f.selfUs),
        endpoint,
      );
      lenses.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: `🔥 ${figures}${delta}`,
          tooltip: vscode.l10n.t(
            '{0}: self and total time in the last Hotpath run; click to find it in the flamegraph',
            f.name,
          ),
          command: 'hotpath.showFlamegraph',
          arguments: [{ name: f.name, file }],
        }),
      );
    }
    for (const { f, line: sourceLine, row } of this.#stallsIn(run, file)) {
      const line = Math.min(Math.max(0, sourceLine - 1), document.lineCount - 1);
      const title = vscode.l10n.t(
        'blocked the loop {count} times, longest {longest} · {endpoint}',
        {
          count: row.stalls,
          longest: fineMs(row.longestMs),
          endpoint,
        },
      );
      lenses.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: `⏸ ${title}`,
          tooltip: vscode.l10n.t(
            '{0} was running in {1} turns of the event loop longer than {2} in the last Hotpath run ({3} of its samples in them); click for the flamegraph',
            f.name,
            row.stalls,
            fineMs(run.stalls?.thresholdMs ?? 0),
            fineMs(row.sampledUs / 1000),
          ),
          command: 'hotpath.showFlamegraph',
          arguments: [{ name: f.name, file }],
        }),
      );
    }
    for (const site of run.waits?.sites ?? []) {
      if (site.site.file !== file || site.asked === 0) continue;
      const line = Math.min(Math.max(0, site.site.line - 1), document.lineCount - 1);
      const figures = vscode.l10n.t(
        '{lock}: waited {wait} p50 · held {held} · {perSec} acquired/s · {share} % of latency · {endpoint}',
        {
          lock: site.name,
          wait: fineMs(site.waitMs.p50),
          held: fineMs(site.holdMs.p50),
          perSec: site.perSec.toFixed(site.perSec >= 10 ? 0 : 1),
          share: Math.round(site.waitShare * 100),
          endpoint,
        },
      );
      const across = site.heldAcrossAwait ? ` · ${vscode.l10n.t('held across an await')}` : '';
      lenses.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: `⏳ ${figures}${across}`,
          tooltip: vscode.l10n.t(
            'Requests waited for {0} (a {1}) in the last Hotpath run; click for the report',
            site.name,
            site.kind,
          ),
          // The report is shown (opened, or brought to the front) at its locks, this one marked.
          command: 'hotpath.showFlamegraph',
          arguments: [{ lock: site.name }],
        }),
      );
    }
    return lenses;
  }

  #functionsIn(run: LoadedRun, file: string): { f: AnalyzedFunction; line: number }[] {
    return this.#indexOf(run).byFile.get(file) ?? [];
  }

  #stallsIn(
    run: LoadedRun,
    file: string,
  ): { f: AnalyzedFunction; line: number; row: StallFunction }[] {
    return this.#indexOf(run).stallsByFile.get(file) ?? [];
  }

  #indexOf(run: LoadedRun): LensIndex {
    if (this.#index?.run !== run) {
      const duration = run.analysis.model.durationUs || 1;
      const byFile: LensIndex['byFile'] = new Map();
      const stallsByFile: LensIndex['stallsByFile'] = new Map();
      const mappings = this.config.pathMappings;
      // Keyed by where the file is here: a profile taken elsewhere names its own folders.
      const placed = (f: AnalyzedFunction) => {
        const where = sourceOf(f);
        return where && { file: localPath(where.source, mappings) ?? where.source, ...where };
      };
      for (const f of run.analysis.functions) {
        const where = placed(f);
        if (!where || f.totalUs / duration < MIN_SHARE) continue;
        const entries = byFile.get(where.file) ?? [];
        entries.push({ f, line: where.line });
        byFile.set(where.file, entries);
      }
      const byId = new Map(run.analysis.functions.map((f) => [f.id, f]));
      const stalls = run.stalls?.functions ?? [];
      const blocking = stalls.reduce((sum, row) => sum + row.sampledUs, 0);
      for (const row of stalls) {
        // Passing through a stall (an await's continuation, a lock taken) is not blocking it.
        if (row.sampledUs < blocking * MIN_BLOCKING) continue;
        const f = byId.get(row.functionId);
        const where = f?.category === 'user' ? placed(f) : undefined;
        if (!f || !where) continue;
        const entries = stallsByFile.get(where.file) ?? [];
        entries.push({ f, line: where.line, row });
        stallsByFile.set(where.file, entries);
      }
      this.#index = { run, byFile, stallsByFile };
    }
    return this.#index;
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#changed.dispose();
  }
}
