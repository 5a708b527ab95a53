/**
 * The load process: a run's autocannon loads one after another (the warm-up, then the measured
 * load), in a process of its own so that the load never competes with the caller's event loop.
 * Started by the runner with an IPC channel; sends progress once a second and each load's result
 * at its end. Exits when the runner ends it or goes away, and after a load that failed.
 */

import { BroadcastChannel } from 'node:worker_threads';
import autocannon from 'autocannon';
import type { Knee, RampStep } from '../../record/load';
import type { LoadOptions } from '../../record/run';
import type { SampleSeries } from '../../record/samples';
import { concurrentPhases, findKnee, plannedSeconds, rampDone, rampSteps } from '../shapes';
import {
  bucketPercentile,
  coarseHistogram,
  type FromLoadProcess,
  LATENCY_BUCKETS,
  PROGRESS_CHANNEL,
  type ResponseBatch,
  SLOT_FIELDS,
  SLOT_MS,
  slotOf,
  type ToLoadProcess,
} from './protocol';
import { type AutocannonResult, summarize, workerCount } from './summary';

function send(message: FromLoadProcess): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

/** Options of one autocannon run: a phase of the load. */
interface PhaseRun {
  connections: number;
  durationSec?: number | undefined;
  amount?: number | undefined;
  connectionRate?: number | undefined;
  overallRate?: number | undefined;
  /**
   * autocannon's worker threads; 0 runs it in this process's own thread. One load thread runs
   * here rather than in a worker thread of its own: starting that thread (and loading autocannon
   * in it) took 0.3–0.7 s of every load on 2 cores, before its first request, for no more req/s.
   */
  workers: number;
}

