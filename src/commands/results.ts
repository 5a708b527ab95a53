/** The commands over the results shown: the flamegraph, the heat, opening a profile, clearing. */
import * as vscode from 'vscode';
import { reportData } from '../report/reportData';
import type { Ctx } from './context';

/**
 * Shows the report panel in front: opened with the current run's report when it is closed,
 * brought to the front when it is behind another tab; with a function (a 🔥 lens), found in the
 * flamegraph. A lens with no function (the ⏳ lock lens) just shows the report.
 */
export function showFlamegraph(ctx: Ctx) {
  return (target?: { name?: string; file?: string }): void => {
    const run = ctx.results.current;
    if (!run) {
      void vscode.window.showInformationMessage(
        'Hotpath: no results yet. Run "Hotpath: Profile Endpoint" first.',
      );
      return;
    }
    if (!ctx.flamegraph.reveal()) ctx.flamegraph.show(reportData(run, ctx.workspace));
    if (target?.name) ctx.flamegraph.focus(target.name, target.file);
  };
}

export function toggleHotLines(ctx: Ctx) {
  return () => ctx.hotLines.toggle();
}

export function openProfile(ctx: Ctx) {
  return async (uri?: vscode.Uri) => {
    const target =
      uri ??
      (
        await vscode.window.showOpenDialog({
          title: 'Hotpath: open a .cpuprofile or a run folder',
          canSelectFolders: true,
          filters: { 'CPU profiles': ['cpuprofile'] },
        })
      )?.[0];
    return target ? ctx.showResults(target.fsPath) : undefined;
  };
}

export function clearResults(ctx: Ctx) {
  return () => ctx.clearResults();
}
