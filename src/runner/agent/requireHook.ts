/**
 * The agent's hook on `require`: the service's lock libraries (`lockLibraries.ts`) are handed
 * back watched (see `LockTracker`), everything else untouched; and the hook's own frame kept out of the stack of a
 * service that crashes while it loads.
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { lockLibraryOf } from './lockLibraries';
import type { LockTracker } from './locks';

/**
 * Hands the service a watched lock library when it requires one (by name — `async-mutex`,
 * `async-mutex/lib/index.js`, a vendored `./vendor/async-mutex` — and by its exports: other
 * modules' exports are never touched). An ES module import of one is `importHook.ts`'s.
 */
export function watchRequire(locks: LockTracker): void {
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  const original = proto.require;
  keepOwnFrameOutOfCrashes();
  proto.require = function hotpathRequire(this: unknown, id: string) {
    // biome-ignore lint/complexity/noArguments: passed on exactly as given
    const exports = original.apply(this, arguments as unknown as [string]);
    const library = lockLibraryOf(id, exports);
    if (library) {
      try {
        return locks.instrument(exports as object, packageVersion(this, id, library.name), library);
      } catch {
        return exports;
      }
    }
    return exports;
  };
}

/**
 * A module that throws while it loads (or is not found) throws through the require hook, so a
 * service that crashes on start would print `Module.hotpathRequire` of Hotpath's bundle between
 * its own frames. Just before Node prints an uncaught exception, that line is taken out of its
 * stack. (Catching and rethrowing in the hook would move Node's `^` marker to the rethrow; V8
 * has no way to keep a frame out of the traces a service logs itself.)
 */
function keepOwnFrameOutOfCrashes(): void {
  process.on('uncaughtExceptionMonitor', (error) => {
    try {
      if (error instanceof Error && typeof error.stack === 'string') {
        error.stack = error.stack
          .split('\n')
          .filter((line) => !/^\s+at (\S+\.)?hotpathRequire\b/.test(line))
          .join('\n');
      }
    } catch {
      /* a frozen error, or a getter-only stack: left as it is */
    }
  });
}

/** The version of the package `id` resolves to from `parent`, from its package.json. */
function packageVersion(parent: unknown, id: string, name: string): string | undefined {
  try {
    const resolve = (
      Module as unknown as { _resolveFilename: (id: string, parent: unknown) => string }
    )._resolveFilename;
    let dir = path.dirname(resolve(id, parent));
    for (let i = 0; i < 5; i++) {
      const file = path.join(dir, 'package.json');
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version;
      } catch {
        /* not here: one folder up */
      }
      dir = path.dirname(dir);
    }
  } catch {
    /* unknown */
  }
  return undefined;
}
