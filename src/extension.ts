/**
 * The VS Code side of Hotpath: "Hotpath: Profile Endpoint" and the views that show a run where
 * the code is (CodeLens, hot lines, the report panel with the flamegraph), the route lenses, the
 * .cpuprofile editor and the sample service's commands. The engine (`src/runner/`) and the
 * analysis (`src/profile/`) know nothing of VS Code; this file drives them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { hotFunctions, sourceOf } from './profile/analyze';
import { type ComparedRun, type Comparison, compareRuns } from './profile/compare';
import type { PackedReport } from './protocol/webview';
import { RUN_FILE, type RunRecord } from './record/run';
import { comparisonReportData, reportData } from './report/reportData';
import {
  comparisonVerdicts,
  formatComparison,
  formatHeader,
  formatProgress,
  formatRun,
  ratio,
} from './report/text';
import { findRoutes, hasParameters } from './routes/scan';
import { HotpathError, isCancelled, messageOf } from './runner/errors';
import { allPresets, DEFAULTS, type RunRequest, resolveRunOptions } from './runner/options';
import { type CompletedRun, runProfile } from './runner/run';
import { type RunningService, startSampleService } from './runner/target';
import { type AnalysedRun, analyseOffThread } from './runs/analysisThread';
import { comparedRun, type LoadedRun, loadRampSteps, readTargetOf } from './runs/runFolder';
import { SAMPLE_ROUTES } from './sampleService/routes';
import { Config } from './views/config';
import { FlamegraphPanel, openSource } from './views/flamegraphPanel';
import { HotFunctionLenses } from './views/hotFunctionLens';
import { HotLines } from './views/hotLines';
import { ProfileEditorProvider } from './views/profileEditor';
import type { Shown } from './views/reportWebview';
import { Results } from './views/results';
import { ROUTE_LANGUAGES, RouteLenses } from './views/routeLens';

/** Where the load goes: a fresh sample service, the user's service command, or a running URL. */
export type TargetKind = 'sample' | 'service' | 'url';

/** What a caller of "Hotpath: Profile Endpoint" (a CodeLens, a walkthrough button, a test) may answer in advance. */
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
  >