async function run(url: string, load: LoadOptions, clientHook: string): Promise<void> {
  const started = Date.now();
  const cpuAtStart = process.cpuUsage();
  const totals = { requests: 0, errors: 0, timeouts: 0, non2xx: 0 };
  let second = new Uint32Array(LATENCY_BUCKETS);
  const whole = new Uint32Array(LATENCY_BUCKETS);
  let secondResponses = 0;
  // Sample slots from the load's start: responses and latency sums.
  const firstSlot = slotOf(started);
  const slots: number[] = [];
  let connections = 0;
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
    const at = (batch.slot0 - firstSlot) * SLOT_FIELDS;
    for (let i = 0; i < batch.slots.length; i++) {
      if (at + i < 0) continue;
      while (slots.length <= at + i) slots.push(0);
      slots[at + i] += batch.slots[i];
    }
  };
  const plannedSec = load.shape
    ? plannedSeconds(load.shape)
    : load.amount === undefined
      ? load.durationSec
      : undefined;
  const ticker = setInterval(() => {
    void send({
      type: 'progress',
      progress: {
        elapsedSec: Math.round((Date.now() - started) / 100) / 10,
        plannedSec,
        requests: totals.requests,
        requestsPerSec: secondResponses,
        p50Ms: bucketPercentile(second, 50),
        p99Ms: bucketPercentile(second, 99),
        ...{ errors: totals.errors, timeouts: totals.timeouts, non2xx: totals.non2xx },
        connections,
      },
    });
    second = new Uint32Array(LATENCY_BUCKETS);
    secondResponses = 0;
  }, 1000);

  /** One autocannon run; the connections count as open while it lasts. */
  const phase = (p: PhaseRun): Promise<AutocannonResult> =>
    new Promise((resolve, reject) => {
      connections += p.connections;
      autocannon(
        {
          url: new URL(load.path, url).toString(),
          method: load.method as autocannon.Request['method'],
          headers: load.headers,
          body: load.body,
          connections: p.connections,
          ...(p.amount !== undefined ? { amount: p.amount } : { duration: p.durationSec }),
          ...(p.connectionRate !== undefined ? { connectionRate: p.connectionRate } : {}),
          ...(p.overallRate !== undefined ? { overallRate: p.overallRate } : {}),
          timeout: load.timeoutSec,
          workers: p.workers,
          // A path, not a function: autocannon (and its worker threads) `require` it.
          setupClient: clientHook as unknown as autocannon.Options['setupClient'],
        },
        (error, result) => {
          connections -= p.connections;
          if (error) reject(error);
          else resolve({ ...result, workers: Math.max(1, p.workers) } as AutocannonResult);
        },
      );
    });

  const shape = load.shape;
  let results: AutocannonResult[];
  let ramp: { steps: RampStep[]; knee: Knee } | undefined;
  try {
    if (!shape) {
      results = [
        await phase({
          connections: load.connections,
          durationSec: load.durationSec,
          amount: load.amount,
          connectionRate: load.connectionRate,
          overallRate: load.overallRate,
          workers: inThreads(workerCount(load)),
        }),
      ];
    } else if (shape.kind === 'ramp') {
      // Steps one after another, each on fresh connections, until throughput stops rising.
      results = [];
      const steps: RampStep[] = [];
      for (const stepConnections of rampSteps(shape)) {
        const stepStart = Date.now();
        const result = await phase({
          connections: stepConnections,
          durationSec: shape.stepSec,
          workers: 0,
        });
        results.push(result);
        const summary = summarize(result, load.method);
        steps.push({
          connections: stepConnections,
          startSec: (stepStart - started) / 1000,
          durationSec: summary.durationSec,
          requests: summary.requests,
          requestsPerSec: summary.requestsPerSec,
          p50Ms: summary.latencyMs.p50,
          p90Ms: summary.latencyMs.p90,
          p99Ms: summary.latencyMs.p99,
          errors: summary.errors + summary.non2xx,
        });
        if (rampDone(steps, shape)) break;
      }
      ramp = { steps, knee: findKnee(steps, shape) };
    } else {
      // Phases side by side, each from its start: users joining in batches, a spike on a base.
      results = await Promise.all(
        concurrentPhases(shape).map((p) =>
          delay(p.startSec * 1000).then(() =>
            phase({
              connections: p.connections,
              durationSec: p.durationSec,
              connectionRate: p.connectionRate,
              workers: 1,
            }),
          ),
        ),
      );
    }
  } catch (error) {
    clearInterval(ticker);
    progress.close();
    await send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    process.exit(0);
  }
  clearInterval(ticker);
  const finishedAt = Date.now();
  const cpu = process.cpuUsage(cpuAtStart);
  // The last batch: taken at once from this thread's client hook (autocannon without worker
  // threads); worker threads send theirs every 200 ms, and what they held when autocannon ended
  // them is lost. No long wait here: the capture stops when this process answers, and every
  // millisecond after the load is idle time in the profile.
  (require(clientHook) as { flush?: () => void }).flush?.();
  await delay(10);
  progress.close();
  // Whole slots only: the first is cut by the load's start, the last 300 ms may miss a worker
  // thread's last batch.
  const lastWhole = slotOf(finishedAt - 300) - firstSlot;
  const field = (k: number, round = false) => {
    const values: number[] = [];
    for (let slot = 1; slot < lastWhole; slot++) {
      const v = slots[slot * SLOT_FIELDS + k] ?? 0;
      values.push(round ? Math.round(v * 10) / 10 : v);
    }
    return values;
  };
  const samples: SampleSeries = {
    intervalMs: SLOT_MS,
    responses: field(0),
    latencyMs: field(1, true),
    // A ramp's steps are closed loads too, each of its own connections: cut by step, its
    // cycles serve them (see loadRampSteps).
    ...(!shape && load.connectionRate === undefined && load.overallRate === undefined
      ? { closedConnections: load.connections, cycles: field(2), cycleMs: field(3, true) }
      : shape?.kind === 'ramp'
        ? { cycles: field(2), cycleMs: field(3, true) }
        : {}),
  };
  const fine: [number, number][] = [];
  for (let i = 0; i < whole.length; i++) if (whole[i] > 0) fine.push([i, whole[i]]);
  await send({
    type: 'done',
    results,
    histogram: coarseHistogram(whole),
    fine,
    samples,
    startedAt: started,
    cpuMs: (cpu.user + cpu.system) / 1000,
    finishedAt,
    ...(ramp ? { ramp } : {}),
  });
  // The process stays for the run's next load (the measured one after the warm-up, a repeat);
  // the runner ends it.
}

/** Worker threads for autocannon: none for one (see PhaseRun's `workers`). */
const inThreads = (workers: number): number => (workers > 1 ? workers : 0);

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

process.on('disconnect', () => process.exit(0));
process.on('message', (message: ToLoadProcess) => {
  if (message.type === 'start') void run(message.url, message.load, message.clientHook);
});
// autocannon is loaded: the runner may now start its capture and then the load, with no gap.
void send({ type: 'ready' });
