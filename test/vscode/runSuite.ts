/**
 * Runs an extension test suite through @vscode/test-electron's `runTests`, the standard entry: in
 * a downloaded VS Code when HOTPATH_VSCODE=download (a machine with internet and a display), else
 * in code-server through our launcher (launcher.cjs), which takes VS Code's place.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { tempFolder } from '../helpers';

const root = path.resolve(__dirname, '..', '..');

/** What a suite's Mocha said, by full test title. */
export interface SuiteResults {
  /** Mocha's own count of the tests it was to run. */
  total: number;
  /** Every test Mocha loaded, run or not. */
  planned: string[];
  passed: string[];
  failed: string[];
  /** Skipped (`test.skip`, `this.skip()`). */
  pending: string[];
  exitCode: number;
}

/**
 * Fails unless every test the suite planned ran and passed: none failed, none was skipped, none
 * went missing (a file that did not load, a hook that stopped its suite), each named. The count
 * is Mocha's, never one written into a test.
 */
export function assertEveryTestPassed(results: SuiteResults): void {
  assert.deepEqual(results.failed, [], 'failed');
  assert.deepEqual(results.pending, [], 'skipped');
  assert.ok(results.total > 0, 'the suite planned no test');
  assert.equal(results.planned.length, results.total, "Mocha's total and its planned tests");
  assert.deepEqual(
    results.planned.filter((t) => !results.passed.includes(t)),
    [],
    'planned but did not pass',
  );
  assert.equal(results.exitCode, 0);
}

/** Builds `index.ts` and the given test files into their own folder and runs them. */
export async function runSuite(options: {
  name: string;
  tests: string[];
  workspace: string;
  /** The extension under development (default: this repository). */
  extensionPath?: string;
  env?: Record<string, string>;
  /** Always code-server (for what only the launcher does, such as installing a .vsix first). */
  codeServer?: boolean;
  /** Keep the installed extensions enabled (default: only the one under development runs). */
  keepExtensions?: boolean;
}): Promise<SuiteResults> {
  const out = path.join(root, '.test-output', `${options.name}-suite`);
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [
      path.join(root, 'test/vscode/suite/index.ts'),
      // What the suites share, required by them from beside them.
      path.join(root, 'test/vscode/suite/until.ts'),
      ...options.tests.map((t) => path.join(root, t)),
    ],
    outdir: out,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    logLevel: 'warning',
  });
  const scratch = tempFolder(`${options.name}-results`);
  const resultsFile = path.join(scratch, 'results.json');
  const download = process.env.HOTPATH_VSCODE === 'download' && !options.codeServer;
  let exitCode = 0;
  try {
    await runTests({
      ...(download ? {} : { vscodeExecutablePath: path.join(root, 'test/vscode/launcher.cjs') }),
      extensionDevelopmentPath: options.extensionPath ?? root,
      extensionTestsPath: path.join(out, 'index.js'),
      launchArgs: [options.workspace, ...(options.keepExtensions ? [] : ['--disable-extensions'])],
      extensionTestsEnv: { ...options.env, HOTPATH_SUITE_RESULTS: resultsFile },
    });
  } catch (error) {
    exitCode = (error as { code?: number }).code ?? 1;
  }
  try {
    const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as Omit<
      SuiteResults,
      'exitCode'
    >;
    return { ...results, exitCode };
  } catch {
    return {
      total: 0,
      planned: [],
      passed: [],
      failed: ['(the suite reported no results)'],
      pending: [],
      exitCode: exitCode || 1,
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
