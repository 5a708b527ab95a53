/**
 * Where a profile's file names are on this machine. A CPU profile names a function's script by
 * URL (`file:///app/src/x.js`, percent-encoded), by path (a CommonJS script on some Node
 * versions, a Windows path from another machine), or as Node's own code (`node:crypto`). A
 * profile taken elsewhere (a container's `/app`, another machine) names files that are here
 * under another folder: `hotpath.pathMappings` maps a remote prefix to a local folder, as
 * js-debug's `remoteRoot`/`localRoot` do. Click-to-source, lenses and heat all go through here.
 */
import * as path from 'node:path';

/** Remote prefix → local folder (the `hotpath.pathMappings` setting). */
export type PathMappings = Readonly<Record<string, string>>;

export type SourcePlace =
  /** A file by its path, as named (not yet mapped). */
  | { kind: 'path'; path: string }
  /** Node's own code: `node:crypto`, `node:internal/…`. */
  | { kind: 'builtin'; module: string }
  /** Nothing on any disk: `[worker eval]`, `evalmachine.<anonymous>`, `wasm://…`, V8's own. */
  | { kind: 'none' };

const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

/** What a profile's file name is: a path, Node's own module, or nothing on disk. */
export function placeOf(file: string): SourcePlace {
  if (file.startsWith('node:')) return { kind: 'builtin', module: file.slice('node:'.length) };
  if (file.startsWith('file://')) {
    // Decoded by hand: `fileURLToPath` refuses another system's URLs (file:///C:/… on Linux).
    const url = new URL(file);
    let pathname = decodeURIComponent(url.pathname);
    if (/^\/[A-Za-z]:\//.test(pathname)) pathname = pathname.slice(1);
    const host = url.host ? `//${url.host}` : '';
    return { kind: 'path', path: host + pathname };
  }
  if (file.startsWith('/') || WINDOWS_DRIVE.test(file) || file.startsWith('\\\\')) {
    return { kind: 'path', path: file };
  }
  return { kind: 'none' };
}

/** A path with `/` for separators, for prefix matching across systems. */
function forward(p: string): string {
  return p.replace(/\\/g, '/');
}

/** Whether `prefix` is `p` or a folder above it (drive letters in either case). */
function under(p: string, prefix: string): boolean {
  const a = WINDOWS_DRIVE.test(p) ? p.toLowerCase() : p;
  const b = WINDOWS_DRIVE.test(prefix) ? prefix.toLowerCase() : prefix;
  const folder = b.endsWith('/') ? b : `${b}/`;
  return a === b || a.startsWith(folder);
}

/**
 * `p` through the mappings: the longest remote prefix that holds it, replaced by its local
 * folder; undefined when none holds it.
 */
export function mapPath(p: string, mappings: PathMappings): string | undefined {
  const named = forward(p);
  let best: [string, string] | undefined;
  for (const [remote, local] of Object.entries(mappings)) {
    const prefix = forward(remote).replace(/\/+$/, '') || '/';
    if (!under(named, prefix)) continue;
    if (!best || prefix.length > best[0].length) best = [prefix, local];
  }
  if (!best) return undefined;
  const rest = named.slice(best[0] === '/' ? 1 : best[0].length).replace(/^\/+/, '');
  return rest ? path.join(best[1], ...rest.split('/')) : path.normalize(best[1]);
}

/**
 * The paths at which a profile's file may be on this machine, in the order to try: the mapped
 * path first (a mapping is the user saying where the file is), then the path as named. Empty for
 * Node's own code and for names that are no file.
 */
export function localCandidates(file: string, mappings: PathMappings): string[] {
  const place = placeOf(file);
  if (place.kind !== 'path') return [];
  const mapped = mapPath(place.path, mappings);
  return mapped && mapped !== place.path ? [mapped, place.path] : [place.path];
}

/**
 * The one local path a profile's file stands for, to match against an open document: mapped
 * when a mapping holds it, else as named. Undefined for what is no file.
 */
export function localPath(file: string, mappings: PathMappings): string | undefined {
  return localCandidates(file, mappings)[0];
}

/** Reads the setting's value: an object of strings; anything else is left out, and said. */
export function readPathMappings(raw: unknown): { mappings: PathMappings; problems: string[] } {
  if (raw === undefined || raw === null) return { mappings: {}, problems: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { mappings: {}, problems: ['it must be an object of remote prefix → local folder'] };
  }
  const mappings: Record<string, string> = {};
  const problems: string[] = [];
  for (const [remote, local] of Object.entries(raw)) {
    if (typeof local !== 'string' || local === '' || remote === '') {
      problems.push(`"${remote}" → ${JSON.stringify(local)} is not a prefix and a folder`);
    } else mappings[remote] = local;
  }
  return { mappings, problems };
}
