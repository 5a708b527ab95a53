/** "Compare With Previous Run", "Compare With…" and "Compare Ramp Steps Around the Knee". */
import * as vscode from 'vscode';
import type { Comparison } from '../profile/compare';
import type { Ctx } from './context';
import { pickRun } from './pickers';

/**
 * Compares the last run taken with the one taken before it (opening a profile or a run to read
 * it changes neither): ratios in a message, the diff flamegraph. Read and compared in the
 * analysis worker, like every comparison.
 */
export function compareWithPrevious(ctx: Ctx) {
  return async (): Promise<Comparison | undefined> => {
    const runs = ctx.lastTwoRuns();
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
    return showRunComparison(ctx, before, after);
  };
}

/** Two runs compared: the diff flamegraph in the panel, the headline in a message and the log. */
async function showRunComparison(ctx: Ctx, before: string, after: string): Promise<Comparison> {
  const figures = await ctx.compare({ type: 'compare', before, after });
  ctx.showComparison(figures);
  const [a, b] = figures.labels;
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Hotpath: {0} → {1}: {2}', a, b, figures.headline.text),
  );
  return figures.comparison;
}

/**
 * The current ramp run's knee against the step after it, each step with the profile of its own
 * seconds: what changed when more connections stopped bringing more throughput.
 */
export function compareRampSteps(ctx: Ctx) {
  return async (): Promise<Comparison | undefined> => {
    const run = ctx.results.current;
    if (!run?.record?.load?.ramp) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          'Hotpath: the current run is not a ramp. Profile an endpoint with the "ramp" preset first.',
        ),
      );
      return undefined;
    }
    const figures = await ctx.compare({ type: 'rampSteps', target: run.folder });
    ctx.showComparison(figures);
    const [a, b] = figures.labels;
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Hotpath: {0} → {1}: {2}.', a, b, figures.verdict),
    );
    return figures.comparison;
  };
}
