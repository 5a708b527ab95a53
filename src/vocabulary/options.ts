/**
 * The options a user gives, as data: one key per option, and its name on each surface — the
 * CLI's flag and, where one exists, the extension's setting. Words that tell a user to change an
 * option refer to it by key (`optionRef` in ./words.ts), and each surface prints its own name.
 * `test/unit/optionTable.test.ts` keeps the table in step with package.json and the CLI's parser.
 */

/**
 * An option's names: the CLI's flag (none: a setting only), and the editor's — a VS Code setting,
 * or a field of a load preset (`hotpath.presets`; '' for a preset of one's own as a whole). An
 * option with neither is the CLI's alone; no error or diagnosis refers to one such
 * (test/unit/optionTable.test.ts).
 */
export interface OptionNames {
  flag?: `--${string}`;
  setting?: `hotpath.${string}`;
  inPreset?: string;
  /** A flag without a value that turns something on: the editor's words set its setting true. */
  switch?: true;
}

export const OPTIONS = {
  // The target.
  path: {}, // the endpoint: the CLI's positional <path>, the editor's endpoint pick
  service: { flag: '--service', setting: 'hotpath.service.command' },
  url: { flag: '--url', setting: 'hotpath.service.url' },
  'allow-remote': { flag: '--allow-remote', setting: 'hotpath.service.allowRemote', switch: true },
  insecure: { flag: '--insecure', setting: 'hotpath.service.insecure', switch: true },
  attach: { flag: '--attach', setting: 'hotpath.service.inspector' },
  'allow-remote-inspector': { flag: '--allow-remote-inspector' },
  'attach-signal': { flag: '--attach-signal' },
  'ready-timeout': { flag: '--ready-timeout' },
  'agent-timeout': { flag: '--agent-timeout' },
  'max-processes': { flag: '--max-processes', setting: 'hotpath.maxProcesses' },
  // The load.
  preset: { flag: '--preset', setting: 'hotpath.defaultPreset' },
  presets: { setting: 'hotpath.presets' },
  shape: { flag: '--shape', inPreset: '' },
  repeat: { flag: '--repeat', setting: 'hotpath.repeat' },
  connections: { flag: '--connections', inPreset: 'connections' },
  duration: { flag: '--duration', inPreset: 'durationSec' },
  amount: { flag: '--amount' },
  rate: { flag: '--rate' },
  'overall-rate': { flag: '--overall-rate' },
  method: { flag: '--method' },
  header: { flag: '--header' },
  body: { flag: '--body' },
  timeout: { flag: '--timeout' },
  'allow-errors': { flag: '--allow-errors', setting: 'hotpath.allowErrors', switch: true },
  allocations: { flag: '--allocations', setting: 'hotpath.allocations', switch: true },
  warmup: { flag: '--warmup', setting: 'hotpath.warmup' },
  'drain-timeout': { flag: '--drain-timeout', setting: 'hotpath.drainTimeout' },
  workers: { flag: '--workers' },
  // Locust as the load (src/runner/load/locust.ts).
  locustfile: { flag: '--locustfile', inPreset: 'locustfile' },
  users: { flag: '--users', inPreset: 'users' },
  'spawn-rate': { flag: '--spawn-rate', inPreset: 'spawnRate' },
  'load-workers': { flag: '--load-workers', inPreset: 'loadWorkers' },
  'load-workers-external': { flag: '--load-workers-external' },
  'master-bind': { flag: '--master-bind' },
  'locust-path': { flag: '--locust-path', setting: 'hotpath.locustPath' },
  // The capture and where it goes.
  'sampling-interval': { flag: '--sampling-interval', setting: 'hotpath.samplingInterval' },
  'stall-threshold': { flag: '--stall-threshold', setting: 'hotpath.stallThreshold' },
  'no-profile': { flag: '--no-profile' },
  'no-locks': { flag: '--no-locks' },
  out: { flag: '--out', setting: 'hotpath.outputFolder' },
  'node-path': { setting: 'hotpath.nodePath' },
  // Comparisons.
  steps: { flag: '--steps' },
  'fail-if': { flag: '--fail-if' },
} as const satisfies Record<string, OptionNames>;

/** The key of a user-facing option: what `HotpathError.option` names. */
export type OptionKey = keyof typeof OPTIONS;

export function isOptionKey(key: string): key is OptionKey {
  return Object.hasOwn(OPTIONS, key);
}

/** Where words are shown: the terminal (and the reports the CLI writes), or the editor. */
export type Surface = 'cli' | 'editor';
