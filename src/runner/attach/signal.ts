/**
 * A process Hotpath started that did not load its agent (a start script that replaced
 * NODE_OPTIONS, a wrapper that cleared the environment) can still be profiled: Node opens its
 * inspector when sent SIGUSR1 (POSIX; `process._debugProcess` on Windows), on 127.0.0.1:9229
 * unless the process was given `--inspect-port`. It says where on its stderr, which Hotpath
 * reads. One default port: a cluster's processes cannot all open theirs there, so only the one
 * serving the URL is reached this way.
 */
import * as http from 'node:http';
import { HotpathError, messageOf } from '../../vocabulary/errors';
import { DEFAULT_INSPECTOR_PORT } from './address';

/** What attaching through SIGUSR1 did and cannot do, said in the run. */
export const SIGNAL_EFFECTS = (pid: number, inspector: string) =>
  `pid ${pid} did not load Hotpath's agent: its inspector was opened with SIGUSR1 at ${inspector} ` +
  'and stays open until the process ends (Hotpath ends it, as it started it). One port: in a cluster ' +
  'only the process serving the URL is reached this way.';

const WAIT_MS = 5000;

/**
 * Opens the inspector of `pid` and returns its `host:port` once it answers. `output` is the
 * process's last stderr lines, where Node says "Debugger listening on ws://host:port/…".
 */
export async function openInspector(pid: number, output: () => string): Promise<string> {
  try {
    if (process.platform === 'win32')
      (process as unknown as { _debugProcess(pid: number): void })._debugProcess(pid);
    else process.kill(pid, 'SIGUSR1');
  } catch (error) {
    throw new HotpathError(
      'ATTACH',
      `could not open the inspector of pid ${pid}: ${messageOf(error)}`,
    );
  }
  const until = Date.now() + WAIT_MS;
  while (Date.now() < until) {
    const said = [...output().matchAll(/Debugger listening on ws:\/\/([^/\s]+)\//g)].pop()?.[1];
    // A process listening on every address (0.0.0.0) is reached on loopback.
    const inspector = said?.replace(/^(0\.0\.0\.0|\[::\]):/, '127.0.0.1:');
    if (inspector && (await lists(inspector))) return inspector;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Output that went elsewhere (a wrapper's log): Node's default.
  const fallback = `127.0.0.1:${DEFAULT_INSPECTOR_PORT}`;
  if (await lists(fallback)) return fallback;
  throw new HotpathError(
    'ATTACH',
    `pid ${pid} was sent SIGUSR1 but no inspector answered within ${WAIT_MS / 1000} s (was it started with --disable-sigusr1, or is port ${DEFAULT_INSPECTOR_PORT} taken?)`,
  );
}

function lists(inspector: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(
      `http://${inspector}/json/list`,
      { agent: false, timeout: 1000 },
      (r) => {
        r.resume();
        resolve(r.statusCode === 200);
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
