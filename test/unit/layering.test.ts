import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import {
  ANALYSIS_FUNCTIONS,
  analysisIn,
  importCircles,
  importsOf,
  STATE_OWNERS,
  sourceFiles,
  stateAssignedElsewhere,
  violations,
} from '../layering';

const root = path.resolve(__dirname, '..', '..');

describe('the layers (rules in test/layering.ts)', () => {
  test('every file of src/ and media/ keeps the rules', () => {
    const files = sourceFiles(root);
    assert.ok(files.length > 50, 'the sources were found');
    assert.ok(
      files.some((f) => f.file === 'src/profile/model.ts'),
      'paths are relative to the repository',
    );
    assert.deepEqual(violations(files), []);
  });

  // The same `violations` as above, on files that break each rule: a rule that catches nothing
  // fails here.
  test('each rule catches its wrong import', () => {
    const wrong: [string, string][] = [
      ['src/profile/x.ts', "import * as vscode from 'vscode';"],
      ['src/runner/x.ts', 'const v = require("vscode");'],
      ['src/report/x.ts', "const v = await import('vscode');"],
      ['src/profile/x.ts', "import { runProfile } from '../runner/run';"],
      ['src/runner/x.ts', "import type { Analysis } from '../profile/analyze';"],
      ['src/runner/x.ts', "import { reportData } from '../report/reportData';"],
      ['src/report/x.ts', "import { resolveRunOptions } from '../runner/options';"],
      ['src/runs/x.ts', "import { runProfile } from '../runner/run';"],
      ['src/vocabulary/x.ts', "import { runProfile } from '../runner/run';"],
      ['src/vocabulary/x.ts', "import type { Analysis } from '../profile/analyze';"],
      ['src/profile/x.ts', "export { Config } from '../views/config';"],
      ['src/sampleService/x.ts', "import { DEFAULTS } from '../runner/options';"],
      ['src/record/x.ts', "import type { Analysis } from '../profile/analyze';"],
      ['src/record/x.ts', 'export function f() {}'],
      ['src/views/x.ts', "import { Ctx } from '../commands/context';"],
      ['media/x.ts', "import { reportData } from '../src/report/reportData';"],
    ];
    for (const [file, source] of wrong)
      assert.equal(violations([{ file, source }]).length, 1, `${file}: ${source}`);
  });

  test('what is allowed passes', () => {
    const right: [string, string][] = [
      ['src/views/x.ts', "import * as vscode from 'vscode';"],
      ['src/commands/x.ts', "import { SAMPLE_ROUTES } from '../sampleService/routes';"],
      ['src/profile/x.ts', "import type { RunRecord } from '../record/run';"],
      ['src/runner/x.ts', "import * as fs from 'node:fs';"],
      ['src/report/x.ts', "import { PRESETS } from '../vocabulary/presets';"],
      ['src/vocabulary/x.ts', "import type { LoadShape } from '../record/load';"],
      ['media/x.ts', "import type { FlameData } from '../src/protocol/flame';"],
      ['src/record/x.ts', "export const RUN_FILE = 'run.json';"],
    ];
    for (const [file, source] of right) assert.deepEqual(violations([{ file, source }]), []);
  });

  test('imports are read in every form', () => {
    assert.deepEqual(
      importsOf(
        [
          "import * as a from 'a';",
          "import type { B } from './b';",
          "import {\n  c,\n  type D,\n} from '../c';",
          "export { e } from './e';",
          "import './side-effect';",
          "const f = require('f');",
          "const g = await import('./g');",
          "// import { x } from './vscodeish' is a comment, but counted: safe side",
        ].join('\n'),
      ),
      ['a', './b', '../c', './e', './side-effect', 'f', './g', './vscodeish'],
    );
  });

  test('no import circle anywhere in src/ and media/, type-only imports counted', () => {
    assert.deepEqual(importCircles(sourceFiles(root)), []);
    // The circle the commands had (context ↔ run, both type-only), found.
    assert.deepEqual(
      importCircles([
        { file: 'src/commands/context.ts', source: "import type { ProfileRun } from './run';" },
        { file: 'src/commands/run.ts', source: "import type { Ctx } from './context';" },
        { file: 'src/commands/service.ts', source: "import type { Ctx } from './context';" },
      ]),
      [['src/commands/context.ts', 'src/commands/run.ts']],
    );
  });

  test('each piece of state is assigned only in its owner file', () => {
    assert.deepEqual(stateAssignedElsewhere(sourceFiles(root)), []);
    // What the commands did before each piece got one owner: each line is caught.
    const elsewhere: [string, string][] = [
      ['src/commands/run.ts', '    ctx.running = this;'],
      ['src/commands/run.ts', '    this.ctx.running = undefined;'],
      ['src/commands/service.ts', '      ctx.service = service;'],
      ['src/commands/context.ts', '    this.service = undefined;'],
      ['src/commands/profileEndpoint.ts', '    if (failed) ctx.lastError = record.error?.message;'],
      ['src/commands/profileEndpoint.ts', '    ctx.lastRunMessage = { text: headline, severity };'],
      ['src/views/x.ts', '    owner.#running ??= run;'],
    ];
    for (const [file, source] of elsewhere)
      assert.equal(stateAssignedElsewhere([{ file, source }]).length, 1, `${file}: ${source}`);
    // Reading, comparing and declaring a local of the same name are not assigning.
    for (const source of [
      'if (ctx.running === run) return;',
      'const running = ctx.beginRun(options, label);',
      'servicePid: () => ctx.sample.current?.pid,',
    ])
      assert.deepEqual(stateAssignedElsewhere([{ file: 'src/commands/x.ts', source }]), []);
    for (const [name, owner] of Object.entries(STATE_OWNERS))
      assert.deepEqual(stateAssignedElsewhere([{ file: owner, source: `this.#${name} = x;` }]), []);
  });

  // The host never analyses: whatever reads or analyses a profile is not even in the extension
  // host's bundle (only in the analysis worker's and the CLI's). Bundled here, unminified, as
  // esbuild.mjs bundles it, so a call put back through any import path is found.
  test("the extension host's bundle holds none of the analysis", async () => {
    const bundle = async (stdin?: string) => {
      const result = await esbuild.build({
        ...(stdin
          ? { stdin: { contents: stdin, resolveDir: root, loader: 'ts' } }
          : { entryPoints: [path.join(root, 'src/extension.ts')] }),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        external: ['vscode'],
        define: { __AUTOCANNON_VERSION__: '"0"' },
        write: false,
        logLevel: 'silent',
      });
      return result.outputFiles[0].text;
    };
    assert.deepEqual(analysisIn(await bundle()), []);
    // And the check sees each of them when something calls it.
    const worker = await bundle(
      "import { loadHeapProfile, loadRampSteps, loadRun } from './src/runs/runFolder';\n" +
        "import { comparisonReportData, reportData } from './src/report/reportData';\n" +
        "import { heapReportData } from './src/report/heapProfile';\n" +
        "import { compareRuns } from './src/profile/compare';\n" +
        'console.log(loadRun, loadRampSteps, loadHeapProfile, heapReportData, reportData, comparisonReportData, compareRuns);',
    );
    assert.deepEqual(analysisIn(worker), ANALYSIS_FUNCTIONS);
  });
});
