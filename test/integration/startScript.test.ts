/**
 * A start script that replaces NODE_OPTIONS (`NODE_OPTIONS=--max-old-space-size=256 node
 * server.js`, run as `npm start`): npm loads Hotpath's agent, the service does not. Hotpath names
 * the process that answers (its pid and command), says that it did not load the agent and why,
 * and gives the fix; it leaves nothing running.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { alive, fixture, freePort, runCli, tempFolder } from '../helpers';

test('a start script that sets NODE_OPTIONS: the process that answers, why it has no agent, the fix', async () => {
  const out = tempFolder('start-script');
  try {
    const port = await freePort();
    const { code, stdout, stderr } = runCli(fixture('zoo/npm-node-options'), [
      'profile',
      '/',
      '--service',
      `PORT=${port} npm start`,
      '--url',
      `http://127.0.0.1:${port}`,
      '--preset',
      'quick',
      '--out',
      out,
    ]);
    assert.equal(code, 1, stderr);
    // The failure is the run's own line, with the rest of its summary (stdout).
    const said = /pid (\d+) \(([^)]*)\), which `PORT=\d+ npm start` started, answers at/.exec(
      stdout,
    );
    assert.ok(said, `the process is named, as one the command started: ${stdout}`);
    const [, pid, command] = said;
    assert.equal(command, 'node server.js');
    assert.match(stdout, /did not load Hotpath's agent/);
    assert.match(stdout, /its NODE_OPTIONS is "--max-old-space-size=256"/);
    assert.match(stdout, /NODE_OPTIONS="\$NODE_OPTIONS --max-old-space-size=256"/);
    // The other way: its inspector opened by SIGUSR1 (test/integration/attach.test.ts runs it).
    assert.match(stdout, /add --attach-signal: .*lock waits are not measured that way/);
    assert.equal(alive(Number(pid)), false, 'the service was ended');
    const [run] = fs.readdirSync(out);
    const record = JSON.parse(fs.readFileSync(path.join(out, run, 'run.json'), 'utf8'));
    assert.equal(record.error.code, 'NO_AGENT');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
