/**
 * The picks of "Hotpath: Profile Endpoint": what to profile (target), which endpoint, which load.
 * Each resolves with the answer, or undefined when the user walked away.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runFigures } from '../report/runSummary';
import { findRoutes } from '../routes/scan';
import { hostPort, parseInspectorAddress } from '../runner/attach/address';
import { isLoopbackHost } from '../runner/loopback';
import type { RunRequest } from '../runner/options';
import { listRuns } from '../runs/savedRuns';
import { SAMPLE_ROUTES } from '../sampleService/routes';
import { allPresets } from '../vocabulary/presets';
import type { Ctx, TargetKind } from './context';

export interface PickedEndpoint {
  method: string;
  path: string;
  body?: string;
}

/** A service already running, profiled through its inspector: what the run request gets. */
export type Attach = Pick<RunRequest, 'attach' | 'allowRemoteInspector'>;

export async function pickTarget(
  ctx: Ctx,
): Promise<{ kind: TargetKind; url?: string; attach?: Attach } | undefined> {
  const service = ctx.config.service;
  const items: (vscode.QuickPickItem & { target: TargetKind })[] = [
    {
      target: 'sample',
      label: `$(beaker) ${vscode.l10n.t('Sample service')}`,
      description: vscode.l10n.t(
        'the bundled Fastify walk-through service, started fresh for the run',
      ),
    },
    {
      target: 'service',
      label: `$(server-process) ${vscode.l10n.t('Your service')}`,
      description: !vscode.workspace.isTrusted
        ? vscode.l10n.t('needs a trusted workspace')
        : service
          ? `${service.command} → ${service.url}`
          : vscode.l10n.t('set {0} and {1}', 'hotpath.service.command', 'hotpath.service.url'),
    },
    {
      target: 'url',
      label: `$(globe) ${vscode.l10n.t('A service already running…')}`,
      description: vscode.l10n.t(
        'its URL, and its inspector when it runs with --inspect (else load and latency only)',
      ),
    },
  ];
  items.sort((a, b) => Number(b.target === ctx.lastTarget) - Number(a.target === ctx.lastTarget));
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Hotpath: what to profile'),
  });
  if (!picked) return undefined;
  if (picked.target !== 'url') return { kind: picked.target };
  const url = await vscode.window.showInputBox({
    title: vscode.l10n.t('Hotpath: URL of the running service'),
    value: ctx.lastUrl,
    validateInput: (v) => {
      try {
        const parsed = new URL(v);
        return parsed.protocol === 'http:' || parsed.protocol === 'https:'
          ? undefined
          : vscode.l10n.t('an http or https URL');
      } catch {
        return vscode.l10n.t('not a URL');
      }
    },
  });
  if (!url) return undefined;
  ctx.lastUrl = url;
  const attach = await pickInspector(ctx);
  if (!attach) return undefined;
  return { kind: 'url', url, ...(attach.attach ? { attach } : {}) };
}

/**
 * The inspector of a service already running (empty: load it without a profile). One off this
 * machine's loopback runs any code Hotpath sends it: a modal asks first, with the SSH tunnel.
 */
async function pickInspector(ctx: Ctx): Promise<Attach | undefined> {
  const given = await vscode.window.showInputBox({
    title: vscode.l10n.t('Hotpath: inspector of the running service (host:port)'),
    prompt: vscode.l10n.t(
      'Started with --inspect: Hotpath profiles it through its inspector and leaves it running. Empty: load and latency only.',
    ),
    value: ctx.config.inspector,
    validateInput: (v) => {
      if (!v.trim()) return undefined;
      try {
        parseInspectorAddress(v);
        return undefined;
      } catch {
        return vscode.l10n.t('host:port, such as 127.0.0.1:9229');
      }
    },
  });
  if (given === undefined) return undefined;
  if (!given.trim()) return {};
  const address = parseInspectorAddress(given);
  if (isLoopbackHost(address.host)) return { attach: given.trim() };
  const attach = vscode.l10n.t('Attach Anyway');
  const picked = await vscode.window.showWarningMessage(
    vscode.l10n.t('Hotpath: {0} is not on this machine.', hostPort(address)),
    {
      modal: true,
      detail: vscode.l10n.t(
        'An inspector runs any code it is sent, and has no password: anyone on the way can reach it too. Prefer an SSH tunnel (ssh -L {0}:127.0.0.1:{0} host) and 127.0.0.1:{0}.',
        String(address.port),
      ),
    },
    attach,
  );
  return picked === attach ? { attach: given.trim(), allowRemoteInspector: true } : undefined;
}

/** The run request's target fields, or undefined (with the reason told) when it cannot run. */
export function targetRequest(
  ctx: Ctx,
  kind: TargetKind,
  url: string | undefined,
): Partial<RunRequest> | undefined {
  if (kind === 'sample') return {};
  if (kind === 'url') {
    if (!url) {
      ctx.reportError(
        new Error(vscode.l10n.t('a URL target needs the URL of the running service')),
      );
      return undefined;
    }
    return { url };
  }
  // In restricted mode VS Code hides the workspace's value of a restricted setting, so whether
  // one is set cannot be told: no service command runs at all, whoever set it.
  if (!vscode.workspace.isTrusted) {
    ctx.reportError(
      new Error(
        vscode.l10n.t(
          'this workspace is not trusted, so Hotpath runs no service command here (only its sample service, or a URL already running). Trust the workspace to profile your service.',
        ),
      ),
    );
    return undefined;
  }
  const service = ctx.config.service;
  if (!service) {
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t(
          'Hotpath: set {0} (how to start your service) and {1} (where it answers) first.',
          'hotpath.service.command',
          'hotpath.service.url',
        ),
        vscode.l10n.t('Open Settings'),
      )
      .then((picked) => {
        if (picked)
          void vscode.commands.executeCommand('workbench.action.openSettings', 'hotpath.service');
      });
    return undefined;
  }
  const workspace = ctx.workspace;
  return { service: service.command, url: service.url, ...(workspace ? { cwd: workspace } : {}) };
}

