import { fork } from 'node:child_process';
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
  const env = { ...process.env };
  // The load process must not carry a profiling agent, nor anything meant for the target.
  delete env.NODE_OPTIONS;
  // Inside VS Code, process.execPath is Electron: it runs as plain Node only with this set.
  if (process.versions.electron && options.nodePath === process.execPath)
    env.ELECTRON_RUN_AS_NODE = '1';
  const child = fork(bundle('loadWorker.js'), [], {
    execPath: options.nodePath,
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  try {
    return await new Promise<LoadSummary>((resolve, reject) => {
      const onAbort = () => reject(new HotpathError('CANCELLED', 'the run was cancelled'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => options.signal?.removeEventListener('abort', onAbort);
      child.on('message', (message: FromLoadProcess) => {
        switch (message.type) {
          case 'ready': {
            const start: ToLoadProcess = {
              type: 'start',
              url,
              load,
              clientHook: bundle('loadClient.js'),
            };
            Promise.resolve(options.beforeStart?.()).then(
              () => child.send(start),
              (error: unknown) => {
                settle();
                reject(error);
              },
            );
            break;
          }
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
      });
      child.once('error', (error) => {
        settle();
        reject(new HotpathError('LOAD', `could not start the load process: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        settle();
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(
          new HotpathError(
            'LOAD',
            `the load process ${how} before it finished${stderr ? `:\n${stderr.trim()}` : ''}`,
          ),
        );
      });
    });
  } finally {
    await end();
  }
}
