/**
 * CodeLens above each hot function of an open file (its share, time per request, the endpoint)
 * and each lock's acquire site: one a line.
 */
import * as vscode from 'vscode';
import { type AnalyzedFunction, sourceOf } from '../profile/analyze';
import type { Comparison, DiffNode } from '../profile/compare';
import type { AllocatingFunction } from '../profile/heapprofile';
import type { LoadedRun } from '../profile/loadedRun';
import { scriptPath } from '../profile/sourcemaps';
import type { StallFunction } from '../profile/stalls';
import type { LockSite } from '../profile/waits';
import { bytes, change as changeText, fineMs, share } from '../report/units';
import { responsesOf } from '../vocabulary/served';
import { localPath } from '../vocabulary/sourcePlace';
import type { Config } from './config';
import { LENS_FLOOR, type LensCandidate, oneLensALine } from './lensOrder';
import type { Results } from './results';

/** A function's own time under this share of the window shows as "0.0 %": its total is told. */
const SELF_FLOOR = 0.0005;

/**
 * ⏳ over a lock's acquire site, what matters first (the lens is cut at the editor's width):
 * the share of the latency spent waiting for it and whether it is held across an await.
 */
function lockLens(site: LockSite, line: number, endpoint: string): vscode.CodeLens {
  const figures = vscode.l10n.t(
    '{share} % of latency waiting for {lock}{across} · waited {wait} p50 · held {held} · {perSec} acquired/s · {endpoint}',
    {
      share: Math.round(site.waitShare * 100),
      lock: site.name,
      across: site.heldAcrossAwait ? `, ${vscode.l10n.t('held across an await')}` : '',
      wait: fineMs(site.waitMs.p50),
      held: fineMs(site.holdMs.p50),
      perSec: site.perSec.toFixed(site.perSec >= 10 ? 0 : 1),
      endpoint,
    },
  );
  return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
    title: `⏳ ${figures}`,
    tooltip: vscode.l10n.t(
      'Requests waited for {0} (a {1}) in the last Hotpath run; click for the report',
      site.name,
      site.kind,
    ),
    // The report is shown (opened, or brought to the front) at its locks, this one marked.
    command: 'hotpath.showFlamegraph',
    arguments: [{ lock: site.name }],
  });
}

/** "blocked the loop 31 times, longest 290 ms", and the endpoint when the lens is its own. */
function stallText(row: StallFunction, endpoint?: string): string {
  const longest = fineMs(row.longestMs);
  const text =
    row.stalls === 1
      ? vscode.l10n.t('blocked the loop once, for {longest}', { longest })
      : vscode.l10n.t('blocked the loop {count} times, longest {longest}', {
          count: row.stalls,
          longest,
        });
  return endpoint ? `${text} · ${endpoint}` : text;
}

function stallTooltip(f: AnalyzedFunction, row: StallFunction, run: LoadedRun): string {
  return vscode.l10n.t(
    '{0} was running in {1} turns of the event loop longer than {2} in the last Hotpath run ({3} of its samples in them); click for the flamegraph',
    f.name,
    row.stalls,
    fineMs(run.stalls?.thresholdMs ?? 0),
    fineMs(row.sampledUs / 1000),
  );
}

/** A function's allocations: "38 KB/req allocated · 61 %" (of the run's bytes). */
interface AllocationLens {
  perRequestBytes?: number;
  bytes: number;
  share: number;
}

/** "⬚ 38 KB/req allocated · 61 %" (or the bytes in all, without a count of requests). */
function allocationText(a: AllocationLens): string {
  return `⬚ ${vscode.l10n.t('{bytes} allocated · {share}', {
    bytes: a.perRequestBytes !== undefined ? `${bytes(a.perRequestBytes)}/req` : bytes(a.bytes),
    share: share(a.share),
  })}`;
}

/** The user's functions under this share of the run's bytes get no allocation lens. */
const MIN_ALLOCATED = 0.01;

function allocationTooltip(name: string): string {
  return vscode.l10n.t(
    '{0} allocated these bytes in the last Hotpath run (V8 records the allocating function, not the line); click for the flamegraph',
    name,
  );
}

/** Functions with under this share of the samples inside stalls get no stall lens. */
const MIN_BLOCKING = 0.01;

