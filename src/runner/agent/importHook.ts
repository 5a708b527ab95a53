/**
 * The agent's hook on `import`: a lock library the service loads as an ES module (p-limit,
 * p-queue, await-lock 3, async-mutex's `import` build) is handed to it through a shim that
 * re-exports it watched (`importShim.ts`), as `requireHook.ts` does for `require`.
 *
 * Node's module customization hooks, whichever this Node has: `module.registerHooks` (Node
 * 22.15+, 23.5+, 24) runs them in this thread, synchronously, at no cost but the two calls per
 * import; only where it is missing (Node 20.6 to 22.14) does `module.register` run them on a
 * loader thread of their own, from dist/agentImportHooks.mjs, and then in the main thread only (a
 * worker thread's lock libraries loaded as ES modules go unseen there). Older Node: not at all.
 */
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { shimmedUrl, shimSource, WATCH_MODULE } from './importShim';
import { lockLibraryNamed } from './lockLibraries';
import type { LockTracker } from './locks';

interface SyncHooks {
  resolve: (
    specifier: string,
    context: { parentURL?: string; conditions?: readonly string[] },
    next: (
      specifier: string,
      context: unknown,
    ) => { url: string; format?: string | null | undefined },
  ) => { url: string; format?: string | null | undefined };
  load: (
    url: string,
    context: unknown,
    next: (url: string, context: unknown) => unknown,
  ) => unknown;
}

type ModuleHooks = {
  registerHooks?: (hooks: SyncHooks) => unknown;
  register?: (specifier: string) => void;
};

/** Watches the lock libraries the service imports as ES modules, if this Node can. */
export function watchImport(locks: LockTracker): void {
  Object.defineProperty(globalThis, WATCH_MODULE, {
    value: (name: string, version: string, namespace: object) => {
      const library = lockLibraryNamed(name);
      if (!library?.recognise(namespace)) return namespace;
      try {
        return locks.instrument(namespace, version || undefined, library);
      } catch {
        return namespace;
      }
    },
  });
  const hooks = Module as unknown as ModuleHooks;
  try {
    if (typeof hooks.registerHooks === 'function') {
      hooks.registerHooks({
        resolve(specifier, context, next) {
          const resolved = next(specifier, context);
          const url = shimmedUrl(
            resolved.url,
            context.parentURL,
            resolved.format,
            context.conditions,
          );
          return url ? { ...resolved, url } : resolved;
        },
        load(url, context, next) {
          const source = shimSource(url);
          return source !== undefined
            ? { format: 'module', source, shortCircuit: true }
            : next(url, context);
        },
      });
    } else if (typeof hooks.register === 'function' && isMainThread) {
      const file = path.join(__dirname, 'agentImportHooks.mjs');
      if (fs.existsSync(file)) hooks.register(pathToFileURL(file).href);
    }
  } catch {
    /* hooks refused: ES module imports go unwatched, as before */
  }
}