> & { target?: TargetKind };

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Owns what lives as long as the extension: the log, the views, the run and the service going on. */
class Hotpath implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('Hotpath', { log: true });
  readonly config = new Config();
  readonly results = new Results();
  readonly lenses = new HotFunctionLenses(this.results, this.config);
  readonly hotLines = new HotLines(this.results, this.config);
  readonly flamegraph: FlamegraphPanel;
  readonly profileEditor: ProfileEditorProvider;
  readonly routeLenses: RouteLenses;
  readonly status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  #running: { controller: AbortController; done: Promise<unknown>; pids: number[] } | undefined;
  #service: RunningService | undefined;
  #lastTarget: TargetKind = 'sample';
  #lastUrl = 'http://127.0.0.1:3000';
  /** Profiles being read in worker threads, each ended on deactivate. */
  readonly #reads = new Set<AbortController>();
  /** The last error told to the user (for tests: notifications cannot be read through the API). */
  lastError: string | undefined;
  /** The run shown before the current one: what "Compare With Previous Run" compares against. */
  previous: LoadedRun | undefined;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.flamegraph = new FlamegraphPanel(context.extensionUri);
    this.profileEditor = new ProfileEditorProvider(context.extensionUri, {
      open: (file, signal) => this.#openProfile(file, signal),
      reportError: (error) => this.reportError(error),
    });
    this.routeLenses = new RouteLenses(this.config, (file) =>
      file.startsWith(this.sampleSourceFolder + path.sep),
    );
    this.status.name = 'Hotpath run';
    this.status.command = 'hotpath.stopService';
  }

  get sampleSourceFolder(): string {
    return path.join(this.context.extensionPath, 'src', 'sampleService');
  }

  get #workspace(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  get readsInProgress(): number {
    return this.#reads.size;
  }

  /** Tells the user in a message with "Show Log", and logs it; never throws. */
  reportError(error: unknown): void {
    const message = messageOf(error);
    this.lastError = message;
    this.output.error(message);
    void vscode.window.showErrorMessage(`Hotpath: ${message}`, 'Show Log').then((picked) => {
      if (picked) this.output.show(true);
    });
  }

  /** Shows a saved run where the code is: its hottest source, lenses, heat and the report panel. */
  async showResults(target: string): Promise<LoadedRun | undefined> {
    let analysed: AnalysedRun;
    try {
      analysed = await this.#analyse(target);
    } catch (error) {
      // A bad or truncated profile is a message, never a crash of the extension host.
      if (!isCancelled(error)) this.reportError(error);
      return undefined;
    }
    const { run, report } = analysed;
    this.#apply(run);
    // Where to look first: the lock requests wait for, else the hottest function of the code.
    const lock = run.diagnosis.verdict === 'waiting' ? run.diagnosis.lookAt : undefined;
    const hottest = hotFunctions(run.analysis, 1, ['user'])[0];
    const where = lock ? { source: lock.file, line: lock.line } : hottest && sourceOf(hottest);
    if (where) await openSource(where.source, where.line);
    this.hotLines.refresh();
    this.flamegraph.show(report);
    return run;
  }

  /**
   * Reads and analyses a run or a profile in a worker thread: a large profile takes seconds to
   * read, and the extension host (typing, every extension) must not wait for it.
   */
  async #analyse(target: string, signal?: AbortSignal): Promise<AnalysedRun> {
    const read = new AbortController();
    const abort = () => read.abort();
    signal?.addEventListener('abort', abort, { once: true });
    this.#reads.add(read);
    try {
      return await analyseOffThread({ target, cwd: this.#workspace }, read.signal);
    } finally {
      signal?.removeEventListener('abort', abort);
      this.#reads.delete(read);
    }
  }

  #apply(run: LoadedRun): void {
    if (this.results.current) this.previous = this.results.current;
    void vscode.commands.executeCommand('setContext', 'hotpath.hasPrevious', !!this.previous);
    void vscode.commands.executeCommand('setContext', 'hotpath.hasRamp', !!run.record?.load?.ramp);
    this.results.set(run);
    this.output.info(`diagnosis: ${run.diagnosis.summary}`);
  }

  /** The .cpuprofile editor's load: a profile inside a run folder is read with its run. */
  async #openProfile(file: string, signal: AbortSignal): Promise<PackedReport> {
    const { run, report } = await this.#analyse(readTargetOf(file), signal);
    // Closed while it was read: nothing of it is applied.
    if (signal.aborted) throw new HotpathError('CANCELLED', 'the editor was closed');
    this.#apply(run);
    this.hotLines.refresh();
    return report;
  }

  /**
   * The current ramp run's knee against the step after it, each step with the profile of its own
   * seconds: what changed when more connections stopped bringing more throughput.
   */
  compareRampSteps(): Comparison | undefined {
    const run = this.results.current;
    if (!run?.record?.load?.ramp) {
      void vscode.window.showInformationMessage(
        'Hotpath: the current run is not a ramp. Profile an endpoint with the "ramp" preset first.',
      );
      return undefined;
    }
    const [before, after] = loadRampSteps(run.folder);
    const comparison = compareRuns(before.compared, after.compared);
    const labels: [string, string] = [before.label, after.label];
    this.#showComparison(comparison, labels, [before.compared, after.compared]);
    const [verdict] = comparisonVerdicts(comparison);
    void vscode.window.showInformationMessage(`Hotpath: ${labels[0]} → ${labels[1]}: ${verdict}.`);
    return comparison;
  }

  /** A comparison in the panel (diff flamegraph, charts of both loads) and in the log. */
  #showComparison(
    comparison: Comparison,
    labels: [string, string],
    runs: [ComparedRun | RunRecord | undefined, ComparedRun | RunRecord | undefined],
    records: [RunRecord | undefined, RunRecord | undefined] = [undefined, undefined],
  ): void {
    this.results.setComparison(comparison);
    this.flamegraph.show(comparisonReportData(comparison, labels, this.#workspace, records));
    this.output.appendLine(formatComparison(comparison, labels, runs));
  }

  /** Compares the current run with the previous one: ratios in a message, the diff flamegraph. */
  comparePrevious(): Comparison | undefined {
    const before = this.previous;
    const after = this.results.current;
    if (!before || !after) {
      void vscode.window.showInformationMessage(
        'Hotpath: there is no previous run to compare with yet.',
      );
      return undefined;
    }
    const comparison = compareRuns(comparedRun(before), comparedRun(after));
    const label = (run: LoadedRun) =>
      run.record
        ? `${run.record.endpoint.method} ${run.record.endpoint.path}`
        : path.basename(run.profileFile);
    const labels: [string, string] = [label(before), label(after)];
    const [verdict] = comparisonVerdicts(comparison);
    const records: [RunRecord | undefined, RunRecord | undefined] = [before.record, after.record];
    this.#showComparison(comparison, labels, records, records);
    void vscode.window.showInformationMessage(
      `Hotpath: ${labels[0]} → ${labels[1]}: req/s ${ratio(comparison.ratios.requestsPerSec)} (${verdict.replace(/^req\/s: /, '')}), p99 ${ratio(comparison.ratios.latencyP99)}, CPU per request ${ratio(comparison.ratios.cpuPerRequest)}.`,
    );
    return comparison;
  }

  /** The palette flow; `request` skips the picks it answers. Resolves with the saved run. */
  async profileEndpoint(request: ProfileRequest = {}): Promise<CompletedRun | undefined> {
    if (this.#running) {
      void vscode.window.showInformationMessage(
        'Hotpath: a run is going already; cancel it (Hotpath: Stop Service) or wait for it.',
      );
      return undefined;
    }
    const target = request.target
      ? { kind: request.target, url: request.url }
      : await this.#pickTarget();
    if (!target) return undefined;
    const targetRequest = this.#targetRequest(target.kind, target.url ?? request.url);
    if (!targetRequest) return undefined;
    const endpoint = request.path
      ? { method: (request.method ?? 'GET').toUpperCase(), path: request.path, body: request.body }
      : await this.#pickEndpoint(target.kind);
    if (!endpoint) return undefined;
    let endpointPath: string | undefined = endpoint.path;
    if (hasParameters(endpointPath)) {
      endpointPath = await vscode.window.showInputBox({
        title: `Hotpath: ${endpoint.method} ${endpoint.path} needs concrete values`,
        prompt: 'The path to request, with its parameters filled in',
        value: endpoint.path,
        validateInput: (v) =>
          !v.startsWith('/')
            ? 'a path starts with /'
            : hasParameters(v)
              ? 'fill in :parameters'
              : undefined,
      });
      if (!endpointPath) return undefined;
    }
    let body = endpoint.body;
    // Asked for unless the caller answered it (a route lens for POST /orders does not).
    if (body === undefined && !('body' in request) && BODY_METHODS.has(endpoint.method)) {
      body = await vscode.window.showInputBox({
        title: `Hotpath: body of ${endpoint.method} ${endpointPath}`,
        prompt:
          'Sent with every request; JSON gets Content-Type: application/json. Empty: no body.',
        value: '{}',
      });
      if (body === undefined) return undefined;
    }
    const preset = request.preset ?? (await this.#pickPreset());
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
    this.#lastTarget = target.kind;
    return this.#run({
      ...request,
      ...targetRequest,
      method: endpoint.method,
      path: endpointPath,
      ...(body ? { body } : {}),
      headers,
      preset,
    });
  }

  /** The run request's target fields, or undefined (with the reason told) when it cannot run. */
  #targetRequest(kind: TargetKind, url: string | undefined): Partial<RunRequest> | undefined {
    if (kind === 'sample') return {};
    if (kind === 'url') {
      if (!url) {
        this.reportError(new Error('a URL target needs the URL of the running service'));
        return undefined;
      }
      return { url };
    }
    // In restricted mode VS Code hides the workspace's value of a restricted setting, so whether
    // one is set cannot be told: no service command runs at all, whoever set it.
    if (!vscode.workspace.isTrusted) {
      this.reportError(
        new Error(
          'this workspace is not trusted, so Hotpath runs no service command here (only its sample service, or a URL already running). Trust the workspace to profile your service.',
        ),
      );
      return undefined;
    }
    const service = this.config.service;
    if (!service) {
      void vscode.window
        .showInformationMessage(
          'Hotpath: set hotpath.service.command (how to start your service) and hotpath.service.url (where it answers) first.',
          'Open Settings',
        )
        .then((picked) => {
          if (picked)
            void vscode.commands.executeCommand('workbench.action.openSettings', 'hotpath.service');
        });
      return undefined;
    }
    return {
      service: service.command,
      url: service.url,
      ...(this.#workspace ? { cwd: this.#workspace } : {}),
    };
  }

  async #pickTarget(): Promise<{ kind: TargetKind; url?: string } | undefined> {
    const service = this.config.service;
    const items: (vscode.QuickPickItem & { target: TargetKind })[] = [
      {
        target: 'sample',
        label: '$(beaker) Sample service',
        description: 'the bundled Fastify walk-through service, started fresh for the run',
      },
      {
        target: 'service',
        label: '$(server-process) Your service',
        description: !vscode.workspace.isTrusted
          ? 'needs a trusted workspace'
          : service
            ? `${service.command} → ${service.url}`
            : 'set hotpath.service.command and hotpath.service.url',
      },
      {
        target: 'url',
        label: '$(globe) A service already running…',
        description: 'load and latency only: Hotpath profiles the processes it starts',
      },
    ];
    items.sort(
      (a, b) => Number(b.target === this.#lastTarget) - Number(a.target === this.#lastTarget),
    );
    const picked = await vscode.window.showQuickPick(items, { title: 'Hotpath: what to profile' });
    if (!picked) return undefined;
    if (picked.target !== 'url') return { kind: picked.target };
    const url = await vscode.window.showInputBox({
      title: 'Hotpath: URL of the running service',
      value: this.#lastUrl,
      validateInput: (v) => {
        try {
          const parsed = new URL(v);
          return parsed.protocol === 'http:' || parsed.protocol === 'https:'
            ? undefined
            : 'an http or https URL';
        } catch {
          return 'not a URL';
        }
      },
    });
    if (!url) return undefined;
    this.#lastUrl = url;
    return { kind: 'url', url };
  }

  async #pickEndpoint(
    kind: TargetKind,
  ): Promise<{ method: string; path: string; body?: string } | undefined> {
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
      for (const e of this.config.endpoints)
        items.push({ label: `${e.method} ${e.path}`, description: 'hotpath.endpoints', ...e });
      const seen = new Set(items.map((i) => i.label));
      for (const r of await this.#workspaceRoutes()) {
        const label = `${r.method} ${r.path}`;
        if (seen.has(label)) continue;
        seen.add(label);
        items.push({ label, description: r.where, method: r.method, path: r.path });
      }
    }
    items.push({ label: '$(edit) Another endpoint…', description: 'type a method and path' });
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Hotpath: endpoint to profile',
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
      title: 'Hotpath: endpoint',
      prompt: 'A path, optionally after a method: /orders, POST /orders',
      validateInput: (v) => (parseEndpoint(v) ? undefined : 'such as /orders or POST /orders'),
    });
    return typed ? parseEndpoint(typed) : undefined;
  }

  /** Route registrations in the workspace's JS/TS files (a bounded scan, node_modules left out). */
  async #workspaceRoutes(): Promise<{ method: string; path: string; where: string }[]> {
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

  async #pickPreset(): Promise<string | undefined> {
    // Settings are read (and checked) once per pick.
    const first = this.config.defaultPreset;
    const presets = allPresets(this.config.presets).sort(
      (a, b) => Number(b.name === first) - Number(a.name === first),
    );
    const picked = await vscode.window.showQuickPick(
      presets.map((p) => ({ label: p.name, description: p.description })),
      { title: 'Hotpath: load' },
    );
    return picked?.label;
  }

  async #run(request: Omit<RunRequest, 'outDir'>): Promise<CompletedRun | undefined> {
    const workspace = this.#workspace;
    const outDir = workspace
      ? path.resolve(workspace, this.config.outputFolder)
      : path.join(this.context.globalStorageUri.fsPath, 'runs');
    let options: ReturnType<typeof resolveRunOptions>;
    try {
      options = resolveRunOptions(
        {
          samplingIntervalUs: this.config.samplingIntervalUs,
          // A ramp's steps are its repeats: the setting applies to the other shapes.
          ...(this.config.repeat !== 1 &&
          allPresets(this.config.presets).find(
            (p) => p.name === (request.preset ?? DEFAULTS.preset),
          )?.shape.kind !== 'ramp'
            ? { repeat: this.config.repeat }
            : {}),
          ...(this.config.nodePath ? { nodePath: this.config.nodePath } : {}),
          ...request,
          outDir,
        },
        workspace,
        this.config.presets,
      );
    } catch (error) {
      this.reportError(error);
      return undefined;
    }
    const label = `${options.load.method} ${options.load.path}`;
    const controller = new AbortController();
    const pids: number[] = [];
    this.status.text = `$(sync~spin) Hotpath: ${label}`;
    this.status.tooltip = 'Hotpath is profiling; click to cancel the run';
    this.status.show();
    void vscode.commands.executeCommand('setContext', 'hotpath.running', true);
    const done = Promise.resolve(
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Hotpath: ${label}`,
          cancellable: true,
        },
        (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          return runProfile(options, {
            signal: controller.signal,
            onStage: (stage, record) => {
              if (stage === 'starting') this.output.appendLine(formatHeader(record));
              for (const pid of [record.target.pid, record.target.profiledPid])
                if (pid !== undefined && !pids.includes(pid)) pids.push(pid);
              progress.report({ message: stage.replace('-', ' ') });
              this.status.text = `$(sync~spin) Hotpath: ${label} · ${stage.replace('-', ' ')}`;
            },
            onProgress: (p) => {
              const text = formatProgress(p).trim();
              progress.report({ message: text });
              this.status.text = `$(sync~spin) Hotpath: ${label} · ${text}`;
            },
          });
        },
      ),
    );
    this.#running = { controller, done, pids };
    try {
      const run = await done;
      const { folder, record } = run;
      this.output.appendLine(formatRun(record, folder, workspace));
      if (record.status === 'done' && record.profile.file !== null) await this.showResults(folder);
      const open = 'Open run.json';
      const headline =
        record.status === 'done' && record.load
          ? `Hotpath: ${label}: ${record.load.requestsPerSec.toFixed(1)} req/s, p99 ${Math.round(record.load.latencyMs.p99)} ms.`
          : `Hotpath: ${label}: the run ${record.status === 'cancelled' ? 'was cancelled' : `failed: ${record.error?.message}`}.`;
      if (record.status === 'failed') this.lastError = record.error?.message;
      const show =
        record.status === 'failed'
          ? vscode.window.showErrorMessage
          : vscode.window.showInformationMessage;
      // Not awaited: the notification waits for the user; the command does not.
      void show(headline, open, 'Show Log').then((picked) => {
        if (picked === open)
          void vscode.window.showTextDocument(vscode.Uri.file(path.join(folder, RUN_FILE)));
        else if (picked) this.output.show(true);
      });
      return run;
    } catch (error) {
      this.reportError(error);
      return undefined;
    } finally {
      this.#running = undefined;
      this.status.hide();
      void vscode.commands.executeCommand('setContext', 'hotpath.running', false);
    }
  }

  /** The pids of the run going on (its service), for tests of cancel. */
  get runningPids(): number[] {
    return [...(this.#running?.pids ?? [])];
  }

  /** Cancels the run going on and waits until its processes have ended. */
  async stopRun(): Promise<boolean> {
    const running = this.#running;
    if (!running) return false;
    running.controller.abort();
    await running.done.then(
      () => undefined,
      () => undefined,
    );
    return true;
  }

  async startSampleService(): Promise<string | undefined> {
    if (!this.#service) {
      const service = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Hotpath: starting the sample service' },
        () =>
          startSampleService({
            nodePath: this.config.nodePath ?? process.execPath,
            readyTimeoutSec: DEFAULTS.readyTimeoutSec,
          }),
      );
      this.#service = service;
      void service.exited.then(() => {
        if (this.#service !== service) return;
        this.#service = undefined;
        void vscode.commands.executeCommand('setContext', 'hotpath.serviceRunning', false);
      });
      void vscode.commands.executeCommand('setContext', 'hotpath.serviceRunning', true);
      this.output.info(`sample service: ${service.url} (pid ${service.pid})`);
    }
    const url = this.#service.url;
    void vscode.window
      .showInformationMessage(
        `Hotpath: the sample service answers at ${url}.`,
        'Open /hello',
        'Copy URL',
      )
      .then((picked) => {
        if (picked === 'Copy URL') void vscode.env.clipboard.writeText(url);
        else if (picked) void vscode.env.openExternal(vscode.Uri.parse(`${url}/hello`));
      });
    return url;
  }

  /** The sample service started by hand, if any: its pid (for tests). */
  get servicePid(): number | undefined {
    return this.#service?.pid;
  }

  /** "Stop Service": cancels the run going on and stops the sample service started by hand. */
  async stopService(): Promise<void> {
    const service = this.#service;
    this.#service = undefined;
    const [cancelled] = await Promise.all([this.stopRun(), service?.stop()]);
    if (service) void vscode.commands.executeCommand('setContext', 'hotpath.serviceRunning', false);
    if (!cancelled && !service)
      void vscode.window.showInformationMessage('Hotpath: no run or service is going.');
  }

  async stopAll(): Promise<void> {
    for (const read of this.#reads) read.abort();
    const service = this.#service;
    this.#service = undefined;
    await Promise.all([this.stopRun(), service?.stop()]);
  }

  dispose(): void {
    for (const read of this.#reads) read.abort();
    this.flamegraph.dispose();
    this.hotLines.dispose();
    this.lenses.dispose();
    this.routeLenses.dispose();
    this.results.dispose();
    this.status.dispose();
    this.output.dispose();
  }
}

/** "/orders" or "POST /orders". */
function parseEndpoint(text: string): { method: string; path: string } | undefined {
  const match = /^\s*(?:([A-Za-z]+)\s+)?(\/\S*)\s*$/.exec(text);
  if (!match) return undefined;
  return { method: (match[1] ?? 'GET').toUpperCase(), path: match[2] };
}

let hotpath: Hotpath | undefined;

/** What the extension offers other extensions and its tests. */
export interface HotpathApi {
  /** The hot-line decorations a document gets now, counted by heat level (coolest first). */
  hotLineLevels(document: vscode.TextDocument): number[];
  /** What the last refresh of hot lines drew, by visible editor (heat and lock-wait marks). */
  hotLinesDrawn(): { file: string; decorations: number; waits: number }[];
  /** The 0-based lines of a document that get a lock-wait mark now. */
  waitLineNumbers(document: vscode.TextDocument): number[];
  /** The 0-based lines of a document that get heat now. */
  hotLineNumbers(document: vscode.TextDocument): number[];
  /** The hovers of a document's hot lines: their markdown and whether it may run or hold HTML. */
  hotLineHovers(
    document: vscode.TextDocument,
  ): { value: string; isTrusted: boolean; supportHtml: boolean }[];
  /** What the report panel last drew, as its page reported it. */
  panelShown(): Shown | undefined;
  /** What the .cpuprofile editor of `uri` last drew. */
  profileEditorShown(uri: vscode.Uri): Shown | undefined;
  /** The pids of the processes of the run going on. */
  runningPids(): number[];
  /** The pid of the sample service started by "Start Sample Service", if it runs. */
  servicePid(): number | undefined;
  /** The last error message shown to the user. */
  lastError(): string | undefined;
  /** How many profiles are being read in worker threads now. */
  readsInProgress(): number;
  /** The profile whose results (lenses, hot lines) are applied now. */
  currentProfile(): string | undefined;
}

export function activate(context: vscode.ExtensionContext): HotpathApi {
  hotpath = new Hotpath(context);
  const owner = hotpath;
  /** Commands never throw: an error is a message with "Show Log". */
  const command = <A extends unknown[]>(id: string, run: (...args: A) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: A) => {
      try {
        return await run(...args);
      } catch (error) {
        owner.reportError(error);
        return undefined;
      }
    });
  context.subscriptions.push(
    owner,
    command('hotpath.profileEndpoint', (request?: ProfileRequest) =>
      owner.profileEndpoint(request ?? {}),
    ),
    command('hotpath.showFlamegraph', (target?: { name: string; file?: string }) => {
      const run = owner.results.current;
      if (!run) {
        void vscode.window.showInformationMessage(
          'Hotpath: no results yet. Run "Hotpath: Profile Endpoint" first.',
        );
        return;
      }
      if (!owner.flamegraph.visible)
        owner.flamegraph.show(reportData(run, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath));
      if (target?.name) owner.flamegraph.focus(target.name, target.file);
    }),
    command('hotpath.toggleHotLines', () => owner.hotLines.toggle()),
    command('hotpath.openProfile', async (uri?: vscode.Uri) => {
      const target =
        uri ??
        (
          await vscode.window.showOpenDialog({
            title: 'Hotpath: open a .cpuprofile or a run folder',
            canSelectFolders: true,
            filters: { 'CPU profiles': ['cpuprofile'] },
          })
        )?.[0];
      return target ? owner.showResults(target.fsPath) : undefined;
    }),
    command('hotpath.compareWithPrevious', () => owner.comparePrevious()),
    command('hotpath.compareRampSteps', () => owner.compareRampSteps()),
    command('hotpath.clearResults', () => {
      owner.previous = undefined;
      void vscode.commands.executeCommand('setContext', 'hotpath.hasPrevious', false);
      void vscode.commands.executeCommand('setContext', 'hotpath.hasRamp', false);
      owner.results.set(undefined);
    }),
    command('hotpath.startSampleService', () => owner.startSampleService()),
    command('hotpath.stopService', () => owner.stopService()),
    command('hotpath.openSampleSource', async () => {
      const file = path.join(owner.sampleSourceFolder, 'handlers.ts');
      await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
    }),
    vscode.languages.registerCodeLensProvider({ scheme: 'file' }, owner.lenses),
    vscode.languages.registerCodeLensProvider(
      ROUTE_LANGUAGES.map((language) => ({ scheme: 'file', language })),
      owner.routeLenses,
    ),
    vscode.window.registerCustomEditorProvider(
      ProfileEditorProvider.viewType,
      owner.profileEditor,
      {
        webviewOptions: { retainContextWhenHidden: true },
      },
    ),
  );
  return {
    hotLineLevels: (document) =>
      owner.hotLines.decorationsFor(document).map((level) => level.length),
    hotLinesDrawn: () => owner.hotLines.lastRefresh,
    hotLineHovers: (document) =>
      owner.hotLines
        .decorationsFor(document)
        .flat()
        .map((d) => d.hoverMessage as vscode.MarkdownString)
        .map((m) => ({
          value: m.value,
          isTrusted: m.isTrusted === true,
          supportHtml: m.supportHtml === true,
        })),
    hotLineNumbers: (document) =>
      owner.hotLines
        .decorationsFor(document)
        .flat()
        .map((d) => d.range.start.line)
        .sort((a, b) => a - b),
    waitLineNumbers: (document) =>
      owner.hotLines.waitDecorationsFor(document).map((d) => d.range.start.line),
    panelShown: () => owner.flamegraph.shown,
    profileEditorShown: (uri) => owner.profileEditor.shown(uri),
    runningPids: () => owner.runningPids,
    servicePid: () => owner.servicePid,
    lastError: () => owner.lastError,
    readsInProgress: () => owner.readsInProgress,
    currentProfile: () => owner.results.current?.profileFile,
  };
}

export async function deactivate(): Promise<void> {
  await hotpath?.stopAll();
  hotpath = undefined;
}
