// The one list of system packages Hotpath's tests need, and the step that makes sure they are
// there: `npm test` runs it first (`pretest`), `.ci/run` too. Missing packages are installed when
// running as root with apt-get; otherwise (or with HOTPATH_NO_INSTALL=1) it stops at once with
// the command to run, rather than letting the suite fail eight tests deep.
//
// `node scripts/systemPackages.mjs` checks and installs; `--list` prints the list.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * @typedef {{ file: string } | { command: string }} Probe  how to tell the package is there
 * @typedef {{ name: string, why: string, probe: Probe }} SystemPackage  a Debian package
 */

/** @type {readonly SystemPackage[]} */
export const SYSTEM_PACKAGES = [
  {
    name: 'chromium',
    why: 'headless Chromium drives the browser tests and the VS Code workbench of the extension tests',
    probe: { file: process.env.HOTPATH_CHROMIUM ?? '/usr/bin/chromium' },
  },
  {
    name: 'ripgrep',
    why: "the tests' VS Code (code-server) needs rg; its installer would download one, which fails offline",
    probe: { command: 'rg' },
  },
  {
    name: 'libkrb5-dev',
    why: "code-server's install builds its kerberos module against gssapi/gssapi.h",
    probe: { file: '/usr/include/gssapi/gssapi.h' },
  },
  {
    name: 'openssl',
    why: 'the HTTPS test makes a self-signed certificate with it',
    probe: { command: 'openssl' },
  },
  {
    name: 'g++',
    why: "code-server's install builds native modules (argon2, kerberos, spdlog, node-pty) with node-gyp",
    probe: { command: 'g++' },
  },
  {
    name: 'make',
    why: 'node-gyp builds the native modules with make',
    probe: { command: 'make' },
  },
  {
    name: 'python3',
    why: 'node-gyp runs on python3',
    probe: { command: 'python3' },
  },
  {
    name: 'python3-locust',
    why: "the Locust load engine's tests run the real Locust (Debian's 2.12; PyPI is not reachable)",
    probe: { file: '/usr/bin/locust' },
  },
];

/**
 * What to do about the missing packages; pure, so that each case is tested.
 * @param {{ missing: readonly SystemPackage[], root: boolean, aptGet: boolean, noInstall: boolean }} situation
 * @returns {{ action: 'none' } | { action: 'install', packages: string[], commands: string[][], lines: string[] } | { action: 'stop', message: string }}
 */
export function decide({ missing, root, aptGet, noInstall }) {
  if (missing.length === 0) return { action: 'none' };
  const names = missing.map((p) => p.name);
  const lines = missing.map((p) => `  ${p.name}: ${p.why}`);
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...names];
  if (root && aptGet && !noInstall) {
    return {
      action: 'install',
      packages: names,
      commands: [['apt-get', 'update', '-qq'], install],
      lines,
    };
  }
  const command = `${root ? '' : 'sudo '}apt-get update && ${root ? '' : 'sudo '}${install.join(' ')}`;
  const why = noInstall
    ? 'HOTPATH_NO_INSTALL=1 is set, so nothing is installed'
    : !root
      ? 'not running as root, so nothing is installed'
      : 'apt-get is not on this machine, so nothing is installed';
  return {
    action: 'stop',
    message: [
      `Hotpath's tests need ${names.length === 1 ? 'a system package' : 'system packages'} this machine lacks:`,
      ...lines,
      `${why}. Install ${names.length === 1 ? 'it' : 'them'} (Debian's names), then run the tests again:`,
      `  ${command}`,
    ].join('\n'),
  };
}

/** @param {Probe} probe */
function present(probe) {
  if ('file' in probe) return fs.existsSync(probe.file);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, probe.command))) return true;
  }
  return false;
}

function main() {
  if (process.argv.includes('--list')) {
    for (const p of SYSTEM_PACKAGES) console.log(`${p.name}\t${p.why}`);
    return 0;
  }
  const missing = SYSTEM_PACKAGES.filter((p) => !present(p.probe));
  const decision = decide({
    missing,
    root: process.getuid?.() === 0,
    aptGet: present({ command: 'apt-get' }),
    noInstall: process.env.HOTPATH_NO_INSTALL === '1',
  });
  if (decision.action === 'none') {
    console.log(`system packages: all ${SYSTEM_PACKAGES.length} present`);
    return 0;
  }
  if (decision.action === 'stop') {
    console.error(decision.message);
    return 1;
  }
  console.log(`system packages: installing ${decision.packages.join(', ')}, because`);
  for (const line of decision.lines) console.log(line);
  for (const command of decision.commands) {
    console.log(`$ ${command.join(' ')}`);
    const done = spawnSync(command[0], command.slice(1), {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (done.status !== 0) {
      console.error(`system packages: \`${command.join(' ')}\` failed (exit ${done.status})`);
      return 1;
    }
  }
  const still = SYSTEM_PACKAGES.filter((p) => !present(p.probe));
  if (still.length > 0) {
    console.error(
      `system packages: installed, but still missing: ${still.map((p) => p.name).join(', ')}`,
    );
    return 1;
  }
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
  const format = '${Version}';
  const versions = decision.packages.map((name) =>
    execFileSync('dpkg-query', ['-W', '-f', format, name], { encoding: 'utf8' }),
  );
  console.log(
    `system packages: installed ${decision.packages.map((n, i) => `${n} ${versions[i]}`).join(', ')}`,
  );
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
