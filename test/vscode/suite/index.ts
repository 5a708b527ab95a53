/**
 * Runs inside VS Code's extension host: the entry that VS Code's test contract calls. Runs every
 * `*.test.js` built next to it (each harness builds its own suite into its own folder), and writes
 * to $HOTPATH_SUITE_RESULTS, when it is set, every test Mocha planned to run (by full title, with
 * Mocha's own total) and which of them passed, failed or were skipped (pending).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 120_000, color: false });
  for (const file of fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort())
    mocha.addFile(path.join(__dirname, file));
  const planned: string[] = [];
  const passed: string[] = [];
  const failed: string[] = [];
  const pending: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const results = process.env.HOTPATH_SUITE_RESULTS;
      if (results)
        fs.writeFileSync(
          results,
          JSON.stringify({ total: runner.total, planned, passed, failed, pending }),
        );
      failures > 0 ? reject(new Error(`${failures} extension tests failed`)) : resolve();
    });
    runner.suite.eachTest((t) => {
      planned.push(t.fullTitle());
    });
    runner.on('pass', (t) => passed.push(t.fullTitle()));
    // A hook's failure is reported under the hook's title: it counts as a failure too.
    runner.on('fail', (t) => failed.push(t.fullTitle()));
    runner.on('pending', (t) => pending.push(t.fullTitle()));
  });
}
