/** The inspector address of `--attach`: read, and refused off loopback without its own flag. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInspectorAddress, parseInspectorAddress } from '../../src/runner/attach/address';
import { resolveRunOptions } from '../../src/runner/options';
import { HotpathError } from '../../src/vocabulary/errors';

const code = (c: string) => (error: unknown) => error instanceof HotpathError && error.code === c;

test('host:port, a bracketed IPv6 host, a bare host (port 9229), a ws:// URL', () => {
  assert.deepEqual(parseInspectorAddress('127.0.0.1:9230'), { host: '127.0.0.1', port: 9230 });
  assert.deepEqual(parseInspectorAddress('[::1]:9229'), { host: '::1', port: 9229 });
  assert.deepEqual(parseInspectorAddress('localhost'), { host: 'localhost', port: 9229 });
  assert.deepEqual(parseInspectorAddress('ws://127.0.0.1:9229/'), {
    host: '127.0.0.1',
    port: 9229,
  });
  for (const bad of ['', ':9229', '127.0.0.1:0', '127.0.0.1:70000', 'a b:1'])
    assert.throws(() => parseInspectorAddress(bad), code('BAD_OPTION'), bad);
});

test('off loopback: refused with the SSH tunnel, unless allowed', () => {
  assert.throws(
    () => checkInspectorAddress('192.0.2.1:9229', false),
    (error) =>
      code('REMOTE_INSPECTOR')(error) && /ssh -L 9229:127\.0\.0\.1:9229/.test(String(error)),
  );
  assert.deepEqual(checkInspectorAddress('192.0.2.1:9229', true), {
    host: '192.0.2.1',
    port: 9229,
  });
  assert.deepEqual(checkInspectorAddress('127.0.0.2:1', false), { host: '127.0.0.2', port: 1 });
});

test('the run options: --attach needs the URL, is no --service, and the remote URL has its own flag', () => {
  const target = resolveRunOptions({
    path: '/x',
    attach: '127.0.0.1:9229',
    url: 'http://127.0.0.1:3000',
  }).target;
  assert.deepEqual(target, {
    kind: 'attach',
    url: 'http://127.0.0.1:3000',
    inspector: '127.0.0.1:9229',
    deoptimize: true,
  });
  assert.throws(
    () => resolveRunOptions({ path: '/x', attach: '127.0.0.1:9229' }),
    code('BAD_OPTION'),
  );
  assert.throws(
    () =>
      resolveRunOptions({
        path: '/x',
        attach: '127.0.0.1:9229',
        url: 'http://127.0.0.1:1',
        service: 'node a.js',
      }),
    code('BAD_OPTION'),
  );
  // --allow-remote (a remote load URL) does not allow a remote inspector.
  assert.throws(
    () =>
      resolveRunOptions({
        path: '/x',
        attach: '10.0.0.5:9229',
        url: 'http://10.0.0.5:3000',
        allowRemote: true,
      }),
    code('REMOTE_INSPECTOR'),
  );
});
