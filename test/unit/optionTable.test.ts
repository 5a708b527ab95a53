/**
 * The option table (src/vocabulary/options.ts) in step with what it names — package.json's
 * settings and the CLI's parser — and words that refer to an option resolved on every surface.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { COMPARE_OPTIONS, PROFILE_OPTIONS } from '../../src/cli/args';
import { analyze } from '../../src/profile/analyze';
import type { Comparison } from '../../src/profile/compare';
import { parseProfile } from '../../src/profile/cpuprofile';
import { diagnose } from '../../src/profile/diagnosis';
import type { GateResult } from '../../src/profile/gates';
import type { LoadedRun } from '../../src/profile/loadedRun';
import type { RunRecord } from '../../src/record/run';
import { comparisonHeadline, gateText } from '../../src/report/comparison';
import { runFigures } from '../../src/report/figures';
import { runMarkdown } from '../../src/report/markdown';
import { comparisonReportData, reportData } from '../../src/report/reportData';
import { runRows } from '../../src/report/runSummary';
import { formatAnalysis, formatRun } from '../../src/report/text';
import { resolveRunOptions } from '../../src/runner/options';
import { HotpathError } from '../../src/vocabulary/errors';
import { isOptionKey, OPTIONS, type OptionKey, type Surface } from '../../src/vocabulary/options';
import {
  forSurface,
  hasReference,
  optionRef,
  settingsNamed,
  suggestedValue,
} from '../../src/vocabulary/words';

const root = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const settings = new Set(
  [manifest.contributes.configuration]
    .flat()
    .flatMap((c: { properties: object }) => Object.keys(c.properties)),
);
const flags = new Set(
  [PROFILE_OPTIONS, COMPARE_OPTIONS].flatMap((o) => Object.keys(o).map((name) => `--${name}`)),
);
const table = Object.entries(OPTIONS) as [OptionKey, { flag?: string; setting?: string }][];

describe('the option table', () => {
  test('every setting it names is one of package.json', () => {
    for (const [key, names] of table)
      if (names.setting) assert.ok(settings.has(names.setting), `${key}: ${names.setting}`);
  });

  test("every flag it names is one of the CLI's parser, and every option flag of profile is in it", () => {
    for (const [key, names] of table)
      if (names.flag) assert.ok(flags.has(names.flag), `${key}: ${names.flag}`);
    const named = new Set(table.map(([, names]) => names.flag));
    for (const name of Object.keys(PROFILE_OPTIONS))
      if (name !== 'help' && name !== 'json')
        assert.ok(named.has(`--${name}`), `--${name} is missing from the option table`);
  });

  test("a key is the flag's name where there is a flag (what HotpathError.option has always said)", () => {
    for (const [key, names] of table) if (names.flag) assert.equal(names.flag, `--${key}`);
    assert.ok(isOptionKey('url') && !isOptionKey('presets[0].name'));
  });

  test("a bad option's error names its key", () => {
    for (const [request, option] of [
      [{ path: '/x', connections: 0 }, 'connections'],
      [{ path: '/x', shape: { kind: 'ramp' } }, 'shape'],
      [{ path: '/x', url: 'http://192.0.2.1' }, 'url'],
    ] as const) {
      assert.throws(
        () => resolveRunOptions(request),
        (error) => error instanceof HotpathError && error.option === option,
      );
    }
  });
});

describe('words that name an option, per surface', () => {
  test('the CLI prints the flag; the editor the setting, the preset by name, or says it is the CLI’s', () => {
    const cases: [string, string, string][] = [
      [
        optionRef('url', 'http://127.0.0.1:4000'),
        '--url http://127.0.0.1:4000',
        '"hotpath.service.url": "http://127.0.0.1:4000"',
      ],
      [optionRef('url'), '--url', 'the setting hotpath.service.url'],
      [optionRef('preset', 'ramp'), '--preset ramp', 'the "ramp" preset'],
      [optionRef('repeat', 'N'), '--repeat N', '"hotpath.repeat": N'],
      [optionRef('allow-errors'), '--allow-errors', '"hotpath.allowErrors": true'],
      [
        optionRef('connections', '5'),
        '--connections 5',
        'a preset with "connections": 5 in hotpath.presets',
      ],
      [optionRef('shape'), '--shape', 'a preset of your own in hotpath.presets'],
      [optionRef('workers', '2'), '--workers 2', "the CLI's --workers 2"],
      [optionRef('node-path'), 'hotpath.nodePath', 'the setting hotpath.nodePath'],
    ];
    for (const [words, cli, editor] of cases) {
      assert.equal(forSurface(`use ${words} now`, 'cli'), `use ${cli} now`);
      assert.equal(forSurface(`use ${words} now`, 'editor'), `use ${editor} now`);
    }
  });

  test('the settings an editor message names, for its Open Settings button', () => {
    assert.deepEqual(
      settingsNamed(
        `use ${optionRef('url', 'http://127.0.0.1:1')} or ${optionRef('connections', '1')}, ${optionRef('duration', '9')}, ${optionRef('preset', 'ramp')}`,
      ),
      ['hotpath.service.url', 'hotpath.presets'],
    );
    assert.deepEqual(settingsNamed('nothing to set'), []);
  });

  test('every option resolves on every surface', () => {
    for (const [key] of table)
      for (const surface of ['cli', 'editor'] as const)
        for (const words of [optionRef(key), optionRef(key, 'x')])
          assert.ok(!hasReference(forSurface(words, surface)), `${key} on ${surface}`);
  });

  test("an error's message is the CLI's words; its words keep the reference for the editor", () => {
    const error = new HotpathError('WRONG_PORT', `use ${optionRef('url', 'http://127.0.0.1:1')}`);
    assert.equal(error.message, 'use --url http://127.0.0.1:1');
    assert.equal(forSurface(error, 'editor'), 'use "hotpath.service.url": "http://127.0.0.1:1"');
    assert.ok(hasReference(error.words));
  });
});

// A profile busy 70 % of the window whose responses take 3x their CPU: the diagnosis suggests a
// ramp, by reference (see diagnosis.test.ts for the figures).
function suggestingRun(): LoadedRun {
  const APP = 'file:///srv/app/server.js';
  const nodes = [
    { id: 1, callFrame: frame('(root)', '', -1), children: [2, 3] },
    { id: 2, callFrame: frame('work', APP, 4), children: [] },
    { id: 3, callFrame: frame('(idle)', '', -1), children: [] },
  ];
  const samples = [...Array(700).fill(2), ...Array(300).fill(3)];
  const analysis = analyze(
    parseProfile({
      nodes,
      startTime: 0,
      endTime: samples.length * 100,
      samples,
      timeDeltas: samples.map((_, i) => (i === 0 ? 0 : 100)),
    }),
  );
  const diagnosis = diagnose(analysis, {
    load: {
      requests: 1000,
      latencyMs: { p50: 2.2 },
      errors: 0,
      timeouts: 0,
      non2xx: 0,
      statusCodes: { '200': 1000 },
    },
    metrics: { cpuUserMs: 700, cpuSystemMs: 0, cpuShare: 0.7 },
  } as Parameters<typeof diagnose>[1]);
  return {
    folder: '/srv/runs/x',
    profileFile: '/srv/runs/x/profile.cpuprofile',
    analysis,
    diagnosis,
  };
}

function frame(functionName: string, url: string, lineNumber: number) {
  return { functionName, scriptId: url ? '1' : '0', url, lineNumber, columnNumber: 0 };
}

// What a run's summary rows say of a capped cluster and a warm-up that did not drain.
const record = {
  status: 'done',
  stage: 'done',
  processes: {
    port: 3000,
    profiled: [
      { pid: 1, threadId: 0, requests: 10, merged: true },
      { pid: 2, threadId: 0, requests: 10, merged: true },
    ],
    skipped: [],
    overCap: 2,
    cap: 2,
  },
  warmup: { leftInFlight: 5, drainedMs: 10_000 },
  profile: { file: null, why: 'profiling was turned off for this run' },
} as unknown as RunRecord;

const noisy = {
  unit: 'share',
  ratios: { requestsPerSec: 1 },
  spread: { requestsPerSec: { estimate: 1, low: 0.2, high: 5, confidence: 0.95 } },
  functions: [],
  lines: [],
  locks: [],
  tree: {
    key: 'root',
    name: '(root)',
    file: '',
    line: 0,
    category: 'root',
    before: 1,
    after: 1,
    children: [],
  },
} as unknown as Comparison;

describe('no rendered text holds an unresolved option reference', () => {
  const run = suggestingRun();

  test('the figures do refer to options (else this test proves nothing)', () => {
    assert.ok(hasReference(run.diagnosis.summary), run.diagnosis.summary);
    assert.match(forSurface(run.diagnosis.summary, 'cli'), /Try a ramp \(--preset ramp\)/);
    assert.match(forSurface(run.diagnosis.summary, 'editor'), /Try a ramp \(the "ramp" preset\)/);
  });

  test('CLI text, Markdown, the report page (either surface), rows, headlines and gates', () => {
    const rendered: [string, string][] = [
      [
        'formatAnalysis',
        formatAnalysis(run.diagnosis, runFigures(run, '/srv'), run.analysis.notes),
      ],
      ['formatRun', formatRun(record, '/srv/runs/x', '/srv')],
      ['runMarkdown', runMarkdown(run, '/srv')],
      ['comparisonHeadline', comparisonHeadline(noisy, '/srv').text],
      [
        'gateText',
        gateText({
          gate: { text: 'rps<0.9', value: 0.9 },
          ratio: 1,
          interval: noisy.spread?.requestsPerSec,
          outcome: 'inconclusive',
        } as GateResult),
      ],
    ];
    for (const surface of ['cli', 'editor'] as Surface[]) {
      rendered.push(
        [`reportData ${surface}`, JSON.stringify(reportData(run, '/srv', surface))],
        [`runRows ${surface}`, JSON.stringify(runRows(record, '/srv/runs/x', '/srv', surface))],
        [
          `comparisonReportData ${surface}`,
          JSON.stringify(comparisonReportData(noisy, ['a', 'b'], '/srv', undefined, surface)),
        ],
      );
    }
    for (const [what, text] of rendered) assert.ok(!hasReference(text), `${what}: ${text}`);
    const cli = rendered.map(([, text]) => text).join('\n');
    for (const flag of ['--preset ramp', '--max-processes', '--drain-timeout', '--repeat N'])
      assert.ok(cli.includes(flag), flag);
  });
});

// Every sentence of an error (HotpathError, a run's failure, a bad option) or a diagnosis is
// written below the editor, in src/runner, src/profile, src/report, src/runs and src/vocabulary:
// none may spell a flag of the table itself, and every option they refer to has an editor name.
describe("the editor's words for every error and diagnosis", () => {
  const floors = ['runner', 'profile', 'report', 'runs', 'vocabulary'];
  const sources = floors.flatMap((floor) =>
    (fs.readdirSync(path.join(root, 'src', floor), { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !['options.ts', 'words.ts'].includes(file))
      .map((file) => {
        const text = fs.readFileSync(path.join(root, 'src', floor, file), 'utf8');
        // Comments say flags freely: only the code's strings reach a user.
        const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
        return { file: `src/${floor}/${file}`, code };
      }),
  );
  const tableFlags = table.flatMap(([, names]) => (names.flag ? [names.flag] : []));

  test('no string of theirs spells a flag of the table: it refers to the option (optionRef)', () => {
    const spelled = sources.flatMap(({ file, code }) =>
      tableFlags
        .filter((flag) => new RegExp(`${flag}(?![a-z-])`).test(code))
        .map((flag) => `${file}: ${flag}`),
    );
    assert.deepEqual(spelled, []);
  });

  test('every option they refer to is named in the editor by a setting or a preset, never a flag', () => {
    const referred = new Set(
      sources.flatMap(({ code }) =>
        [...code.matchAll(/optionRef\('([a-z-]+)'/g)].map(([, key]) => key as OptionKey),
      ),
    );
    assert.ok(referred.has('url') && referred.has('preset') && referred.has('allow-errors'));
    for (const key of referred)
      for (const words of [optionRef(key), optionRef(key, '1')]) {
        const editor = forSurface(words, 'editor');
        assert.doesNotMatch(editor, /--[a-z]/, `${key}: ${editor}`);
        assert.match(editor, /hotpath\.[a-zA-Z.]+|the "1" preset/, `${key}: ${editor}`);
      }
  });

  test('the wrong-port error and the ramp diagnosis, as the editor says them', () => {
    const error = new HotpathError(
      'WRONG_PORT',
      `your service listens on port 3001, not on 3000 (${optionRef('url', 'http://127.0.0.1:3000')}): use ${optionRef('url', 'http://127.0.0.1:3001')}`,
    );
    assert.equal(
      forSurface(error, 'editor'),
      'your service listens on port 3001, not on 3000 ("hotpath.service.url": "http://127.0.0.1:3000"): use "hotpath.service.url": "http://127.0.0.1:3001"',
    );
    assert.deepEqual(settingsNamed(error), ['hotpath.service.url']);
    assert.equal(suggestedValue(error, 'url'), 'http://127.0.0.1:3001', 'the port found, to use');
    assert.equal(suggestedValue(error, 'preset'), undefined);
    const summary = forSurface(suggestingRun().diagnosis.summary, 'editor');
    assert.doesNotMatch(summary, /--[a-z]/);
    assert.match(summary, /the "ramp" preset/);
  });
});