export async function pickEndpoint(
  ctx: Ctx,
  kind: TargetKind,
): Promise<PickedEndpoint | undefined> {
  type Item = vscode.QuickPickItem & { method?: string; path?: string; body?: string };
  const items: Item[] = [];
  if (kind === 'sample') {
    for (const r of SAMPLE_ROUTES)
      if (r.method === 'GET' && r.path !== '/hello')
        items.push({
          label: `${r.method} ${r.path}`,
          description: r.what,
          method: r.method,
          path: r.path,
        });
  } else {
    for (const e of ctx.config.endpoints)
      items.push({ label: `${e.method} ${e.path}`, description: 'hotpath.endpoints', ...e });
    const seen = new Set(items.map((i) => i.label));
    for (const r of await workspaceRoutes()) {
      const label = `${r.method} ${r.path}`;
      if (seen.has(label)) continue;
      seen.add(label);
      items.push({ label, description: r.where, method: r.method, path: r.path });
    }
  }
  items.push({
    label: `$(edit) ${vscode.l10n.t('Another endpoint…')}`,
    description: vscode.l10n.t('type a method and path'),
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Hotpath: endpoint to profile'),
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  if (picked.path && picked.method)
    return {
      method: picked.method,
      path: picked.path,
      ...(picked.body ? { body: picked.body } : {}),
    };
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('Hotpath: endpoint'),
    prompt: vscode.l10n.t('A path, optionally after a method: /orders, POST /orders'),
    validateInput: (v) =>
      parseEndpoint(v) ? undefined : vscode.l10n.t('such as /orders or POST /orders'),
  });
  return typed ? parseEndpoint(typed) : undefined;
}

/** Route registrations in the workspace's JS/TS files (a bounded scan, node_modules left out). */
async function workspaceRoutes(): Promise<{ method: string; path: string; where: string }[]> {
  const files = await vscode.workspace.findFiles(
    '**/*.{js,mjs,cjs,ts,mts,cts}',
    '{**/node_modules/**,**/dist/**,**/out/**,**/.hotpath/**}',
    400,
  );
  const routes: { method: string; path: string; where: string }[] = [];
  for (const file of files) {
    try {
      const bytes = await vscode.workspace.fs.readFile(file);
      if (bytes.length > 1_000_000) continue;
      for (const r of findRoutes(new TextDecoder().decode(bytes)))
        routes.push({ ...r, where: `${vscode.workspace.asRelativePath(file)}:${r.line + 1}` });
    } catch {
      /* unreadable: skipped */
    }
  }
  return routes;
}

export async function pickPreset(ctx: Ctx): Promise<string | undefined> {
  // Settings are read (and checked) once per pick.
  const first = ctx.config.defaultPreset;
  const presets = allPresets(ctx.config.presets).sort(
    (a, b) => Number(b.name === first) - Number(a.name === first),
  );
  const picked = await vscode.window.showQuickPick(
    presets.map((p) => ({ label: p.name, description: p.description })),
    { title: vscode.l10n.t('Hotpath: load') },
  );
  return picked?.label;
}

/** "/orders" or "POST /orders". */
function parseEndpoint(text: string): { method: string; path: string } | undefined {
  const match = /^\s*(?:([A-Za-z]+)\s+)?(\/\S*)\s*$/.exec(text);
  if (!match) return undefined;
  return { method: (match[1] ?? 'GET').toUpperCase(), path: match[2] };
}

/**
 * Picks a saved run of the runs folder (each with its endpoint, when it ran, its req/s and p99),
 * or with "Browse…" a run folder anywhere; resolves with the run's folder. `except`: a run left
 * out (the one picked first, for a comparison).
 */
export async function pickRun(
  ctx: Ctx,
  title: string,
  except?: string,
): Promise<string | undefined> {
  const folder = ctx.runsFolder;
  const runs = (await listRuns(folder)).filter((run) => run.folder !== except);
  type Item = vscode.QuickPickItem & { folder?: string };
  const items: Item[] = runs.map((run) => {
    const started = new Date(run.record.timings.startedAt);
    return {
      label: `${run.record.endpoint.method} ${run.record.endpoint.path}`,
      description: Number.isNaN(started.getTime())
        ? path.basename(run.folder)
        : `${started.toLocaleDateString()} ${started.toLocaleTimeString()}`,
      detail: runFigures(run.record),
      folder: run.folder,
    };
  });
  items.push({
    label: `$(folder-opened) ${vscode.l10n.t('Browse…')}`,
    description: vscode.l10n.t('a run folder anywhere'),
  });
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder:
      runs.length > 0
        ? vscode.l10n.t('a saved run')
        : vscode.l10n.t('no saved runs in {0}', folder),
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return undefined;
  if (picked.folder) return picked.folder;
  const chosen = await vscode.window.showOpenDialog({
    title,
    openLabel: vscode.l10n.t('Open Run'),
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    ...(fs.existsSync(folder) ? { defaultUri: vscode.Uri.file(folder) } : {}),
  });
  return chosen?.[0]?.fsPath;
}
