/**
 * The agent's hook on `import` (`importShim.ts`): which imports get a shim (a watched lock
 * library's, from outside it, as an ES module), and the shim itself, run: every export of the
 * library is still there, the table's ones handed back as the agent's global says.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { shimmedUrl, shimSource, WATCH_MODULE } from '../../src/runner/agent/importShim';
import { tempFolder } from '../helpers';

const modules = path.resolve(__dirname, '..', '..', 'node_modules');
const url = (file: string) => pathToFileURL(path.join(modules, file)).href;
const pLimit = url('p-limit/index.js');
const service = pathToFileURL('/srv/app/server.mjs').href;
const IMPORT = ['node', 'import'];

test("a watched library's ES module imported from outside it gets a shim; nothing else does", () => {
  const shim = shimmedUrl(pLimit, service, 'module', IMPORT);
  assert.equal(shim, `${pLimit}?hotpath-lock=p-limit`);
  assert.equal(
    shimmedUrl(url('await-lock-3/build/AwaitLock.js'), service, 'module', IMPORT),
    `${url('await-lock-3/build/AwaitLock.js')}?hotpath-lock=await-lock`,
    'an aliased install, known by its package.json',
  );
  assert.equal(
    shimmedUrl(url('p-queue/dist/queue.js'), url('p-queue/dist/index.js'), 'module', IMPORT),
    undefined,
    "the library's own imports",
  );
  assert.equal(shimmedUrl(pLimit, shim, 'module', IMPORT), undefined, "the shim's own import");
  assert.equal(shimmedUrl(pLimit, service, 'module', ['node', 'require']), undefined, 'require');
  assert.equal(shimmedUrl(url('async-lock/index.js'), service, 'commonjs', IMPORT), undefined);
  assert.equal(shimmedUrl(url('express/index.js'), service, 'commonjs', IMPORT), undefined);
  assert.equal(
    shimmedUrl(pathToFileURL('/srv/app/p-limit.mjs').href, service, 'module', IMPORT),
    undefined,
  );
  assert.equal(shimSource(pLimit), undefined, 'an unmarked URL loads as it is');
});

/** The ES modules of the table's libraries installed here, as `import` resolves them. */
const ES_MODULES = [
  { specifier: 'p-limit', file: 'p-limit/index.js', name: 'p-limit', version: '7.3.3' },
  { specifier: 'p-queue', file: 'p-queue/dist/index.js', name: 'p-queue', version: '10.0.0' },
  {
    specifier: 'await-lock-3',
    file: 'await-lock-3/build/AwaitLock.js',
    name: 'await-lock',
    version: '3.0.0',
  },
  {
    specifier: 'async-mutex',
    file: 'async-mutex/index.mjs',
    name: 'async-mutex',
    version: '0.5.0',
  },
];

test('the shim re-exports all of the library, the watched exports as the agent hands them', async () => {
  const folder = tempFolder('import-shim');
  const seen: unknown[] = [];
  const watched = () => 'watched';
  Object.defineProperty(globalThis, WATCH_MODULE, {
    configurable: true,
    value: (name: string, version: string, namespace: Record<string, unknown>) => {
      seen.push([name, version]);
      return name === 'p-limit' ? { ...namespace, default: watched } : namespace;
    },
  });
  try {
    for (const [i, library] of ES_MODULES.entries()) {
      const file = path.join(folder, `shim${i}.mjs`);
      const marked = shimmedUrl(url(library.file), service, 'module', IMPORT) ?? '';
      fs.writeFileSync(file, shimSource(marked) ?? '');
      const shim = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      const original = (await import(library.specifier)) as Record<string, unknown>;
      assert.deepEqual(seen.at(-1), [library.name, library.version]);
      // Every export, no more (a library without a default export gets none), the others as they are.
      assert.deepEqual(Object.keys(shim).sort(), Object.keys(original).sort(), library.name);
      if (library.name === 'p-limit') assert.equal(shim.default, watched, 'the watched export');
      for (const key of Object.keys(original))
        if (!(library.name === 'p-limit' && key === 'default'))
          assert.equal(shim[key], original[key], `${library.name}: ${key}`);
    }
    assert.equal(seen.length, ES_MODULES.length);
  } finally {
    Reflect.deleteProperty(globalThis, WATCH_MODULE);
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
