/**
 * "Hotpath: Profile with a Locustfile": a locustfile of the workspace (picked from those with an
 * HttpUser class, or given by the lens above one), the request whose figures lead, the users;
 * then the same flow as "Profile Endpoint" (target, run, results) with Locust as the load.
 */
import * as vscode from 'vscode';
import { scanLocustfile } from '../routes/locustfiles';
import type { CompletedRun } from '../runner/run';
import type { Ctx } from './context';
import { profileEndpoint } from './profileEndpoint';

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
    return profileEndpoint(ctx)({ path, locustfile, users: Number(users), preset: 'walkthrough' });
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
