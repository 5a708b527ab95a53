/** "Compare With Previous Run" and "Compare Ramp Steps Around the Knee". */
import * as vscode from 'vscode';
import { type Comparison, compareRuns } from '../profile/compare';
import type { RunRecord } from '../record/run';
import { comparisonHeadline, comparisonVerdicts, runLabel } from '../report/text';
import { comparedRun, loadRampSteps } from '../runs/runFolder';
import type { Ctx } from './context';

/** Compares the current run with the previous one: ratios in a message, the diff flamegraph. */
export function compareWithPrevious(ctx: Ctx) {
  return (): Comparison | undefined => {
    const before = ctx.previous;
    const after = ctx.results.current;
    if (!before || !after) {
      void vscode.window.showInformationMessage(
        'Hotpath: there is no previous run to compare with yet.',
      );
      return undefined;
    }
    const comparison = compareRuns(comparedRun(before), comparedRun(after));
    const labels: [string, string] = [runLabel(before), runLabel(after)];
    const records: [RunRecord | undefined, RunRecord | undefined] = [before.record, after.record];
    ctx.showComparison(comparison, labels, records, records);
    void vscode.window.showInformationMessage(
      `Hotpath: ${labels[0]} → ${labels[1]}: ${comparisonHeadline(comparison, ctx.workspace).text}`,
    );
    return comparison;
  };
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
        'Hotpath: the current run is not a ramp. Profile an endpoint with the "ramp" preset first.',
      );
      return undefined;
    }
    const [before, after] = loadRampSteps(run.folder);
    const comparison = compareRuns(before.compared, after.compared);
    const labels: [string, string] = [before.label, after.label];
    ctx.showComparison(comparison, labels, [before.compared, after.compared]);
    const [verdict] = comparisonVerdicts(comparison);
    void vscode.window.showInformationMessage(`Hotpath: ${labels[0]} → ${labels[1]}: ${verdict}.`);
    return comparison;
  };
}
