import { type ChildProcess, fork } from 'node:child_process';
import type { LoadSummary } from '../../record/load';
import type { LoadOptions } from '../../record/run';
import { HotpathError, throwIfCancelled } from '../../vocabulary/errors';
import { bundle } from '../../vocabulary/paths';
import type { LoadProgress } from '../../vocabulary/progress';
import { type FromLoadProcess, LATENCY_BUCKETS, type ToLoadProcess } from './protocol';
import { type AutocannonResult, mergeSummaries, summarize } from './summary';

export interface LoadRunOptions {
  /** The `node` that runs the load process. */
  nodePath: string;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: LoadProgress) => void) | undefined;
  /** Runs once the load process is ready, right before the first request. */
  beforeStart?: (() => Promise<void>) | undefined;
}

/** The fine latency histogram of each summary runLoad made, for merging repeated loads. */
const fineHistograms = new WeakMap<LoadSummary, Uint32Array>();

export function fineHistogramOf(summary: LoadSummary): Uint32Array | undefined {
  return fineHistograms.get(summary);
}

/** The summary of a load: autocannon's own for one run; the phases merged for a shape. */
function summarizeLoad(
  load: LoadOptions,
  done: Extract<FromLoadProcess, { type: 'done' }>,
  fine: Uint32Array,
): LoadSummary {
  const results = done.results as AutocannonResult[];
  const extra = {
    samples: done.samples,
    generatorCpuMs: done.cpuMs,
    ...(done.ramp ? { ramp: done.ramp } : {}),
  };
  if (results.length === 1 && !load.shape)
    return { ...summarize(results[0], load.method, done.histogram), ...extra };
  return {
    ...mergeSummaries(
      results.map((r) => summarize(r, load.method)),
      {
        durationSec: (done.finishedAt - done.startedAt) / 1000,
        startedAt: new Date(done.startedAt).toISOString(),
        finishedAt: new Date(done.finishedAt).toISOString(),
        connections: load.connections,
        fine,
        histogram: done.histogram,
        samples: done.samples,
      },
    ),
    ...extra,
  };
}

/**
 * Runs one autocannon load against `url` (an origin) in a process of its own. Resolves with
 * the summary; rejects with CANCELLED when `signal` fires, after the load process has ended.
 */
export async function runLoad(
  url: string,
  load: LoadOptions,
  options: LoadRunOptions,
): Promise<LoadSummary> {
  throwIfCancelled(options.signal);
  const loader = LoadProcess.start(options.nodePath);
  try {
    return await loader.run(url, load, options);
  } finally {
    await loader.end();
  }
}

/**
 * The load process, started once and given its loads one after another: a run's warm-up and
 * its measured load (or its repeats) go through one process, forked while the service starts,
 * so that neither waits for a process to start and load autocannon. Ended by its pid (`end`)
 * when the run is over, cancelled or failed; a cancelled load ends it at once.
 */
export class LoadProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #ready: Promise<void>;
  #stderr = '';
  #busy = false;

  private constructor(nodePath: string) {
    const env = { ...process.env };
    // The load process must not carry a profiling agent, nor anything meant for the target.
    delete env.NODE_OPTIONS;
    // Inside VS Code, process.execPath is Electron: it runs as plain Node only with this set.
    if (process.versions.electron && nodePath === process.execPath) env.ELECTRON_RUN_AS_NODE = '1';
    const child = fork(bundle('loadWorker.js'), [], {
      execPath: nodePath,
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.#child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    this.#exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.#ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromLoadProcess) => {
        if (message.type !== 'ready') return;
        child.off('message', onMessage);
        resolve();
      };
      child.on('message', onMessage);
      child.once('error', (error) =>
        reject(new HotpathError('LOAD', `could not start the load process: ${error.message}`)),
      );
      child.once('exit', (code, signal) => reject(this.#exitError(code, signal)));
    });
    // Awaited by each load; a process that failed before any load asked is said then.
    this.#ready.catch(() => undefined);
  }

  /** Forks the load process now; its loads wait for it to be ready. */
  static start(nodePath: string): LoadProcess {
    return new LoadProcess(nodePath);
  }

  /** One load, once the process is ready and the last load is done. */
  async run(url: string, load: LoadOptions, options: LoadRunOptions): Promise<LoadSummary> {
    throwIfCancelled(options.signal);
    if (this.#busy) throw new Error('the load process is running a load already');
    const child = this.#child;
    // A process gone between two loads (killed, crashed) runs none: said, not waited for.
    if (child.exitCode !== null || child.signalCode !== null)
      throw this.#exitError(child.exitCode, child.signalCode);
    this.#busy = true;
    let settle = () => {};
    try {
      return await new Promise<LoadSummary>((resolve, reject) => {
        const onAbort = () => {
          reject(new HotpathError('CANCELLED', 'the run was cancelled'));
          void this.end();
        };
        const onMessage = (message: FromLoadProcess) => {
          switch (message.type) {
            case 'ready':
              break;
            case 'progress':
              options.onProgress?.(message.progress);
              break;
            case 'done': {
              settle();
              const fine = new Uint32Array(LATENCY_BUCKETS);
              for (const [bucket, count] of message.fine) fine[bucket] = count;
              const summary = summarizeLoad(load, message, fine);
              fineHistograms.set(summary, fine);
              resolve(summary);
              break;
            }
            case 'error':
              settle();
              reject(new HotpathError('LOAD', `the load test failed: ${message.message}`));
              break;
            default:
              message satisfies never;
          }
        };
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          settle();
          reject(this.#exitError(code, signal));
        };
        settle = () => {
          options.signal?.removeEventListener('abort', onAbort);
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        child.on('message', onMessage);
        child.once('exit', onExit);
        this.#ready
          .then(() => options.beforeStart?.())
          .then(() => {
            throwIfCancelled(options.signal);
            const start: ToLoadProcess = {
              type: 'start',
              url,
              load,
              clientHook: bundle('loadClient.js'),
            };
            child.send(start);
          })
          .catch((error: unknown) => {
            settle();
            reject(error);
          });
      });
    } catch (error) {
      // A load that did not finish leaves the process in no state to run another.
      await this.end();
      throw error;
    } finally {
      settle();
      this.#busy = false;
    }
  }

  /** Ends the process (by its pid) and waits until it has exited. */
  async end(): Promise<void> {
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.#exited;
  }

  #exitError(code: number | null, signal: NodeJS.Signals | null): HotpathError {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const stderr = this.#stderr.trim();
    return new HotpathError(
      'LOAD',
      `the load process ${how} before it finished${stderr ? `:\n${stderr}` : ''}`,
    );
  }
}
