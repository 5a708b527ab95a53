/**
 * "Hotpath: Profile Endpoint": target, endpoint, body and load picked (or given by the caller: a
 * CodeLens, a walkthrough button, a test), the run taken with progress and Cancel, then its
 * results shown where the code is.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILE, type RunRecord } from '../record/run';
import { formatRun } from '../report/text';
import { hasParameters } from '../routes/scan';
import { failedKinds } from '../runner/load/summary';
import { type RunRequest, resolveRunOptions } from '../runner/options';
import type { CompletedRun } from '../runner/run';
import { DEFAULTS } from '../vocabulary/defaults';
import { allPresets } from '../vocabulary/presets';
import { forSurface } from '../vocabulary/words';
import type { Ctx, EditorMarks, TargetKind } from './context';
import { pickEndpoint, pickPreset, pickTarget, targetRequest } from './pickers';

/** What a caller of "Hotpath: Profile Endpoint" may answer in advance. */
export type ProfileRequest = Partial<
  Pick<
    RunRequest,
    | 'path'
    | 'method'
    | 'body'
    | 'headers'
    | 'preset'
    | 'shape'
    | 'connections'
    | 'durationSec'
    | 'warmupSec'
    | 'url'
    | 'locustfile'
    | 'users'
  >
> & { target?: TargetKind };

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function profileEndpoint(ctx: Ctx) {
  return (request?: ProfileRequest) => profile(ctx, request ?? {});
}

/** "Hotpath: Cancel Run" (and a click on the run in the status bar): the run, nothing else. */
export function cancelRun(ctx: Ctx) {
  return async (): Promise<boolean> => {
    const cancelled = await ctx.stopRun();
    if (!cancelled)
      void vscode.window.showInformationMessage(vscode.l10n.t('Hotpath: no run is going.'));
    return cancelled;
  };
}

function tellRunGoing(): void {
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Hotpath: a run is going already; cancel it (Hotpath: Cancel Run, or click it in the status bar) or wait for it.',
    ),
  );
}

/** The palette flow; `request` skips the picks it answers. Resolves with the saved run. */
async function profile(ctx: Ctx, request: ProfileRequest): Promise<CompletedRun | undefined> {
  if (ctx.running) {
    tellRunGoing();
    return undefined;
  }
  const target = request.target
    ? { kind: request.target, url: request.url }
    : await pickTarget(ctx);
  if (!target) return undefined;
  const targetFields = targetRequest(ctx, target.kind, target.url ?? request.url);
  if (!targetFields) return undefined;
  const fromTarget = { ...targetFields, ...('attach' in target ? target.attach : {}) };
  const endpoint = request.path
    ? { method: (request.method ?? 'GET').toUpperCase(), path: request.path, body: request.body }
    : await pickEndpoint(ctx, target.kind);
  if (!endpoint) return undefined;
  let endpointPath: string | undefined = endpoint.path;
  if (hasParameters(endpointPath)) {
    endpointPath = await vscode.window.showInputBox({
      title: vscode.l10n.t(
        'Hotpath: {0} {1} needs concrete values',
        endpoint.method,
        endpoint.path,
      ),
      prompt: vscode.l10n.t('The path to request, with its parameters filled in'),
      value: endpoint.path,
      validateInput: (v) =>
        !v.startsWith('/')
          ? vscode.l10n.t('a path starts with /')
          : hasParameters(v)
            ? vscode.l10n.t('fill in :parameters')
            : undefined,
    });
    if (!endpointPath) return undefined;
  }
  let body = endpoint.body;
  // Asked for unless the caller answered it (a route lens for POST /orders does not).
  if (body === undefined && !('body' in request) && BODY_METHODS.has(endpoint.method)) {
    body = await vscode.window.showInputBox({
      title: vscode.l10n.t('Hotpath: body of {0} {1}', endpoint.method, endpointPath),
      prompt: vscode.l10n.t(
        'Sent with every request; JSON gets Content-Type: application/json. Empty: no body.',
      ),
      value: '{}',
    });
    if (body === undefined) return undefined;
  }
  const preset = request.preset ?? (await pickPreset(ctx));
  if (!preset) return undefined;
  const headers = { ...request.headers };
  if (body && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    try {
      JSON.parse(body);
      headers['content-type'] = 'application/json';
    } catch {
      /* sent as it is */
    }
  }
  ctx.lastTarget = target.kind;
  return run(ctx, {
    ...request,
    ...fromTarget,
    method: endpoint.method,
    path: endpointPath,
    ...(body ? { body } : {}),
    headers,
    preset,
  });
}

/**
 * One run; a service command whose process answered without Hotpath's agent (a start script
 * that replaced NODE_OPTIONS) is offered, once confirmed, a second run through its inspector,
 * opened with SIGUSR1.
 */
async function run(
  ctx: Ctx,
  request: Omit<RunRequest, 'outDir'>,
): Promise<CompletedRun | undefined> {
  const completed = await runOnce(ctx, request);
  const record = completed?.record;
  if (
    record?.status !== 'failed' ||
    record.error?.code !== 'NO_AGENT' ||
    request.service === undefined ||
    request.url === undefined ||
    request.attachSignal
  )
    return completed;
  const open = vscode.l10n.t('Open Its Inspector');
  const picked = await vscode.window.showWarningMessage(
    vscode.l10n.t("Hotpath: the service's process did not load Hotpath's agent."),
    {
      modal: true,
      detail: vscode.l10n.t(
        "Hotpath can open its inspector with SIGUSR1 (on 127.0.0.1:9229 unless it was given --inspect-port) and profile it through that. Lock waits are not measured that way, and one port cannot reach all of a cluster's processes: only the one serving {0}.",
        request.url,
      ),
    },
    open,
  );
  return picked === open ? runOnce(ctx, { ...request, attachSignal: true }) : completed;
}