interface LensIndex {
  run: LoadedRun;
  byFile: Map<string, { f: AnalyzedFunction; line: number }[]>;
  /** The user's functions that were running while the event loop stalled. */
  stallsByFile: Map<string, { f: AnalyzedFunction; line: number; row: StallFunction }[]>;
  /** The user's functions that allocated, by the line V8 gives: the function's own. */
  allocationsByFile: Map<string, Map<number, { f: AllocatingFunction; lens: AllocationLens }>>;
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

  /**
   * One lens a line, in this order of priority: what the run's diagnosis names (its function or
   * lock), then time (a function's total share of the window, a lock's share of the latency);
   * what later floors add (a comparison's change) is said at the end of the line. Below the floor
   * (`LENS_FLOOR` of the window in total) a function gets no lens.
   */
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const run = this.results.current;
    if (!run || !this.config.showCodeLens) return [];
    const file = document.uri.fsPath;
    const endpoint = run.record
      ? `${run.record.endpoint.method} ${run.record.endpoint.path}`
      : vscode.l10n.t('profile');
    const lookAt = run.diagnosis.lookAt;
    const candidates: LensCandidate<vscode.CodeLens>[] = [];
    const lineOf = (sourceLine: number) =>
      Math.min(Math.max(0, sourceLine - 1), document.lineCount - 1);
    for (const { f, line: sourceLine } of this.#functionsIn(run, file)) {
      const line = lineOf(sourceLine);
      candidates.push({
        line,
        named:
          lookAt?.waitShare === undefined &&
          lookAt?.functionName === f.name &&
          this.#isFile(lookAt.file, file),
        weight: f.totalUs / (run.analysis.model.durationUs || 1),
        lens: this.#functionLens(run, f, file, line, endpoint),
      });
    }
    // What blocked the event loop: said at the end of the function's own lens line, or as a
    // lens of its own where the function's time is under the floor.
    const stalls = this.#stallsIn(run, file);
    const lensed = new Set(candidates.map((c) => c.line));
    for (const { f, line: sourceLine, row } of stalls) {
      const line = lineOf(sourceLine);
      if (lensed.has(line)) continue;
      candidates.push({
        line,
        named: false,
        weight: f.totalUs / (run.analysis.model.durationUs || 1),
        lens: new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: `⏸ ${stallText(row, endpoint)}`,
          tooltip: stallTooltip(f, row, run),
          command: 'hotpath.showFlamegraph',
          arguments: [{ name: f.name, file }],
        }),
      });
    }
    // Where memory is allocated: at the end of the function's own lens line, or as a lens of its
    // own where the function's time is under the floor. V8 gives the function, never the line.
    for (const c of candidates) lensed.add(c.line);
    for (const [sourceLine, { f, lens: a }] of this.#indexOf(run).allocationsByFile.get(file) ??
      []) {
      const line = lineOf(sourceLine);
      if (lensed.has(line)) continue;
      candidates.push({
        line,
        named: false,
        weight: a.share,
        lens: new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: `${allocationText(a)} · ${endpoint}`,
          tooltip: allocationTooltip(f.name),
          command: 'hotpath.showFlamegraph',
          arguments: [{ name: f.name, file }],
        }),
      });
    }
    for (const site of run.waits?.sites ?? []) {
      if (site.asked === 0 || !this.#isFile(site.site.file, file)) continue;
      const line = lineOf(site.site.line);
      candidates.push({
        line,
        named:
          lookAt?.waitShare !== undefined &&
          this.#isFile(lookAt.file, file) &&
          lookAt.line === site.site.line,
        weight: site.waitShare,
        lens: lockLens(site, line, endpoint),
      });
    }
    return oneLensALine(candidates);
  }

  /** Whether a profile's file (mapped to this machine) is the document's. */
  #isFile(profileFile: string, file: string): boolean {
    return profileFile === file || localPath(profileFile, this.config.pathMappings) === file;
  }

  /**
   * 🔥 with a function's self and total share and its self time per request; a function with
   * next to no time of its own (a handler that calls the work) says its total per request and
   * leaves the "0.0 % self · 0 ms/req" out.
   */
  #functionLens(
    run: LoadedRun,
    f: AnalyzedFunction,
    file: string,
    line: number,
    endpoint: string,
  ): vscode.CodeLens {
    const duration = run.analysis.model.durationUs || 1;
    // What blocked the event loop goes before the endpoint: the line still ends with the
    // endpoint, and a comparison's change after it.
    const stall = this.#stallsIn(run, file).find((s) => s.f === f)?.row;
    const at = sourceOf(f);
    const allocated = at
      ? this.#indexOf(run).allocationsByFile.get(file)?.get(at.line)?.lens
      : undefined;
    const where = [
      ...(stall ? [`⏸ ${stallText(stall)}`] : []),
      ...(allocated ? [allocationText(allocated)] : []),
      endpoint,
    ].join(' · ');
    const figures =
      f.selfUs / duration >= SELF_FLOOR
        ? vscode.l10n.t(
            '{0} self · {1} total · {2} · {3}',
            share(f.selfUs / duration),
            share(f.totalUs / duration),
            this.results.describeTime(f.selfUs),
            where,
          )
        : vscode.l10n.t(
            '{0} total · {1} with what it calls · {2}',
            share(f.totalUs / duration),
            this.results.describeTime(f.totalUs),
            where,
          );
    return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
      title: `🔥 ${figures}${this.#changeOf(f, file)}`,
      tooltip: stall
        ? stallTooltip(f, stall, run)
        : vscode.l10n.t(
            '{0}: self and total time in the last Hotpath run; click to find it in the flamegraph',
            f.name,
          ),
      command: 'hotpath.showFlamegraph',
      arguments: [{ name: f.name, file }],
    });
  }

  /**
   * What the comparison shown says of the function: its self time's change, or "new since
   * previous" only when the earlier run did not have it at all (a handler whose own time was
   * none before still ran, under what it calls).
   */
  #changeOf(f: AnalyzedFunction, file: string): string {
    const comparison = this.results.comparison;
    if (!comparison) return '';
    const keys = [`${f.name}\0${file}`, `${f.name}\0${f.generated.url}`];
    const change = comparison.functions.find((c) => keys.includes(`${c.name}\0${c.file}`));
    if (change && change.before > 0)
      return ` · ${vscode.l10n.t('self {0} vs previous', changeText(change.after / change.before - 1))}`;
    const earlier = this.#inEarlierRun(comparison);
    if (keys.some((k) => earlier.has(k))) return '';
    return change ? ` · ${vscode.l10n.t('new since previous')}` : '';
  }

  /** The functions of the comparison's earlier run, anywhere in its call tree (by name and file). */
  #inEarlierRun(comparison: Comparison): Set<string> {
    if (this.#earlier?.comparison !== comparison) {
      const names = new Set<string>();
      const stack: DiffNode[] = [comparison.tree];
      for (let node = stack.pop(); node; node = stack.pop()) {
        if (node.before > 0) names.add(`${node.name}\0${node.file}`);
        stack.push(...node.children);
      }
      this.#earlier = { comparison, names };
    }
    return this.#earlier.names;
  }

  #earlier: { comparison: Comparison; names: Set<string> } | undefined;

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
        if (!where || f.totalUs / duration < LENS_FLOOR) continue;
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
      const allocationsByFile: LensIndex['allocationsByFile'] = new Map();
      const allocations = run.allocations;
      const responses = responsesOf(run.record)?.count;
      for (const f of allocations?.functions ?? []) {
        const share = f.selfBytes / (allocations?.totalBytes || 1);
        if (f.category !== 'user' || share < MIN_ALLOCATED) continue;
        const source = f.original?.source ?? scriptPath(f.generated.url);
        const line = f.original?.line ?? f.generated.line;
        if (!source || !(line > 0)) continue;
        const key = localPath(source, mappings) ?? source;
        const entries = allocationsByFile.get(key) ?? new Map();
        entries.set(line, {
          f,
          lens: {
            bytes: f.selfBytes,
            share,
            ...(responses && allocations?.mode === 'allocated'
              ? { perRequestBytes: f.selfBytes / responses }
              : {}),
          },
        });
        allocationsByFile.set(key, entries);
      }
      this.#index = { run, byFile, stallsByFile, allocationsByFile };
    }
    return this.#index;
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#changed.dispose();
  }
}
