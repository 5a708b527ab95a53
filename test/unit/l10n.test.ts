/**
 * The extension's strings and their English source files cannot drift apart: every
 * `vscode.l10n.t` string of src/ is in l10n/bundle.l10n.json (and nothing else is), every `%key%`
 * of package.json is in package.nls.json (and nothing else is). A translation is a copy of these
 * two files with the values translated; test/e2e/l10n.test.ts shows a real VS Code looks them up.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { getL10nJson } from '@vscode/l10n-dev';

const root = path.resolve(__dirname, '..', '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

/** The .ts files under `folder`, relative to the repository. */
function sources(folder: string): string[] {
  return fs
    .readdirSync(path.join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(folder, f));
}

test('every vscode.l10n.t string of src/ is in l10n/bundle.l10n.json, and the bundle holds no other', async () => {
  const files = sources('src').map((file) => ({
    file,
    contents: fs.readFileSync(path.join(root, file), 'utf8'),
  }));
  // The export reads string literals only: a message built at run time would never be translated.
  for (const { file, contents } of files)
    for (const call of contents.matchAll(/\bl10n\.t\(\s*([^\s])/g))
      assert.ok(
        call[1] === "'" || call[1] === '"',
        `${file}: l10n.t( must take a quoted string literal first, not ${call[1]}…`,
      );
  const used = await getL10nJson(files.map(({ contents }) => ({ contents, extension: '.ts' })));
  assert.ok(Object.keys(used).length > 50, 'the strings were found');
  const bundle: Record<string, string> = readJson('l10n/bundle.l10n.json');
  const run = 'run `npm run l10n:export`';
  assert.deepEqual(
    Object.keys(used).filter((key) => !(key in bundle)),
    [],
    `strings missing from l10n/bundle.l10n.json: ${run}`,
  );
  assert.deepEqual(
    Object.keys(bundle).filter((key) => !(key in used)),
    [],
    `strings of l10n/bundle.l10n.json that src/ no longer uses: ${run}`,
  );
  for (const [key, value] of Object.entries(bundle)) assert.equal(value, key, 'English as is');
});

/** Every string of the manifest, with where it is: `contributes.commands.0.title`. */
function strings(value: unknown, at: string): [string, string][] {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}.${i}`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  return [];
}

/** The manifest's fields that a user reads (titles, descriptions, names), wherever they are. */
const SHOWN =
  /\.(title|category|description|markdownDescription|enumDescriptions\.\d+|displayName)$/;

const manifest = readJson('package.json');
const nls: Record<string, string> = readJson('package.nls.json');

test('every text of the manifest a user reads is a %key% of package.nls.json, and no key is unused', () => {
  const used = new Set<string>();
  for (const [at, value] of strings(manifest, '')) {
    const key = /^%(.+)%$/.exec(value)?.[1];
    if (key !== undefined) {
      assert.ok(key in nls, `${at}: ${value} is not in package.nls.json`);
      used.add(key);
    } else if (SHOWN.test(`.${at}`))
      assert.fail(`${at}: "${value}" is shown to users: put it in package.nls.json`);
  }
  assert.deepEqual(
    Object.keys(nls).filter((key) => !used.has(key)),
    [],
    'keys of package.nls.json that package.json does not use',
  );
});