async function runOnce(
  ctx: Ctx,
  request: Omit<RunRequest, 'outDir'>,
): Promise<CompletedRun | undefined> {
  const { config, workspace } = ctx;
  const marks: EditorMarks = { askedAt: Date.now() };
  const outDir = ctx.runsFolder;
  let options: ReturnType<typeof resolveRunOptions>;
  try {
    options = resolveRunOptions(
      {
        samplingIntervalUs: config.samplingIntervalUs,
        stallThresholdMs: config.stallThresholdMs,
        // A ramp's steps are its repeats: the setting applies to the other shapes.
        ...(config.repeat !== 1 &&
        allPresets(config.presets).find((p) => p.name === (request.preset ?? DEFAULTS.preset))
          ?.shape.kind !== 'ramp'
          ? { repeat: config.repeat }
          : {}),
        ...(config.nodePath ? { nodePath: config.nodePath } : {}),
        warmupSec: config.warmupSec,
        allowErrors: config.allowErrors,
        allocations: config.allocations,
        insecure: config.insecure,
        allowRemote: config.allowRemote,
        drainTimeoutSec: config.drainTimeoutSec,
        maxProcesses: config.maxProcesses,
        ...(config.locustPath && request.locustfile ? { locustPath: config.locustPath } : {}),
        ...request,
        outDir,
      },
      workspace,
      config.presets,
    );
  } catch (error) {
    ctx.reportError(error);
    return undefined;
  }
  const label = `${options.load.method} ${options.load.path}`;
  const running = ctx.beginRun(options, label);
  if (!running) {
    tellRunGoing();
    return undefined;
  }
  ctx.marks = marks;
  // The report's panel loads its page while the run goes on; closed again if no report comes.
  const panelOpened = ctx.flamegraph.prepare(
    vscode.l10n.t('Hotpath is profiling {0}: its report appears here when the run ends.', label),
  );
  let shown = false;
  // Its analysis begins once the run is saved, while the service stops.
  const analysing = running.saved.then((saved) =>
    saved && saved.record.profile.file !== null ? ctx.analyse(saved.folder) : undefined,
  );
  analysing.catch(() => undefined); // told by showResults, when it shows the run
  try {
    const completed = await running.start();
    marks.runEndedAt = Date.now();
    const { folder, record } = completed;
    ctx.output.appendLine(formatRun(record, folder, workspace));
    if (record.status === 'done' && record.profile.file !== null)
      shown =
        (await ctx.showResults(folder, {
          taken: true,
          analysing: analysing.then((early) => early ?? ctx.analyse(folder)),
        })) !== undefined;
    const open = vscode.l10n.t('Open run.json');
    const { headline, severity } = runHeadline(record, label);
    const error = record.status === 'failed' ? record.error : undefined;
    const actions = error ? ctx.settingActions(error.words ?? error.message) : [];
    ctx.tellRunEnd({
      text: headline,
      severity,
      ...(error ? { error: errorText(record), actions: actions.map((a) => a.label) } : {}),
    });
    const show =
      severity === 'error'
        ? vscode.window.showErrorMessage
        : severity === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    const log = vscode.l10n.t('Show Log');
    // Not awaited: the notification waits for the user; the command does not.
    void show(headline, ...actions.map((a) => a.label), open, log).then((picked) => {
      if (picked === open)
        void vscode.window.showTextDocument(vscode.Uri.file(path.join(folder, RUN_FILE)));
      else if (picked === log) ctx.output.show(true);
      else actions.find((a) => a.label === picked)?.run();
    });
    return completed;
  } catch (error) {
    ctx.reportError(error);
    return undefined;
  } finally {
    if (panelOpened && !shown) ctx.flamegraph.close();
    running.release();
  }
}

/** Why a run failed, its options named as the editor names them (settings, not flags). */
function errorText(record: RunRecord): string {
  const error = record.error;
  return error ? forSurface(error.words ?? error.message, 'editor') : '';
}

/** Failed requests from this share of a load on, the run's message is a warning. */
const WARN_FAILED_SHARE = 0.01;

/**
 * The message at the end of a run: its req/s and p99, and how many requests failed when some did.
 * A load whose requests failed (a wrong path, a service answering 500) measured the error path:
 * said in a warning, never in a cheerful note.
 */
function runHeadline(
  record: RunRecord,
  label: string,
): { headline: string; severity: 'info' | 'warning' | 'error' } {
  if (record.status === 'cancelled')
    return {
      headline: vscode.l10n.t('Hotpath: {0}: the run was cancelled.', label),
      severity: 'info',
    };
  const load = record.load;
  if (record.status !== 'done' || !load)
    return {
      headline: vscode.l10n.t('Hotpath: {0}: the run failed: {1}.', label, errorText(record)),
      severity: 'error',
    };
  const figures = vscode.l10n.t(
    'Hotpath: {0}: {1} req/s, p99 {2} ms.',
    label,
    load.requestsPerSec.toFixed(1),
    Math.round(load.latencyMs.p99),
  );
  const failed = load.non2xx + load.errors;
  if (failed === 0) return { headline: figures, severity: 'info' };
  const count = new Intl.NumberFormat('en-US');
  const attempted = load.requests + load.errors;
  const failures = vscode.l10n.t(
    '{0} of {1} requests failed ({2}): the figures measure the error path too.',
    count.format(failed),
    count.format(attempted),
    failedKinds(load).join(', '),
  );
  return {
    headline: `${figures} ${failures}`,
    severity: failed / Math.max(1, attempted) >= WARN_FAILED_SHARE ? 'warning' : 'info',
  };
}
