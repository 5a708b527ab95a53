/**
 * The load process: one autocannon run, in a process of its own so that the load never
 * competes with the caller's event loop. Started by the runner with an IPC channel; sends
 * progress once a second and the result at the end. Exits when the runner goes away.
 */

import { BroadcastChannel } from 'node:worker_threads';
import autocannon from 'autocannon';
import type { LoadOptions } from '../options';
import {
  bucketPercentile,
  coarseHistogram,
  type FromLoadProcess,
  LATENCY_BUCKETS,
  PROGRESS_CHANNEL,
  type ResponseBatch,
  type ToLoadProcess,
} from './protocol';
import { workerCount } from './summary';

function send(message: FromLoadProcess): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

function run(url: string, load: LoadOptions, clientHook: string): void {
  const started = Date.now();
  const totals = { requests: 0, errors: 0, timeouts: 0, non2xx: 0 };
  let second = new Uint32Array(LATENCY_BUCKETS);
  const whole = new Uint32Array(LATENCY_BUCKETS);
  let secondResponses = 0;
  const progress = new BroadcastChannel(PROGRESS_CHANNEL);
  progress.onmessage = (event) => {
    const batch = (event as { data: ResponseBatch }).data;
    totals.requests += batch.responses;
    totals.errors += batch.errors;
    totals.timeouts += batch.timeouts;
    totals.non2xx += batch.non2xx;
    secondResponses += batch.responses;
    for (let i = 0; i < second.length; i++) {
      second[i] += batch.latencies[i];
      whole[i] += batch.latencies[i];
    }
  };
  const ticker = setInterval(() => {
    void send({
      type: 'progress',
      progress: {
        elapsedSec: Math.round((Date.now() - started) / 100) / 10,
        plannedSec: load.amount === undefined ? load.durationSec : undefined,
        requests: totals.requests,
        requestsPerSec: secondResponses,
        p50Ms: bucketPercentile(second, 50),
        p99Ms: bucketPercentile(second, 99),
        ...{ errors: totals.errors, timeouts: totals.timeouts, non2xx: totals.non2xx },
      },
    });
    second = new Uint32Array(LATENCY_BUCKETS);
    secondResponses = 0;
  }, 1000);

  const workers = workerCount(load);
  autocannon(
    {
      url: new URL(load.path, url).toString(),
      method: load.method as autocannon.Request['method'],
      headers: load.headers,
      body: load.body,
      connections: load.connections,
      ...(load.amount !== undefined ? { amount: load.amount } : { duration: load.durationSec }),
      ...(load.connectionRate !== undefined ? { connectionRate: load.connectionRate } : {}),
      ...(load.overallRate !== undefined ? { overallRate: load.overallRate } : {}),
      timeout: load.timeoutSec,
      workers,
      // A path, not a function: autocannon's worker threads `require` it.
      setupClient: clientHook as unknown as autocannon.Options['setupClient'],
    },
    (error, result) => {
      clearInterval(ticker);
      progress.close();
      const message: FromLoadProcess = error
        ? { type: 'error', message: error instanceof Error ? error.message : String(error) }
        : { type: 'done', result: { ...result, workers }, histogram: coarseHistogram(whole) };
      void send(message).then(() => process.exit(0));
    },
  );
}

process.on('disconnect', () => process.exit(0));
process.on('message', (message: ToLoadProcess) => {
  if (message.type === 'start') run(message.url, message.load, message.clientHook);
});
// autocannon is loaded: the runner may now start its capture and then the load, with no gap.
void send({ type: 'ready' });
