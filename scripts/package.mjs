// Makes the .vsix: `vsce package` with its arguments passed on (`npm run package -- --out F`).
//
// The .vsix ships the sample service's .ts sources so that its frames open at their lines; a user
// opens them from the installed extension, where neither Fastify's nor Node's types are installed.
// Type-checked there, they would fill the Problems view with "Cannot find module 'fastify'". For
// the package only, a tsconfig.json beside them tells TypeScript not to check them (`noCheck`):
// they are shown to be read, not built. In this repository they are checked with the rest of
// src/, so the file exists only while vsce packs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsconfig = path.join(root, 'src', 'sampleService', 'tsconfig.json');

const SHIPPED_TSCONFIG = {
  // What VS Code's TypeScript shows for the sample's sources as installed from the .vsix.
  compilerOptions: {
    noCheck: true,
    target: 'ES2022',
    module: 'Node16',
    moduleResolution: 'Node16',
    lib: ['ES2022'],
    types: [],
    strict: true,
    noEmit: true,
  },
  include: ['*.ts'],
};

if (fs.existsSync(tsconfig)) {
  console.error(`${tsconfig} exists already: remove it (it is written only while vsce packs)`);
  process.exit(1);
}
fs.writeFileSync(tsconfig, `${JSON.stringify(SHIPPED_TSCONFIG, null, 2)}\n`);
let status;
try {
  const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
  status = spawnSync(vsce, ['package', ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
  }).status;
} finally {
  fs.rmSync(tsconfig, { force: true });
}
process.exit(status ?? 1);
