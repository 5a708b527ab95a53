/**
 * Source maps Node held in memory (tsx, ts-node), kept by the run under each script's file URL:
 * a heap profile names the same script by its path (V8's heap profiler writes the script's name
 * as it is), and must be mapped by the same map. Seen on the zoo's tsx service: the CPU profile's
 * `priceBasket` at pricing.ts:15, its allocations at "pricing.ts:2" (the generated line).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { createSourceMapper } from '../../src/profile/sourcemaps';

test('a map held under the file URL maps the script named by its path too', () => {
  const file = path.join(path.sep, 'srv', 'app', 'pricing.ts');
  const source = [
    '// pricing',
    'export interface Item { cents: number }',
    '',
    'export function priceBasket(items: Item[]): number {',
    '  return items.reduce((sum, item) => sum + item.cents, 0);',
    '}',
    '',
  ].join('\n');
  const { code, map } = transformSync(source, {
    loader: 'ts',
    format: 'cjs',
    minifyWhitespace: true,
    sourcemap: 'external',
    sourcefile: file,
  });
  const lines = code.split('\n');
  const line = lines.findIndex((l) => l.includes('function priceBasket'));
  const column = lines[line].indexOf('function priceBasket') + 1;
  const held = { [pathToFileURL(file).href]: JSON.parse(map) };
  // The script is not on disk: only the held map can place it.
  const mapper = createSourceMapper(() => undefined, held);
  for (const url of [pathToFileURL(file).href, file]) {
    const original = mapper.position(url, line + 1, column, 'priceBasket');
    assert.equal(original?.line, 4, `${url}: ${JSON.stringify(original)}`);
    assert.match(original?.source ?? '', /pricing\.ts$/);
  }
});
