/**
 * A real VS Code for the extension tests, on machines that cannot download one: code-server's
 * VS Code server (4.100.3 = VS Code 1.100.3, the newest whose engines accept Node 20), installed
 * once into `.vscode-test/`, the way @vscode/test-electron caches a downloaded VS Code. The
 * workbench runs in Debian's headless Chromium; VS Code reports the tests' exit code back.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchChromium } from '../browser';
import { freePort } from '../helpers';

export const CODE_SERVER_VERSION = '4.100.3';
const root = path.resolve(__dirname, '..', '..');
const cache = path.join(root, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);

/** Installs code-server into the cache when it is not there; returns VS Code's server-main.js. */
export function ensureCodeServer(): string {
  const serverMain = path.join(
    cache,
    'node_modules',
    'code-server',
    'lib',
    'vscode',
    'out',
    'server-main.js',
  );
  if (fs.existsSync(serverMain)) return serverMain;
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(
    path.join(cache, 'package.json'),
    '{"name":"hotpath-vscode-test","private":true}\n',
  );
  // @vscode/ripgrep's postinstall downloads ripgrep; it first looks in its cache folder, where a
  // tarball of Debian's rg under the expected name satisfies it.
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-rg-'));
  const rg = execFileSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).trim();
  if (!rg) throw new Error('ripgrep is missing: apt-get install -y ripgrep (as .ci/run does)');
  const ripgrepCache = path.join(temp, 'vscode-ripgrep-cache-1.15.11');
  fs.mkdirSync(ripgrepCache);
  fs.copyFileSync(rg, path.join(temp, 'rg'));
  execFileSync('tar', [
    '-czf',
    path.join(ripgrepCache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'),
    '-C',
    temp,
    'rg',
  ]);
  execFileSync(
    'npm',
    ['install', `code-server@${CODE_SERVER_VERSION}`, '--no-audit', '--no-fund', '--no-save'],
    {
      cwd: cache,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        TMPDIR: temp,
        npm_config_yes: 'true',
        npm_config_unsafe_perm: 'true',
        // Node's headers come with Debian's node: node-gyp must not download them.
        npm_config_nodedir: '/usr',
      },
    },
  );
  fs.rmSync(temp, { recursive: true, force: true });
  if (!fs.existsSync(serverMain))
    throw new Error(`code-server installed, but ${serverMain} is missing`);
  return serverMain;
}

/** A running code-server: its port, a workbench URL for a folder, and how to end it. */
export interface CodeServer {
  port: number;
  /** The workbench's URL with `folder` open and an optional payload (extension development, tests). */
  workbenchUrl(folder: string, payload?: [string, string][]): string;
  /** `vscode-remote://` URI of a path on this machine, for payloads. */
  remote(file: string): string;
  /** Output of the server process so far. */
  output(): string;
  /** Ends the server's process group and removes its data folder. */
  stop(): void;
}

/**
 * Starts code-server's VS Code server with a fresh user-data folder: no workspace-trust prompt
 * (the test workspaces are ours), no gallery calls.
 */
export async function startCodeServer(
  options: {
    userSettings?: Record<string, unknown>;
    /** A .vsix to install (`--install-extension`) before the server starts. */
    install?: string;
    /**
     * A display language (`--locale`) and its language pack's translations of VS Code itself
     * (`{ "contents": {} }`: English everywhere). VS Code serves the workbench in a language only
     * when a language pack for it is installed.
     */
    locale?: { language: string; coreTranslations: string };
  } = {},
): Promise<CodeServer> {
  const serverMain = ensureCodeServer();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-vscode-'));
  if (options.install) {
    execFileSync(
      process.execPath,
      [
        serverMain,
        '--accept-server-license-terms',
        ...dataArgs(data),
        '--install-extension',
        options.install,
      ],
      { env: serverEnv(data), stdio: ['ignore', 'pipe', 'inherit'], timeout: 120_000 },
    );
  }
  const port = await freePort();
  const settings = path.join(data, 'user', 'User', 'settings.json');
  fs.mkdirSync(path.dirname(settings), { recursive: true });
  fs.writeFileSync(
    settings,
    JSON.stringify({
      'security.workspace.trust.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'telemetry.telemetryLevel': 'off',
      'git.openRepositoryInParentFolders': 'never',
      'workbench.startupEditor': 'none',
      ...options.userSettings,
    }),
  );
  if (options.locale) installLanguagePack(path.join(data, 'user'), options.locale);
  const args = [
    serverMain,
    ...(options.locale ? ['--locale', options.locale.language] : []),
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    '--enable-smoke-test-driver',
    ...dataArgs(data),
  ];
  const server = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: serverEnv(data),
  });
  const serverOutput: string[] = [];
  server.stdout?.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => serverOutput.push(chunk.toString()));
  const stop = () => {
    if (server.pid !== undefined) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(data, { recursive: true, force: true });
  };
  const remote = (file: string) => `vscode-remote://127.0.0.1:${port}${file}`;
  try {
    await waitForServer(port, 60_000, () => serverOutput.join(''));
  } catch (error) {
    stop();
    throw error;
  }
  return {
    port,
    remote,
    output: () => serverOutput.join(''),
    workbenchUrl: (folder, payload) =>
      `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}${
        payload ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''
      }`,
    stop,
  };
}

