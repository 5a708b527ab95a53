/**
 * Handed to autocannon as `setupClient`: runs in each of its worker threads and forwards every
 * response to the load process's main thread in small batches, for live progress. autocannon's
 * own result stays the source of the final figures.
 */
import { BroadcastChannel } from 'node:worker_threads';
import {
  LATENCY_BUCKETS,
  latencyBucket,
  PROGRESS_CHANNEL,
  type ResponseBatch,
  SLOT_FIELDS,
  slotOf,
} from './protocol';

interface AutocannonClient {
  emit(event: string | symbol, ...args: unknown[]): boolean;
}

/**
 * Wall-clock ms from this thread's monotonic clock: one clock read per response serves both the
 * connection's cycle and the response's slot (slots are wall-clock, the same in every thread).
 */
const epochMs = (now: number): number => performance.timeOrigin + now;

const channel = new BroadcastChannel(PROGRESS_CHANNEL);
channel.unref();
let batch = empty();

/** Sends what this thread counted since the last batch. */
function flush(): void {
  if (batch.responses + batch.errors === 0) return;
  channel.postMessage(batch);
  batch = empty();
}
setInterval(flush, 200).unref();

function empty(): ResponseBatch {
  return {
    responses: 0,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    latencies: new Uint32Array(LATENCY_BUCKETS),
    slot0: slotOf(epochMs(performance.now())),
    slots: [],
  };
}

/**
 * Counts a response in its sample slot (a batch spans two or three of them), with the cycle it
 * ended: the time since the connection's previous answer, for Little's law (see stats.ts).
 */
function countInSlot(now: number, latencyMs: number, cycleMs: number | undefined): void {
  const i = (slotOf(epochMs(now)) - batch.slot0) * SLOT_FIELDS;
  if (i < 0) return;
  while (batch.slots.length <= i) batch.slots.push(0, 0, 0, 0);
  batch.slots[i]++;
  batch.slots[i + 1] += latencyMs;
  if (cycleMs !== undefined) {
    batch.slots[i + 2]++;
    batch.slots[i + 3] += cycleMs;
  }
}

function setupClient(client: AutocannonClient): void {
  // When this connection last got an answer (or gave up on one): its cycles, for Little's law.
  let last: number | undefined;
  // Watch the client's own emit rather than add listeners: autocannon already listens to
  // 'response', and a second listener makes every emit copy the listener array (about 6%
  // fewer requests per second on /hello here).
  const emit = client.emit;
  client.emit = function watched(
    event: string | symbol,
    first?: unknown,
    _second?: unknown,
    third?: unknown,
  ) {
    if (event === 'response') {
      batch.responses++;
      if ((first as number) < 200 || (first as number) >= 300) batch.non2xx++;
      batch.latencies[latencyBucket(third as number)]++;
      const now = performance.now();
      countInSlot(now, third as number, last === undefined ? undefined : now - last);
      last = now;
    } else if (event === 'timeout') {
      batch.errors++;
      batch.timeouts++;
      last = undefined;
    } else if (event === 'connError') {
      batch.errors++;
      last = undefined;
    }
    // biome-ignore lint/complexity/noArguments: passes every argument on without allocating
    return emit.apply(this, arguments as unknown as Parameters<typeof emit>);
  };
}

// `flush` lets the load process take the last batch at once when autocannon runs in its own
// thread (one worker): the same module instance, from Node's module cache.
export = Object.assign(setupClient, { flush });
