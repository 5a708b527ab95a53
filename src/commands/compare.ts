/** "Compare With Previous Run", "Compare With…" and "Compare Ramp Steps Around the Knee". */
import * as vscode from 'vscode';
import { type Comparison, compareRuns } from '../profile/compare';
import type { LoadedRun } from '../profile/loadedRun';
import type { RunRecord } from '../record/run';
import { comparisonHeadline, comparisonVerdicts, runLabel } from '../report/text';
import { comparedRun, loadRampSteps } from '../runs/runFolder';
import type { Ctx } from './context';
import { pickRun } from './pickers';

/**
 * Compares the last run taken with the one taken before it (opening a profile or a run to read
 * it changes neither): ratios in a message, the diff flamegraph.
 */
export function compareWithPrevious(ctx: Ctx) {
  return async (): Promise<Comparison | undefined> => {
    const runs = await ctx.lastTwoRuns();
    if (!runs) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Hotpath: there is no previous run to compare with yet.'),
      );
      return undefined;
    }
    return showRunComparison(ctx, ...runs);
  };
}

/**
 * "Compare With…": any two saved runs, picked one after the other in the runs folder (or browsed
 * to), the one before first. Callers (tests, other extensions) may name both folders.
 */
export function compareWith(ctx: Ctx) {
  return async (beforeFolder?: string, afterFolder?: string): Promise<Comparison | undefined> => {
    const before =
      beforeFolder ??
      (await pickRun(ctx, vscode.l10n.t('Hotpath: compare — the run before (1 of 2)')));
    if (!before) return undefined;
    const after =
      afterFolder ??
      (await pickRun(ctx, vscode.l10n.t('Hotpath: compare — the run after (2 of 2)'), before));
    if (!after) return undefined;
    const [a, b] = await Promise.all([ctx.readRun(before), ctx.readRun(after)]);
    return showRunComparison(ctx, a, b);
  };
}

/** Two runs compared: the diff flamegraph in the panel, the headline in a message and the log. */
function showRunComparison(ctx: Ctx, before: LoadedRun, after: LoadedRun): Comparison {
  const comparison = compareRuns(comparedRun(before), comparedRun(after));
  // By endpoint and start time: two runs of one endpoint are told apart.
  const labels: [string, string] = [runLabel(before), runLabel(after)];
  const records: [RunRecord | undefined, RunRecord | undefined] = [before.record, after.record];
  ctx.showComparison(comparison, labels, records, records, after);
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Hotpath: {0} → {1}: {2}',
      labels[0],
      labels[1],
      comparisonHeadline(comparison, ctx.workspace).text,
    ),
  );
  return comparison;
}

/**
 * The current ramp run's knee against the step after it, each step with the profile of its own
 * seconds: what changed when more connections stopped bringing more throughput.
 */
export function compareRampSteps(ctx: Ctx) {
  return (): Comparison | undefined => {
    const run = ctx.results.current;
    if (!run?.record?.load?.ramp) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          'Hotpath: the current run is not a ramp. Profile an endpoint with the "ramp" preset first.',
        ),
      );
      return undefined;
    }
    const [before, after] = loadRampSteps(run.folder);
    const comparison = compareRuns(before.compared, after.compared);
    const labels: [string, string] = [before.label, after.label];
    ctx.showComparison(comparison, labels, [before.compared, after.compared]);
    const [verdict] = comparisonVerdicts(comparison);
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Hotpath: {0} → {1}: {2}.', labels[0], labels[1], verdict),
    );
    return comparison;
  };
}
