/**
 * The module hooks `module.register` loads (Node 20.6 to 22.14, where `module.registerHooks` is
 * missing), on the loader's own thread: the same two steps as `importHook.ts`'s in-thread hooks.
 * Built on its own, as an ES module, to dist/agentImportHooks.mjs.
 */
import { shimmedUrl, shimSource } from './importShim';

interface ResolveContext {
  parentURL?: string;
  conditions?: string[];
}
interface Resolved {
  url: string;
  format?: string | null;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<Resolved>;
type NextLoad = (url: string, context: unknown) => Promise<unknown>;

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<Resolved> {
  const resolved = await nextResolve(specifier, context);
  const url = shimmedUrl(resolved.url, context.parentURL, resolved.format, context.conditions);
  return url ? { ...resolved, url } : resolved;
}

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<unknown> {
  const source = shimSource(url);
  return source !== undefined
    ? { format: 'module', source, shortCircuit: true }
    : nextLoad(url, context);
}
