/** Where a service answers, from the addresses its processes listen on (findServicePort). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findServicePort, type Listener, type PortState } from '../../src/runner/listening';

const at = (address: string, port: number, pid = 7): Listener => ({
  address,
  port,
  pid,
  family: address.includes(':') ? 'IPv6' : 'IPv4',
});
const state = (over: Partial<PortState>): PortState => ({
  url: undefined,
  listening: [],
  agents: 1,
  answersAtUrl: false,
  sinceStartMs: 0,
  sinceFirstListenMs: 0,
  quietMs: 0,
  ...over,
});

test('with --url: found when an address on its port reaches its host', () => {
  for (const [address, url] of [
    ['127.0.0.1', 'http://127.0.0.1:3000'],
    ['0.0.0.0', 'http://127.0.0.1:3000'],
    ['::', 'http://127.0.0.1:3000'],
    ['::', 'http://[::1]:3000'],
    ['::1', 'http://localhost:3000'],
  ])
    assert.deepEqual(findServicePort(state({ url, listening: [at(address, 3000)] }), 'x'), {
      kind: 'found',
      url,
    });
});

test('with --url: an address its host does not reach is said at once', () => {
  const v4only = findServicePort(
    state({ url: 'http://[::1]:3000', listening: [at('0.0.0.0', 3000)] }),
    'x',
  );
  assert.equal(v4only.kind, 'error');
  const remote = findServicePort(
    state({ url: 'http://127.0.0.1:3000', listening: [at('10.1.2.3', 3000)] }),
    'x',
  );
  assert.ok(remote.kind === 'error' && /not on this machine's loopback/.test(remote.message));
});

test('another port: a grace first (a service may open an admin port before its API)', () => {
  const early = state({ url: 'http://127.0.0.1:3000', listening: [at('127.0.0.1', 9090)] });
  assert.deepEqual(findServicePort({ ...early, sinceFirstListenMs: 2999 }, 'x'), { kind: 'wait' });
  const late = findServicePort({ ...early, sinceFirstListenMs: 3000 }, 'x');
  assert.ok(late.kind === 'error' && late.code === 'WRONG_PORT', JSON.stringify(late));
});

test('without --url: the one port after a quiet moment; several are named', () => {
  const one = state({ listening: [at('0.0.0.0', 4000), at('::', 4000)] });
  assert.deepEqual(findServicePort({ ...one, quietMs: 100 }, 'x'), { kind: 'wait' });
  assert.deepEqual(findServicePort({ ...one, quietMs: 500 }, 'x'), {
    kind: 'found',
    url: 'http://127.0.0.1:4000',
  });
  const two = findServicePort(
    state({ listening: [at('127.0.0.1', 4000), at('127.0.0.1', 4001)], quietMs: 500 }),
    'x',
  );
  assert.ok(two.kind === 'error' && two.code === 'SEVERAL_PORTS');
});

test('no agent and something answers: the NODE_OPTIONS message, after the grace', () => {
  const none = state({ url: 'http://127.0.0.1:3000', agents: 0, answersAtUrl: true });
  assert.deepEqual(findServicePort({ ...none, sinceStartMs: 1000 }, 'x'), { kind: 'wait' });
  const late = findServicePort({ ...none, sinceStartMs: 3000 }, '`npm start`');
  assert.ok(late.kind === 'error' && late.code === 'NO_AGENT' && /NODE_OPTIONS/.test(late.message));
});

test('something answers and the system names it: the process, whether the command started it, why it has no agent', () => {
  const answering = state({
    url: 'http://127.0.0.1:3136',
    answersAtUrl: true,
    sinceStartMs: 3000,
  });
  const owner = {
    pid: 4242,
    command: 'node server.js',
    nodeOptions: '--max-old-space-size=256',
    environmentRead: true,
    startedByRoot: true,
  };
  const replaced = findServicePort({ ...answering, owner }, '`npm start`');
  assert.ok(replaced.kind === 'error' && replaced.code === 'NO_AGENT', JSON.stringify(replaced));
  assert.match(
    replaced.message,
    /^pid 4242 \(node server\.js\), which `npm start` started, answers/,
  );
  assert.match(replaced.message, /its NODE_OPTIONS is "--max-old-space-size=256"/);
  assert.match(replaced.message, /NODE_OPTIONS="\$NODE_OPTIONS --max-old-space-size=256"/);
  const cleared = findServicePort(
    { ...answering, owner: { ...owner, nodeOptions: undefined } },
    '`npm start`',
  );
  assert.ok(cleared.kind === 'error' && /has no NODE_OPTIONS/.test(cleared.message));
  const other = findServicePort(
    { ...answering, owner: { ...owner, startedByRoot: false } },
    '`npm start`',
  );
  assert.ok(other.kind === 'error' && other.code === 'TARGET_NOT_OURS');
  assert.match(other.message, /pid 4242 \(node server\.js\), which `npm start` did not start/);
  // Not named (another system, another user's process): the general words, as before.
  const unnamed = findServicePort(answering, '`npm start`');
  assert.ok(unnamed.kind === 'error' && unnamed.code === 'TARGET_NOT_OURS');
});
