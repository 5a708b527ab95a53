/**
 * The options a user gives, as data: one key per option, and its name on each surface — the
 * CLI's flag and, where one exists, the extension's setting. Words that tell a user to change an
 * option refer to it by key (`optionRef` in ./words.ts), and each surface prints its own name.
 * `test/unit/optionTable.test.ts` keeps the table in step with package.json and the CLI's parser.
 */

/** An option's names: the CLI's flag (none: a setting only), the VS Code setting (none: CLI only). */
export interface OptionNames {
  flag?: `--${string}`;
  setting?: `hotpath.${string}`;
}

export const OPTIONS = {
  // The target.
  path: {}, // the endpoint: the CLI's positional <path>, the editor's endpoint pick
  service: { flag: '--service', setting: 'hotpath.service.command' },
  url: { flag: '--url', setting: 'hotpath.service.url' },
  'allow-remote': { flag: '--allow-remote' },
  insecure: { flag: '--insecure' },
  'ready-timeout': { flag: '--ready-timeout' },
  'agent-timeout': { flag: '--agent-timeout' },
  'max-processes': { flag: '--max-processes' },
  // The load.
  preset: { flag: '--preset', setting: 'hotpath.defaultPreset' },
  presets: { setting: 'hotpath.presets' },
  shape: { flag: '--shape' },
  repeat: { flag: '--repeat', setting: 'hotpath.repeat' },
  connections: { flag: '--connections' },
  duration: { flag: '--duration' },
  amount: { flag: '--amount' },
  rate: { flag: '--rate' },
  'overall-rate': { flag: '--overall-rate' },
  method: { flag: '--method' },
  header: { flag: '--header' },
  body: { flag: '--body' },
  timeout: { flag: '--timeout' },
  'allow-errors': { flag: '--allow-errors' },
  warmup: { flag: '--warmup' },
  'drain-timeout': { flag: '--drain-timeout' },
  workers: { flag: '--workers' },
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
