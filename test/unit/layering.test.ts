import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|js|mts|cts)$/.test(file))
    .map((file) => path.join(dir, file));
}

test('src/profile, src/runner and src/sampleService never import vscode', () => {
  const pure = ['src/profile', 'src/runner', 'src/sampleService'].flatMap((d) =>
    sources(path.join(root, d)),
  );
  assert.ok(pure.length > 5, 'the layers were found');
  const importsVscode = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]vscode['"]/;
  const offenders = pure.filter((file) => importsVscode.test(fs.readFileSync(file, 'utf8')));
  assert.deepEqual(
    offenders.map((f) => path.relative(root, f)),
    [],
  );
});

test('the check itself catches an import of vscode', () => {
  const importsVscode = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]vscode['"]/;
  assert.ok(importsVscode.test("import * as vscode from 'vscode';"));
  assert.ok(importsVscode.test('const v = require("vscode")'));
  assert.ok(!importsVscode.test("import { x } from './vscodeish';"));
});
