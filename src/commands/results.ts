/** The commands over the results shown: the flamegraph, the heat, opening a profile or a run, clearing. */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { LoadedRun } from '../profile/loadedRun';
import { isHeapProfileFile } from '../runs/profileFolder';
import { readTargetOf } from '../runs/savedRuns';
import { ProfileEditorProvider } from '../views/profileEditor';
import type { Ctx } from './context';
import { pickRun } from './pickers';

/**
 * Shows the report panel in front: opened with the current run's report when it is closed,
 * brought to the front when it is behind another tab; with a function (a 🔥 lens), found in the
 * flamegraph; with a lock (a ⏳ lens), at the report's locks section, the lock's row marked.
 */
export function showFlamegraph(ctx: Ctx) {
  return (target?: { name?: string; file?: string; lock?: string }): void => {
    const report = ctx.shownReport;
    if (!ctx.results.current || !report) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Hotpath: no results yet. Run "Hotpath: Profile Endpoint" first.'),
      );
      return;
    }
    if (!ctx.flamegraph.reveal()) ctx.flamegraph.show(report);
    if (target?.name) ctx.flamegraph.focus(target.name, target.file);
    else if (target?.lock) ctx.flamegraph.showWaits(target.lock);
  };
}

export function toggleHotLines(ctx: Ctx) {
  return () => ctx.hotLines.toggle();
}

/**
 * "Open Profile…" (and the explorer's menu on a profile): a profile file. A run's own profile
 * (`<run>/profile.cpuprofile` beside its run.json) opens as that run, with its load. A heap
 * profile (`.heapprofile`, or one saved as `.json`: told by its bytes) has no CPU time to show in
 * the lenses and heat: it opens in the profile editor's allocation view.
 */
export function openProfile(ctx: Ctx) {
  return async (uri?: vscode.Uri): Promise<LoadedRun | undefined> => {
    const runs = ctx.runsFolder;
    const file =
      uri ??
      (
        await vscode.window.showOpenDialog({
          title: vscode.l10n.t('Hotpath: open a profile'),
          openLabel: vscode.l10n.t('Open Profile'),
          canSelectFiles: true,
          canSelectFolders: false,
          canSelectMany: false,
          // A .cpuprofile, a pprof, a Chrome trace, a heap profile, gzipped or not: the reader
          // tells them apart.
          filters: {
            [vscode.l10n.t('Profiles')]: ['cpuprofile', 'heapprofile', 'gz', 'pb', 'pprof', 'json'],
          },
          ...(fs.existsSync(runs) ? { defaultUri: vscode.Uri.file(runs) } : {}),
        })
      )?.[0];
    if (!file) return undefined;
    if (isHeapProfileFile(file.fsPath)) {
      await vscode.commands.executeCommand('vscode.openWith', file, ProfileEditorProvider.viewType);
      return undefined;
    }
    return ctx.showResults(readTargetOf(file.fsPath));
  };
}

/** "Open Run…": a saved run of the runs folder, picked by endpoint and time, or any run folder. */
export function openRun(ctx: Ctx) {
  return async (folder?: string): Promise<LoadedRun | undefined> => {
    const picked = folder ?? (await pickRun(ctx, vscode.l10n.t('Hotpath: open a saved run')));
    return picked ? ctx.showResults(picked) : undefined;
  };
}

export function clearResults(ctx: Ctx) {
  return () => ctx.clearResults();
}
