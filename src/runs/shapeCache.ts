/**
 * Parsed scripts kept between reads, on disk: the shape of a script (its functions and calls,
 * read with acorn) is the same until the script changes, and parsing a bundle is most of a run's
 * analysis (the sample service's 1.6 MB bundle: 0.5–1 s in a fresh thread, against 15 ms to read
 * its shape back). An entry is used only for the same file at the same size and modification
 * time, read by the same Hotpath build (`codeStamp`); anything else is parsed again and
 * replaced. A cache that cannot be read or written changes nothing but the time.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ShapeStore } from '../profile/inlinedFrames';
import type { ScriptShape } from '../profile/scriptShape';
import { scriptPath } from '../profile/sourcemaps';

/** At most this many scripts are kept; the least recently written go first. */
const MAX_ENTRIES = 200;

interface Entry {
  file: string;
  size: number;
  mtimeMs: number;
  codeStamp: string;
  shape: Omit<ScriptShape, 'code'>;
}

/** The user's cache folder for Hotpath's parsed scripts (XDG_CACHE_HOME, else ~/.cache). */
export function shapeCacheFolder(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'hotpath', 'shapes');
}

/**
 * What tells this build of Hotpath from another: the size and modification time of the file
 * running (a bundle in the extension and the CLI). A new build parses every script again.
 */
export function buildStamp(file: string = __filename): string {
  try {
    const stat = fs.statSync(file);
    return `${stat.size}-${Math.round(stat.mtimeMs)}`;
  } catch {
    return 'unknown';
  }
}

/** A store of parsed scripts in `folder`, over a map for this read's own scripts. */
export function diskShapes(folder = shapeCacheFolder(), codeStamp = buildStamp()): ShapeStore {
  const here = new Map<string, ScriptShape | null>();
  const entryFile = (file: string) =>
    path.join(folder, `${createHash('sha1').update(file).digest('hex')}.json`);
  const stamp = (file: string) => {
    try {
      const stat = fs.statSync(file);
      return { size: stat.size, mtimeMs: stat.mtimeMs };
    } catch {
      return undefined;
    }
  };
  return {
    get(url) {
      if (here.has(url)) return here.get(url);
      const file = scriptPath(url);
      const now = file && stamp(file);
      if (!file || !now) return undefined;
      try {
        const entry = JSON.parse(fs.readFileSync(entryFile(file), 'utf8')) as Entry;
        if (
          entry.file !== file ||
          entry.size !== now.size ||
          entry.mtimeMs !== now.mtimeMs ||
          entry.codeStamp !== codeStamp
        )
          return undefined;
        const code = fs.readFileSync(file, 'utf8');
        const shape: ScriptShape = { ...entry.shape, code };
        here.set(url, shape);
        return shape;
      } catch {
        return undefined; // none kept, or not readable: parsed again
      }
    },
    set(url, shape) {
      here.set(url, shape);
      const file = scriptPath(url);
      const now = file && stamp(file);
      if (!file || !now || !shape) return;
      const { code: _code, ...kept } = shape;
      const entry: Entry = { file, ...now, codeStamp, shape: kept };
      try {
        fs.mkdirSync(folder, { recursive: true });
        const target = entryFile(file);
        const temporary = `${target}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, JSON.stringify(entry));
        fs.renameSync(temporary, target);
        prune(folder);
      } catch {
        /* not kept: parsed again next time */
      }
    },
  };
}

/** Keeps the folder to MAX_ENTRIES entries, dropping the least recently written. */
function prune(folder: string): void {
  const names = fs.readdirSync(folder).filter((name) => name.endsWith('.json'));
  if (names.length <= MAX_ENTRIES) return;
  const aged = names
    .map((name) => ({ name, at: fs.statSync(path.join(folder, name)).mtimeMs }))
    .sort((a, b) => a.at - b.at);
  for (const { name } of aged.slice(0, names.length - MAX_ENTRIES))
    fs.rmSync(path.join(folder, name), { force: true });
}