/**
 * What VS Code's language-pack service records when it installs a language pack
 * (platform/languagePacks/node/languagePacks.ts): `languagepacks.json` in the user-data folder,
 * the index the server reads to serve the workbench in a language. The server's
 * `--install-extension` of a pack's .vsix was seen not to write it, so the test writes it.
 */
function installLanguagePack(
  userData: string,
  { language, coreTranslations }: { language: string; coreTranslations: string },
): void {
  fs.mkdirSync(userData, { recursive: true });
  const extension = { extensionIdentifier: { id: `hotpath-tests.language-pack-${language}` } };
  fs.writeFileSync(
    path.join(userData, 'languagepacks.json'),
    JSON.stringify({
      [language]: {
        hash: `hotpath-tests-${language}`,
        extensions: [{ ...extension, version: '0.0.0' }],
        translations: { vscode: coreTranslations },
        label: language,
      },
    }),
  );
}

/** The server's data, user data and extensions, all in the run's own folder. */
function dataArgs(data: string): string[] {
  return [
    '--server-data-dir',
    path.join(data, 'server'),
    '--user-data-dir',
    path.join(data, 'user'),
    '--extensions-dir',
    path.join(data, 'extensions'),
  ];
}

function serverEnv(data: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: path.join(data, 'config'),
    XDG_DATA_HOME: path.join(data, 'data'),
    XDG_CACHE_HOME: path.join(data, 'cache'),
  };
}

export interface ExtensionTestRun {
  exitCode: number;
  log: string[];
}

/**
 * Runs the extension tests at `testsPath` (a module exporting `run()`) in a real VS Code with
 * the extension at `extensionPath` and `workspace` open. Ends the server's process tree and the
 * browser whatever happens.
 */
export async function runExtensionTests(options: {
  /** The extension under development; none when the tests check an installed .vsix. */
  extensionPath?: string;
  /** A .vsix to install first. */
  install?: string;
  /** User settings on top of the test defaults. */
  userSettings?: Record<string, unknown>;
  testsPath: string;
  workspace: string;
  timeoutMs: number;
  /** Where to save a screenshot of the workbench as the tests left it. */
  screenshot?: string;
}): Promise<ExtensionTestRun> {
  const log: string[] = [];
  const server = await startCodeServer({
    ...(options.install ? { install: options.install } : {}),
    ...(options.userSettings ? { userSettings: options.userSettings } : {}),
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    let finish!: (code: number) => void;
    const finished = new Promise<number>((resolve) => {
      finish = resolve;
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => finish(code));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      log.push(
        `${type}: ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`,
      );
    });
    await page.goto(
      server.workbenchUrl(options.workspace, [
        ...(options.extensionPath
          ? [['extensionDevelopmentPath', server.remote(options.extensionPath)] as [string, string]]
          : []),
        ['extensionTestsPath', server.remote(options.testsPath)],
      ]),
    );
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        log.push(`the tests did not finish within ${options.timeoutMs / 1000} s`);
        resolve(124);
      }, options.timeoutMs).unref(),
    );
    const exitCode = await Promise.race([finished, timeout]);
    if (options.screenshot)
      await page.screenshot({ path: options.screenshot }).catch(() => undefined);
    return { exitCode, log };
  } finally {
    await browser.close();
    server.stop();
  }
}

async function waitForServer(port: number, timeoutMs: number, output: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/version`);
      await response.text();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(
    `VS Code's server did not answer on port ${port} within ${timeoutMs / 1000} s:\n${output()}`,
  );
}
