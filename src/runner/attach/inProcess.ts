/**
 * What Hotpath installs inside a service it attached to, as expressions sent through the
 * inspector (`Runtime.evaluate`): one listener on Node's HTTP diagnostics channels, which sees a
 * marker request arrive (proof that this process serves the URL, whatever port mapping or tunnel
 * lies between), waits for the warm-up's requests to end, then counts the window's requests and
 * when their responses finished, as the preloaded agent does (agent/requests.ts). It lives at
 * `globalThis[Symbol.for('hotpath.attach')]` and `REMOVE` takes it all away again.
 */

/** The path of the marker request: `/__hotpath/<token>`, answered by the service's own 404. */
export const MARKER_PREFIX = '/__hotpath-attach/';

/** The width of a bucket of finished responses, ms (as the agent's). */
const BUCKET_MS = 100;

const KEY = "Symbol.for('hotpath.attach')";

/** Installs the listener (replacing one a run before left behind); returns the process's pid. */
export const INSTALL = `(() => {
  const key = ${KEY};
  globalThis[key]?.remove();
  const builtin = (name) => globalThis.process?.getBuiltinModule?.(name) ?? require(name);
  const dc = builtin('node:diagnostics_channel');
  const marks = new Set();
  let live = new Set();
  let counting = false, started = 0, since = 0, counts = [];
  const onStart = (m) => {
    const url = (m && m.request && m.request.url) || '';
    if (url.startsWith(${JSON.stringify(MARKER_PREFIX)})) marks.add(url.slice(${MARKER_PREFIX.length}));
    if (counting) started++;
    else live.add(m.response);
  };
  const onFinish = (m) => {
    live.delete(m.response);
    if (!counting) return;
    const bucket = Math.floor((Date.now() - since) / ${BUCKET_MS});
    while (counts.length <= bucket) counts.push(0);
    counts[bucket]++;
  };
  dc.subscribe('http.server.request.start', onStart);
  dc.subscribe('http.server.response.finish', onFinish);
  globalThis[key] = {
    seen: (token) => marks.has(token),
    inFlight: () => {
      for (const r of live) if (r.writableEnded) live.delete(r);
      return live.size;
    },
    count: () => { counting = true; live = new Set(); started = 0; since = Date.now(); counts = []; return true; },
    counted: () => ({ started, bucketMs: ${BUCKET_MS}, counts }),
    remove: () => {
      dc.unsubscribe('http.server.request.start', onStart);
      dc.unsubscribe('http.server.response.finish', onFinish);
      delete globalThis[key];
      return true;
    },
  };
  return process.pid;
})()`;

export const seen = (token: string) =>
  `globalThis[${KEY}]?.seen(${JSON.stringify(token)}) === true`;
export const IN_FLIGHT = `globalThis[${KEY}]?.inFlight() ?? 0`;
export const COUNT = `globalThis[${KEY}]?.count() === true`;
export const COUNTED = `globalThis[${KEY}]?.counted() ?? null`;
/** Takes the listener away; true when there was one. */
export const REMOVE = `globalThis[${KEY}]?.remove() === true`;
/** Whether anything of Hotpath's is left in the process (for the tests: it must not be). */
export const LEFT_BEHIND = `[${KEY}, Symbol.for('hotpath.stalls')].filter((k) => globalThis[k] !== undefined).length`;
