/** Runs inside VS Code's extension host: the entry that VS Code's test contract calls. */
import * as path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 120_000, color: false });
  mocha.addFile(path.join(__dirname, 'extension.test.js'));
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) =>
      failures > 0 ? reject(new Error(`${failures} extension tests failed`)) : resolve(),
    );
  });
}
