/** The `hotpath` settings. */
import * as vscode from 'vscode';
import { readPresets } from '../runner/options';
import { DEFAULTS } from '../vocabulary/defaults';
import { staysInside } from '../vocabulary/paths';
import type { LoadPreset } from '../vocabulary/presets';
import { type PathMappings, readPathMappings } from '../vocabulary/sourcePlace';

export interface ConfiguredEndpoint {
  method: string;
  path: string;
  body?: string;
}

/** What a change of the settings asks to be redrawn; the rest is read when next used. */
export interface ConfigChange {
  hotLines: boolean;
  codeLens: boolean;
  routeLens: boolean;
  /** `hotpath.pathMappings`: which document a profile's file is may have changed. */
  paths: boolean;
}

/**
 * The settings, read through one typed object, and the one handler of their changes: it tells
 * each view only the changes that concern it.
 */
export class Config implements vscode.Disposable {
  readonly #changed = new vscode.EventEmitter<ConfigChange>();
  readonly onDidChange = this.#changed.event;
  readonly #subscription = vscode.workspace.onDidChangeConfiguration((event) => {
    const affects = (setting: string) => event.affectsConfiguration(`hotpath.${setting}`);
    const change: ConfigChange = {
      hotLines: affects('showHotLines') || affects('hotLineThreshold'),
      codeLens: affects('showCodeLens'),
      routeLens: affects('showRouteCodeLens'),
      paths: affects('pathMappings'),
    };
    if (change.hotLines || change.codeLens || change.routeLens || change.paths) {
      this.#changed.fire(change);
    }
  });

  private get section() {
    return vscode.workspace.getConfiguration('hotpath');
  }

  /** The presets value last reported, so that each bad value is said once, not on every read. */
  #reportedPresets: string | undefined;

  /**
   * The user's presets, checked one by one: a bad one is left out and the others load. Each bad
   * value of the setting is reported once (a run reads the presets several times).
   */
  get presets(): LoadPreset[] {
    const raw = this.section.get<unknown>('presets');
    const { presets, problems } = readPresets(raw);
    const said = JSON.stringify(problems);
    if (problems.length > 0 && said !== this.#reportedPresets) {
      this.#reportedPresets = said;
      const left = problems
        .map((p) => vscode.l10n.t('preset {0} is left out: {1}', p.name, p.message))
        .join('; ');
      void vscode.window.showErrorMessage(
        presets.length > 0
          ? vscode.l10n.t('Hotpath settings: {0}. The other {1} loaded.', left, presets.length)
          : vscode.l10n.t('Hotpath settings: {0}.', left),
      );
    } else if (problems.length === 0) this.#reportedPresets = undefined;
    return presets;
  }

  /** `hotpath.pathMappings`: where a profile taken elsewhere has its files on this machine. */
  get pathMappings(): PathMappings {
    return pathMappings();
  }

  get defaultPreset(): string {
    return this.section.get<string>('defaultPreset') || DEFAULTS.preset;
  }

  get samplingIntervalUs(): number {
    return this.section.get<number>('samplingInterval') ?? DEFAULTS.samplingIntervalUs;
  }

  /** A turn of the service's event loop longer than this is a stall, ms. */
  get stallThresholdMs(): number {
    return this.section.get<number>('stallThreshold') ?? DEFAULTS.stallThresholdMs;
  }

  /** Loads per run (1–20): more give comparisons an interval that takes load-to-load variation in. */
  get repeat(): number {
    return this.section.get<number>('repeat') ?? 1;
  }

  /** Seconds of load before the measured window. */
  get warmupSec(): number {
    return this.section.get<number>('warmup') ?? DEFAULTS.warmupSec;
  }

  /** Measure a load whose warm-up failed every request (the error path). */
  get allocations(): boolean {
    return this.section.get<boolean>('allocations') ?? false;
  }

  get allowErrors(): boolean {
    return this.section.get<boolean>('allowErrors') ?? false;
  }

  /** Seconds the window waits at most for the warm-up's requests to end. */
  get drainTimeoutSec(): number {
    return this.section.get<number>('drainTimeout') ?? DEFAULTS.drainTimeoutSec;
  }

  /** Processes and threads profiled in one run at most. */
  get maxProcesses(): number {
    return this.section.get<number>('maxProcesses') ?? DEFAULTS.maxProcesses;
  }

  /** Load an https service whose certificate Node does not trust. */
  get insecure(): boolean {
    return this.section.get<boolean>('service.insecure') ?? false;
  }

  /** Load another machine's URL; never in an untrusted workspace (the setting is restricted). */
  get allowRemote(): boolean {
    return (
      vscode.workspace.isTrusted && (this.section.get<boolean>('service.allowRemote') ?? false)
    );
  }

  /** The inspector (`host:port`) offered for a service already running; empty: none. */
  get inspector(): string {
    return this.section.get<string>('service.inspector')?.trim() ?? '';
  }

  /**
   * Where runs are saved, relative to the workspace folder or absolute. In an untrusted workspace
   * only a folder inside the workspace is used (the setting is restricted, and a path that leaves
   * the folder is ignored here too): a workspace's settings cannot have runs written elsewhere.
   */
  get outputFolder(): string {
    const folder = this.section.get<string>('outputFolder') || DEFAULTS.outDir;
    return vscode.workspace.isTrusted || staysInside(folder) ? folder : DEFAULTS.outDir;
  }

  /** The `node` for the sample service and the load; empty: the editor's own Node runtime. */
  /** The `locust` command of a Locust load (empty: the one on PATH). */
  get locustPath(): string | undefined {
    return this.section.get<string>('locustPath') || undefined;
  }

  get nodePath(): string | undefined {
    return this.section.get<string>('nodePath') || undefined;
  }

  /** The command that starts the user's service, and where it answers; undefined when unset. */
  get service(): { command: string; url: string } | undefined {
    const command = this.section.get<string>('service.command')?.trim();
    if (!command) return undefined;
    return { command, url: this.section.get<string>('service.url') || 'http://127.0.0.1:3000' };
  }

  /** The user's endpoints for the endpoint pick; malformed entries are left out. */
  get endpoints(): ConfiguredEndpoint[] {
    const raw = this.section.get<unknown>('endpoints');
    if (!Array.isArray(raw)) return [];
    return raw.flatMap((e): ConfiguredEndpoint[] => {
      if (typeof e !== 'object' || e === null) return [];
      const { method, path, body } = e as Record<string, unknown>;
      if (typeof path !== 'string' || !path.startsWith('/')) return [];
      return [
        {
          method: typeof method === 'string' ? method.toUpperCase() : 'GET',
          path,
          ...(typeof body === 'string' ? { body } : {}),
        },
      ];
    });
  }

  get showRouteLens(): boolean {
    return this.section.get<boolean>('showRouteCodeLens') ?? true;
  }

  get showCodeLens(): boolean {
    return this.section.get<boolean>('showCodeLens') ?? true;
  }

  get showHotLines(): boolean {
    return this.section.get<boolean>('showHotLines') ?? true;
  }

  /** Lines below this share of the run's time get no heat. */
  get hotLineThreshold(): number {
    return this.section.get<number>('hotLineThreshold') ?? 0.002;
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#changed.dispose();
  }
}

/** The pathMappings value last reported, so that each bad value is said once. */
let reportedMappings: string | undefined;

/**
 * `hotpath.pathMappings`, with `${workspaceFolder}` in a local folder replaced by the first
 * workspace folder; a bad entry is left out and said once.
 */
export function pathMappings(): PathMappings {
  const raw = vscode.workspace.getConfiguration('hotpath').get<unknown>('pathMappings');
  const { mappings, problems } = readPathMappings(raw);
  const said = JSON.stringify(problems);
  if (problems.length > 0 && said !== reportedMappings) {
    reportedMappings = said;
    void vscode.window.showErrorMessage(
      vscode.l10n.t('Hotpath settings: hotpath.pathMappings: {0}.', problems.join('; ')),
    );
  } else if (problems.length === 0) reportedMappings = undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) return mappings;
  return Object.fromEntries(
    Object.entries(mappings).map(([remote, local]) => [
      remote,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: VS Code's variable, as users write it
      local.replaceAll('${workspaceFolder}', folder),
    ]),
  );
}
