import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { importsOf, sourceFiles, violations } from '../layering';

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

  // Re-exports kept only for files another change of issue #25 is rewriting (src/commands/): no
  // other file may take these names from there; once those files import them from their own
  // homes, the re-exports go.
  test('the re-exports left for the commands being rewritten serve only them', () => {
    const left: [string, RegExp, string[]][] = [
      ['src/runner/errors.ts', /runner\/errors['"]/, ['src/commands/context.ts']],
      [
        'DEFAULTS, allPresets of src/runner/options.ts',
        /import \{[^}]*\b(DEFAULTS|allPresets)\b[^}]*\} from '[./]*runner\/options'/,
        ['src/commands/service.ts', 'src/commands/profileEndpoint.ts'],
      ],
      [
        'comparisonHeadline, comparisonVerdicts, runLabel of src/report/text.ts',
        /import \{[^}]*\b(comparisonHeadline|comparisonVerdicts|runLabel)\b[^}]*\} from '[./]*report\/text'/,
        ['src/commands/context.ts', 'src/commands/compare.ts'],
      ],
    ];
    for (const [what, pattern, allowed] of left) {
      const users = sourceFiles(root)
        .filter((f) => pattern.test(f.source))
        .map((f) => f.file);
      for (const user of users) assert.ok(allowed.includes(user), `${user} takes ${what}`);
    }
  });
});
