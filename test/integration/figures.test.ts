/**
 * One set of figures on every surface (issue #26, item 6): a real run rendered by the CLI as
 * text, `--json`, Markdown and HTML shows the same breakdown rows, hot lines (with each
 * function's inlined code as a row) and lock rows, each figure rounded the same way. The
 * expected rows come from the analysis itself, not from any renderer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { hotLines, sourceOf } from '../../src/profile/analyze';
import { breakdown } from '../../src/profile/breakdown';
import type { LoadedRun } from '../../src/profile/loadedRun';
import { FIGURE_ROWS } from '../../src/report/figures';
import { displayPath } from '../../src/report/places';
import { share } from '../../src/report/units';
import { resolveRunOptions } from '../../src/runner/options';
import { runProfile } from '../../src/runner/run';
import { loadRun } from '../../src/runs/runFolder';
import { CLI, tempFolder } from '../helpers';

const root = path.resolve(__dirname, '..', '..');

let out: string;
let run: LoadedRun;
before(async () => {
  out = tempFolder('figures');
  // /clients: a light route under the sample's turnstile lock, whose profile has code V8 inlined
  // into the user's functions (ticks on their declaration lines).
  const options = resolveRunOptions({
    path: '/clients',
    connections: 8,
    durationSec: 3,
    warmupSec: 0.5,
    outDir: out,
  });
  const { folder, record } = await runProfile(options);
  assert.equal(record.status, 'done', record.error?.message);
  run = loadRun(folder);
});
after(() => fs.rmSync(out, { recursive: true, force: true }));

/** A row the surface must show: every part in one of its rows. */
type Expected = { what: string; parts: string[] };

/** The figures, from the analysis: what every surface must show, as `share` rounds them. */
function expectedRows(): Expected[] {
  const { analysis } = run;
  const duration = analysis.model.durationUs;
  const unnamed: Record<string, string> = {
    gc: 'garbage collector',
    idle: 'idle',
    unattributed: 'unattributed',
  };
  const spent = breakdown(analysis)
    .filter((row) => row.share >= 0.005)
    .map((row) => ({
      what: `breakdown ${row.kind} ${row.owner ?? ''}`,
      parts: [
        share(row.share),
        ...(unnamed[row.kind]
          ? [unnamed[row.kind]]
          : row.names.map((n) => `${n.name} ${share(n.share)}`)),
      ],
    }));
  const lines = [
    ...hotLines(analysis, FIGURE_ROWS.lines).map((l) => ({
      us: l.selfUs,
      where: `${displayPath(l.file, root)}:${l.line}`,
    })),
    ...analysis.functions
      .filter((f) => f.category === 'user' && f.inlinedUs)
      .map((f) => ({
        us: f.inlinedUs ?? 0,
        where: `inlined code in ${f.name} (${displayPath(sourceOf(f)?.source ?? '', root)})`,
      })),
  ]
    .filter((l) => l.us / duration >= 0.0005)
    .sort((a, b) => b.us - a.us)
    .slice(0, FIGURE_ROWS.lines)
    .map((l) => ({ what: `hot line ${l.where}`, parts: [l.where, share(l.us / duration)] }));
  const locks = (run.waits?.sites ?? [])
    .filter((s) => s.asked > 0)
    .slice(0, FIGURE_ROWS.locks)
    .map((s) => ({
      what: `lock ${s.name}`,
      parts: [s.name, share(s.waitShare), `${displayPath(s.site.file, root)}:${s.site.line}`],
    }));
  return [...spent, ...lines, ...locks];
}

function cli(...args: string[]): string {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** Each surface's rows as one string a row. */
function surfaces(): Record<string, string[]> {
  const text = cli('report', run.folder).split('\n');
  // Markdown escapes what it would read as markup (`#`, `_`, `|`…): read the cells as text.
  const markdown = cli('report', run.folder, '--markdown')
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => l.replace(/\\(.)/g, '$1'));
  const json = JSON.parse(cli('report', run.folder, '--json')).analysis;
  const jsonRows = [
    ...(json.breakdown ?? []).map(
      (b: { label: string; share: number; names: { name: string; share: number }[] }) =>
        `${b.label} ${share(b.share)} ${b.names.map((n) => `${n.name} ${share(n.share)}`).join(', ')}`,
    ),
    ...(json.hotLines ?? []).map(
      (l: { where: string; share: number }) => `${l.where} ${share(l.share)}`,
    ),
    ...(json.locks?.rows ?? []).map(
      (l: { lock: string; waitShare: number; where: string }) =>
        `${l.lock} ${share(l.waitShare)} ${l.where}`,
    ),
  ];
  const page = path.join(out, 'report.html');
  cli('report', run.folder, '--html', page);
  const data = JSON.parse(
    /<script type="application\/json" id="hotpath-data">(.*?)<\/script>/s.exec(
      fs.readFileSync(page, 'utf8'),
    )?.[1] ?? '{}',
  );
  const htmlRows = [...(data.breakdown ?? []), ...data.hotLines, ...(data.waits?.rows ?? [])].map(
    (row: Record<string, string>) => Object.values(row).join(' '),
  );
  return { text, json: jsonRows, markdown, html: htmlRows };
}

test('text, --json, Markdown and HTML show the same breakdown, hot lines and lock rows', () => {
  const expected = expectedRows();
  // Else the test proves less than it says: the run has each kind of row.
  for (const kind of ['breakdown hotpath', 'hot line inlined code in', 'lock '])
    assert.ok(
      expected.some((e) => e.what.startsWith(kind)),
      `the run has a row "${kind}…": ${expected.map((e) => e.what).join('; ')}`,
    );
  const missing = Object.entries(surfaces()).flatMap(([surface, rows]) =>
    expected
      .filter((e) => !rows.some((row) => e.parts.every((p) => row.includes(p))))
      .map((e) => `${surface} lacks ${e.what}: ${e.parts.join(' | ')}`),
  );
  assert.deepEqual(missing, []);
});

test("the diagnosis's lookAt.selfShare is the self share of the line or function it names", () => {
  const json = JSON.parse(cli('report', run.folder, '--json')).analysis;
  const lookAt = json.diagnosis.lookAt;
  assert.ok(lookAt, 'the diagnosis names a place');
  const { analysis } = run;
  const duration = analysis.model.durationUs;
  const line = analysis.lines.find((l) => l.file === lookAt.file && l.line === lookAt.line);
  const fn = analysis.functions.find(
    (f) => f.name === lookAt.functionName && sourceOf(f)?.line === lookAt.line,
  );
  const self = fn ? fn.selfUs / duration : (line?.selfUs ?? 0) / duration;
  assert.ok(
    Math.abs(lookAt.selfShare - self) < 1e-9,
    `lookAt.selfShare ${lookAt.selfShare}, the self share ${self} (${lookAt.functionName} at ${lookAt.line})`,
  );
});
