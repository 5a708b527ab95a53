import * as fs from 'node:fs';
import * as path from 'node:path';

let root: string | undefined;

/**
 * The folder of Hotpath's package.json. The runner runs bundled (from dist/) and, in tests,
 * from its sources (src/vocabulary/): walking up finds the root from both.
 */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'hotpath'
    ) {
      root = dir;
      return dir;
    }
    if (path.dirname(dir) === dir)
      throw new Error(`cannot find Hotpath's package.json above ${__dirname}`);
  }
}

/** A built bundle, such as `agent.js`. */
export function bundle(name: string): string {
  const file = path.join(packageRoot(), 'dist', name);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first`);
  return file;
}

/** The sample routes the walk-through ships a locustfile for (src/sampleService/locust/). */
export const SAMPLE_LOCUST_ROUTES: readonly string[] = ['/read', '/fast', '/cpu'];

/** The walk-through's locustfile of a sample route (src/sampleService/locust/, in the .vsix too). */
export function sampleLocustfile(route: string): string {
  return path.join(packageRoot(), 'src', 'sampleService', 'locust', `${route.slice(1)}.py`);
}

export function hotpathVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
}

/**
 * Whether a folder given relative to another stays inside it: not absolute (on any system), and
 * no `..` that climbs out.
 */
export function staysInside(folder: string): boolean {
  if (path.isAbsolute(folder) || path.win32.isAbsolute(folder)) return false;
  const normal = path.posix.normalize(folder.replace(/\\/g, '/'));
  return normal !== '..' && !normal.startsWith('../');
}
