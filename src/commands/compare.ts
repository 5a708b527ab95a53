/** "Compare With Previous Run", "Compare With…" and "Compare Ramp Steps Around the Knee". */
import * as vscode from 'vscode';
import type { Comparison } from '../profile/compare';
import type { RunRecord } from '../record/run';
import { listRuns } from '../runs/savedRuns';
import type { Ctx } from './context';
import { pickRun } from './pickers';

/**
 * What Compare With Previous Run does when the last run's endpoint has no earlier run: asks, or
 * (a caller such as a test) is told in advance — compare with the run taken before it anyway
 * ('anyway'), or pick the run before ('pick').
 */
export type OtherEndpoint = 'anyway' | 'pick';

/**
 * Compares the last run taken with the latest earlier run of the same endpoint, saved in the runs
 * folder (opening a profile or a run to read it changes neither): ratios in a message, the diff
 * flamegraph. When that endpoint has no earlier run, asks whether to compare with the run taken
 * before it (a different endpoint: the comparison says so and draws no verdict) or to pick one.
 * Read and compared in the analysis worker, like every comparison.
 */
export function compareWithPrevious(ctx: Ctx) {
  return async (otherEndpoint?: OtherEndpoint): Promise<Comparison | undefined> => {
    const last = ctx.lastRun();
    if (!last) {
      tellNoPrevious();
      return undefined;
    }
    const saved = await listRuns(ctx.runsFolder);
    const record = saved.find((r) => r.folder === last)?.record;
    const before =
      record && saved.find((r) => r.folder !== last && isEarlierRunOf(r.record, record));
    if (before) return showRunComparison(ctx, before.folder, last);
    const taken = ctx.lastTwoRuns()?.[0];
    if (!taken && saved.length < 2) {
      tellNoPrevious();
      return undefined;
    }
    const endpoint = record ? `${record.endpoint.method} ${record.endpoint.path}` : last;
    const anyway = vscode.l10n.t('Compare Anyway');
    const pick = vscode.l10n.t('Pick a Run…');
    const answer =
      otherEndpoint ??
      (await vscode.window
        .showInformationMessage(
          taken
            ? vscode.l10n.t(
                'Hotpath: no earlier run of {0} to compare with. Compare it with the run before it, of another endpoint (the figures then tell the endpoints apart, not a change), or pick a run?',
                endpoint,
              )
            : vscode.l10n.t(
                'Hotpath: no earlier run of {0} to compare with. Pick a run?',
                endpoint,
              ),
          ...(taken ? [anyway] : []),
          pick,
        )
        .then((picked) => (picked === anyway ? 'anyway' : picked === pick ? 'pick' : undefined)));
    if (answer === 'anyway' && taken) return showRunComparison(ctx, taken, last);
    if (answer === 'pick') return compareWith(ctx)(undefined, last);
    return undefined;
  };
}

function tellNoPrevious(): void {
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Hotpath: there is no previous run to compare with yet.'),
  );
}

/** Whether `run` loaded the same endpoint as `last`, and began before it. */
function isEarlierRunOf(run: RunRecord, last: RunRecord): boolean {
  const startedAt = (r: RunRecord) => Date.parse(r.timings?.startedAt ?? '') || 0;
  return (
    run.endpoint.method === last.endpoint.method &&
    run.endpoint.path === last.endpoint.path &&
    startedAt(run) < startedAt(last)
  );
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
  const text = vscode.l10n.t('Hotpath: {0} → {1}: {2}', a, b, figures.headline.text);
  ctx.tellNote(text);
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
