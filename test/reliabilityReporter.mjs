// A node:test reporter that writes docs/RELIABILITY.md from the test run: every reliability and
// security case (malformed input, hostile strings, process faults, files, security, load), what
// was tried (the test's name) and whether it held. `npm test` runs it beside the TAP output.
import * as path from 'node:path';

/** Areas of the table, in order, and the tests that belong to each (by file, then by name). */
const AREAS = [
  [
    'Malformed profiles',
    (file, name) => /profileFuzz|badFiles/.test(file) || /broken profile|malformed/i.test(name),
  ],
  ['Hostile strings', (file, name) => /panelPage/.test(file) || /hostile/i.test(name)],
  [
    'Process faults',
    (file, name) =>
      (/faults\.test/.test(file) && !/locust|folder|writer|disk/.test(name)) ||
      (/engine\.test|cli\.test/.test(file) &&
        /cancel|exits at once|never answers|occupied port|killing/i.test(name)),
  ],
  ['Files', (file, name) => /faults\.test/.test(file) && /folder|writer|disk/.test(name)],
  [
    'Security',
    (file, name) =>
      /agentChannel/.test(file) || /allowRemote|loopback|bad usage|untrusted/i.test(name),
  ],
  ['Load', (file, name) => /backlog/.test(file) || /locust/i.test(name)],
  ['In the editor', (file) => /e2e[\\/]vscode\.test/.test(file)],
];

/** A skip's or todo's reason, as node:test gives it (`true` when none was given). */
const reason = (why) => (typeof why === 'string' && why !== '' ? why : 'no reason given');

export default async function* reliability(source) {
  const rows = AREAS.map(() => []);
  /** Every test of the run that was skipped or left as todo, in any file: none goes unsaid. */
  const skipped = [];
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file = '', details } = event.data;
    if (details?.type === 'suite') continue;
    if (event.data.skip !== undefined || event.data.todo !== undefined) {
      skipped.push({
        name,
        file: path.relative(process.cwd(), file),
        why: `${event.data.todo !== undefined ? 'todo' : 'skipped'}: ${reason(event.data.skip ?? event.data.todo)}`,
      });
      continue;
    }
    const area = AREAS.findIndex(([, belongs]) => belongs(file, name));
    if (area < 0) continue;
    rows[area].push({
      name,
      file: path.relative(process.cwd(), file),
      held: event.type === 'test:pass',
    });
  }
  const all = rows.flat();
  const held = all.filter((r) => r.held).length;
  let out = '# Reliability and security\n\n';
  out +=
    'Written by `test/reliabilityReporter.mjs` from the last `npm test` run, not by hand. Each row is one\n';
  out +=
    'test: what was tried, and whether what must hold held. The fuzz counts are `HOTPATH_FUZZ_RUNS`\n';
  out += '(default 10,000); the start/cancel cycles are `HOTPATH_CANCEL_CYCLES` (default 50).\n\n';
  out += `**${held} of ${all.length} held.**`;
  out +=
    skipped.length === 0
      ? ' No test of the run was skipped.\n\n'
      : ` **${skipped.length} test${skipped.length === 1 ? ' was' : 's were'} skipped** (listed at the end).\n\n`;
  AREAS.forEach(([area], i) => {
    if (rows[i].length === 0) return;
    out += `## ${area}\n\n| what was tried | held | test |\n| --- | --- | --- |\n`;
    for (const r of rows[i])
      out += `| ${r.name.replaceAll('|', '\\|')} | ${r.held ? 'yes' : '**no**'} | \`${r.file}\` |\n`;
    out += '\n';
  });
  if (skipped.length > 0) {
    out +=
      '## Skipped\n\nTests of the run, in any area, that did not run, with the reason given.\n\n';
    out += '| test | why | file |\n| --- | --- | --- |\n';
    for (const r of skipped)
      out += `| ${r.name.replaceAll('|', '\\|')} | ${r.why.replaceAll('|', '\\|')} | \`${r.file}\` |\n`;
    out += '\n';
  }
  yield out;
}
