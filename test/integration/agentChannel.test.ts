/**
 * The agent's control channel accepts only its runner's agents: a private folder (mode 0700), an
 * owner-only socket (0600) and a token. A second process that connects without the token is
 * dropped and can neither pose as an agent nor be taken for the service.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { AgentChannel } from '../../src/runner/agent/channel';

/** A second process that connects to the socket and says `lines`; resolves with how it ended. */
function intruder(socketPath: string, lines: unknown[]): Promise<string> {
  const script = `
    const socket = require('node:net').connect(${JSON.stringify(socketPath)});
    socket.on('connect', () => {
      for (const line of ${JSON.stringify(lines.map((l) => JSON.stringify(l)))}) socket.write(line + '\\n');
    });
    socket.on('close', () => { console.log('dropped'); process.exit(0); });
    // Reset or closed: either way the channel hung up on it.
    socket.on('error', () => { console.log('dropped'); process.exit(0); });
    setTimeout(() => { console.log('still connected'); process.exit(0); }, 3000);
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.on('exit', () => resolve(output.trim()));
  });
}

test('a process without the token is dropped and cannot pose as an agent', async () => {
  const channel = await AgentChannel.open();
  try {
    const folderMode = fs.statSync(path.dirname(channel.socketPath)).mode & 0o777;
    const socketMode = fs.statSync(channel.socketPath).mode & 0o777;
    assert.equal(folderMode, 0o700, 'only the owner can enter the folder');
    assert.equal(socketMode, 0o600, 'only the owner can use the socket');

    const pretend = { type: 'listening', address: { address: '127.0.0.1', port: 4321 } };
    assert.equal(
      await intruder(channel.socketPath, [
        { type: 'hello', token: 'guess', pid: 1, node: 'v20' },
        pretend,
      ]),
      'dropped',
    );
    assert.equal(await intruder(channel.socketPath, [pretend]), 'dropped', 'no hello at all');
    assert.equal(await intruder(channel.socketPath, ['not json']), 'dropped');
    assert.equal(channel.agents.length, 0, 'no intruder became an agent');
    await assert.rejects(
      channel.agentListeningOn(4321, undefined, new Promise((resolve) => setTimeout(resolve, 300))),
      /no process started by Hotpath listens on port 4321/,
    );
  } finally {
    await channel.close();
  }
  assert.equal(fs.existsSync(channel.socketPath), false, 'the socket and its folder are removed');
});
