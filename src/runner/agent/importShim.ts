/**
 * What the agent's hook on `import` (`importHook.ts`) does to a module, as two functions both
 * kinds of Node's module hooks call: which import of a watched lock library (`lockLibraries.ts`)
 * to hand a shim instead, and that shim's source. The shim imports the library's module as it is,
 * re-exports all of it, and re-exports the table's exports of it (its classes and factories) as
 * the tracker hands them back watched. Nothing of the service's module graph changes but that
 * one module in between: the library's own module is loaded once, as it would be, and every
 * importer of the library gets the same shim.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOCK_LIBRARIES, lockLibraryNamed, watchedExports } from './lockLibraries';

/** The query that marks a shim's URL, with the library's name. */
const MARK = 'hotpath-lock';
/** The global the shim calls, set by the agent: `(name, version, namespace) => watched`. */
export const WATCH_MODULE = Symbol.for('hotpath.watchLockModule');

interface Package {
  /** The package's folder as a URL, with its trailing `/`. */
  root: string;
  name: string;
  version?: string;
}

/** The package of each folder read so far (undefined: none watched). */
const packages = new Map<string, Package | undefined>();

/**
 * The watched lock library a file URL belongs to: its package's name in its package.json (an
 * aliased install, `await-lock-3`, is still `await-lock`). Cheap for every other module: a
 * package.json is read only for a folder whose name holds a watched library's.
 */
function packageOf(url: string): Package | undefined {
  if (!url.startsWith('file:')) return undefined;
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const start = at + '/node_modules/'.length;
  let end = url.indexOf('/', start);
  if (url[start] === '@' && end > 0) end = url.indexOf('/', end + 1);
  if (end < 0) return undefined;
  const folder = url.slice(start, end);
  if (!LOCK_LIBRARIES.some((library) => folder.includes(library.name))) return undefined;
  const root = url.slice(0, end + 1);
  if (packages.has(root)) return packages.get(root);
  let found: Package | undefined;
  try {
    const json = JSON.parse(readFileSync(fileURLToPath(`${root}package.json`), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    if (typeof json.name === 'string' && lockLibraryNamed(json.name)) {
      found = {
        root,
        name: json.name,
        ...(typeof json.version === 'string' ? { version: json.version } : {}),
      };
    }
  } catch {
    /* no package.json there: not a package the agent knows */
  }
  packages.set(root, found);
  return found;
}

/**
 * The URL to load instead of `url`, an ES module just resolved for an `import` from
 * `parentURL`, when it is a watched lock library's imported from outside the library (the
 * library's own imports of its files are left alone): `url` marked with the library's name.
 */
export function shimmedUrl(
  url: string,
  parentURL: string | undefined,
  format: string | null | undefined,
  conditions: readonly string[] | undefined,
): string | undefined {
  if (format !== 'module' || !parentURL || !conditions?.includes('import')) return undefined;
  const library = packageOf(url);
  if (!library || parentURL.startsWith(library.root)) return undefined;
  const marked = new URL(url);
  if (marked.searchParams.has(MARK)) return undefined;
  marked.searchParams.set(MARK, library.name);
  return marked.href;
}

/** The source of the shim a marked URL stands for; undefined for any other URL. */
export function shimSource(url: string): string | undefined {
  if (!url.startsWith('file:') || !url.includes(MARK)) return undefined;
  const marked = new URL(url);
  const library = lockLibraryNamed(marked.searchParams.get(MARK) ?? '');
  if (!library) return undefined;
  marked.searchParams.delete(MARK);
  const original = JSON.stringify(marked.href);
  const version = packageOf(marked.href)?.version;
  return [
    `import * as original from ${original};`,
    `export * from ${original};`,
    `const watch = globalThis[Symbol.for(${JSON.stringify(WATCH_MODULE.description)})];`,
    `const watched = typeof watch === 'function' ? watch(${JSON.stringify(library.name)}, ${JSON.stringify(version ?? '')}, original) : original;`,
    // A name exported here shadows the same name of `export *` (which leaves out `default`: a
    // library's default export is re-exported only as a table's export, as every row's is).
    ...watchedExports(library).map(
      (name, i) =>
        `const watched${i} = watched[${JSON.stringify(name)}];\nexport { watched${i} as ${JSON.stringify(name)} };`,
    ),
    '',
  ].join('\n');
}
