/**
 * Runs an extension test suite through @vscode/test-electron's `runTests`, the standard entry: in
 * a downloaded VS Code when HOTPATH_VSCODE=download (a machine with internet and a display), else
 * in code-server through our launcher (launcher.cjs), which takes VS Code's place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { tempFolder } from '../helpers';

const root = path.resolve(__dirname, '..', '..');

export interface SuiteResults {
  passed: string[];
  failed: string[];
  exitCode: number;
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
    return { passed: [], failed: ['(the suite reported no results)'], exitCode: exitCode || 1 };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
