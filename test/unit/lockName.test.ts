/** A lock named as the user's code names it, from the line that created it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lockName } from '../../src/profile/waits';

const at = (line: number) => ({ file: '/srv/app/server.ts', line, functionName: '', mapped: true });

test('the variable, property or field the lock was created into, with its file and line', () => {
  const source = [
    "import { Mutex, Semaphore } from 'async-mutex';",
    'const mutex = new Mutex();',
    'export const pool: Semaphore = new Semaphore(4);',
    'const locks = { orders: new Mutex() };',
    'class Store {',
    '  readonly #turnstile = new Mutex();',
    '  constructor() { this.writeLock = new Mutex(); }',
    '}',
    'locks.push(new Mutex());',
    'const limit = pLimit(1);',
    'const queues = { ledger: new PQueue({ concurrency: 1 }) };',
  ].join('\n');
  const read = (file: string) => (file === '/srv/app/server.ts' ? source : undefined);
  assert.equal(lockName('Mutex', at(2), read), 'mutex · server.ts:2');
  assert.equal(lockName('Semaphore', at(3), read), 'pool · server.ts:3');
  assert.equal(lockName('Mutex', at(4), read), 'orders · server.ts:4');
  assert.equal(lockName('Mutex', at(6), read), '#turnstile · server.ts:6');
  assert.equal(lockName('Mutex', at(7), read), 'writeLock · server.ts:7');
  assert.equal(lockName('Mutex', at(9), read), 'Mutex · server.ts:9', 'no name on the line');
  assert.equal(lockName('pLimit', at(10), read), 'limit · server.ts:10', 'made by a factory');
  assert.equal(lockName('PQueue', at(11), read), 'ledger · server.ts:11');
  assert.equal(lockName('Mutex', { ...at(2), file: '/gone.ts' }, read), 'Mutex · gone.ts:2');
  assert.equal(lockName('Mutex', undefined, read), 'Mutex', 'no creation site');
  const throws = () => {
    throw new Error('EACCES');
  };
  assert.equal(lockName('Mutex', at(2), throws), 'Mutex · server.ts:2', 'unreadable');
});
