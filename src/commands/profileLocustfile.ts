/**
 * "Hotpath: Profile with a Locustfile": a locustfile of the workspace (picked from those with an
 * HttpUser class, or given by the lens above one), the request whose figures lead, the users;
 * then the same flow as "Profile Endpoint" (target, run, results) with Locust as the load, for
 * as long as the default preset's window.
 */
import * as vscode from 'vscode';
import { scanLocustfile } from '../routes/locustfiles';
import { findLocust } from '../runner/load/locustProcess';
import type { CompletedRun } from '../runner/run';
import { HotpathError } from '../vocabulary/errors';
import { SAMPLE_LOCUST_ROUTES, sampleLocustfile } from '../vocabulary/paths';
import type { Ctx } from './context';
import { type ProfileRequest, profileEndpoint } from './profileEndpoint';

export function profileLocustfile(ctx: Ctx) {
  return async (given?: { locustfile?: string }): Promise<CompletedRun | undefined> => {
    const locustfile = given?.locustfile ?? (await pickLocustfile());
    if (!locustfile) return undefined;
    const text = new TextDecoder().decode(
      await vscode.workspace.fs.readFile(vscode.Uri.file(locustfile)),
    );
    const { paths } = scanLocustfile(text);
    const path =
      paths.length === 1
        ? paths[0]
        : paths.length > 1
          ? (
              await vscode.window.showQuickPick(
                paths.map((p) => ({ label: p })),
                {
                  title: vscode.l10n.t('Hotpath: which request leads the summary?'),
                  placeHolder: vscode.l10n.t(
                    'The locustfile sends several requests: one window covers them all',
                  ),
                },
              )
            )?.label
          : await vscode.window.showInputBox({
              title: vscode.l10n.t('Hotpath: the path whose figures lead'),
              prompt: vscode.l10n.t("A request name of the locustfile (Locust's name: the path)"),
              value: '/',
              validateInput: (v) =>
                v.startsWith('/') ? undefined : vscode.l10n.t('a path starts with /'),
            });
    if (!path) return undefined;
    const users = await vscode.window.showInputBox({
      title: vscode.l10n.t('Hotpath: Locust users'),
      prompt: vscode.l10n.t('How many users Locust runs (all started at once)'),
      value: '50',
      validateInput: (v) =>
        /^[1-9]\d*$/.test(v.trim()) ? undefined : vscode.l10n.t('a whole number from 1'),
    });
    if (!users) return undefined;
    // The window's length and warm-up are those of the default preset (hotpath.defaultPreset);
    // its connections and pacing give way to the locustfile's users and their own waits.
    return profileEndpoint(ctx)({
      path,
      locustfile,
      users: Number(users),
      preset: ctx.config.defaultPreset,
    });
  };
}

/**
 * The walkthrough's Locust step: a sample route under the walk-through's own locustfile for it
 * (src/sampleService/locust/), 50 users, the walkthrough preset's window unless the caller says
 * otherwise. Locust is looked for first: when Hotpath cannot find it, the step says how to install
 * it (with Open Settings at hotpath.locustPath) before anything starts, and runs nothing else.
 */
export function profileSampleWithLocust(ctx: Ctx) {
  return async (
    given?: Omit<ProfileRequest, 'locustfile' | 'target' | 'url'>,
  ): Promise<CompletedRun | undefined> => {
    const route = given?.path ?? '/read';
    if (!SAMPLE_LOCUST_ROUTES.includes(route))
      throw new HotpathError(
        'BAD_OPTION',
        `the walk-through has a locustfile for ${SAMPLE_LOCUST_ROUTES.join(', ')}, not for ${route}`,
        'path',
      );
    const named = ctx.config.locustPath;
    try {
      findLocust(named);
    } catch (error) {
      if (!(error instanceof HotpathError) || error.code !== 'LOCUST_MISSING') throw error;
      const where = named
        ? vscode.l10n.t(
            '{0} names {1}, which is not an executable file',
            'hotpath.locustPath',
            named,
          )
        : vscode.l10n.t('no `locust` command is on PATH');
      ctx.reportError(
        new HotpathError(
          'LOCUST_MISSING',
          vscode.l10n.t(
            "this step runs the walk-through's locustfile for {0} with Locust, and {1}. Install Locust (`sudo apt install python3-locust` on Debian and Ubuntu, or `pip install locust`) or name its command in {2}, then run the step again.",
            route,
            where,
            'hotpath.locustPath',
          ),
          'locust-path',
        ),
      );
      return undefined;
    }
    return profileEndpoint(ctx)({
      users: 50,
      preset: 'walkthrough',
      ...given,
      target: 'sample',
      path: route,
      locustfile: sampleLocustfile(route),
    });
  };
}

/** The workspace's Python files with an HttpUser class, to pick from. */
async function pickLocustfile(): Promise<string | undefined> {
  const files = await vscode.workspace.findFiles(
    '**/*.py',
    '**/{node_modules,.git,.venv,venv,__pycache__,site-packages}/**',
    500,
  );
  const found: { label: string; description: string; file: string }[] = [];
  for (const uri of files) {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const scan = scanLocustfile(text);
    if (scan.users.length === 0) continue;
    found.push({
      label: vscode.workspace.asRelativePath(uri),
      description: [scan.users.map((u) => u.name).join(', '), scan.paths.join(' ')]
        .filter(Boolean)
        .join(' · '),
      file: uri.fsPath,
    });
  }
  if (found.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Hotpath: no locustfile in this workspace (a .py file with an HttpUser class).',
      ),
    );
    return undefined;
  }
  return (
    await vscode.window.showQuickPick(found, {
      title: vscode.l10n.t('Hotpath: profile with which locustfile?'),
    })
  )?.file;
}
