/**
 * Runs inside VS Code's extension host: the entry that VS Code's test contract calls. Runs every
 * `*.test.js` built next to it (each harness builds its own suite into its own folder), and writes
 * what passed and failed to $HOTPATH_SUITE_RESULTS when it is set.
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
  const passed: string[] = [];
  const failed: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const results = process.env.HOTPATH_SUITE_RESULTS;
      if (results) fs.writeFileSync(results, JSON.stringify({ passed, failed }));
      failures > 0 ? reject(new Error(`${failures} extension tests failed`)) : resolve();
    });
    runner.on('pass', (t) => passed.push(t.fullTitle()));
    runner.on('fail', (t) => failed.push(t.fullTitle()));
  });
}
