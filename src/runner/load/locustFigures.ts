/**
 * The figures of a Locust load, from what Hotpath's module sends (locust/hotpathLocust.py):
 * per 100 ms slot of the wall clock and per request name, exact counts, latency sums and
 * Hotpath's latency buckets. Summed over any run of slots into the same `LoadSummary` an
 * autocannon load gives, one per request name and one for the name that leads.
 */
import type { LoadSummary, RequestNameFigures } from '../../record/load';
import { bucketPercentile, coarseHistogram, LATENCY_BUCKETS, SLOT_MS } from './protocol';

/** One request name's requests that ended in one slot (its keys: the module's). */
export interface LocustTally {
  /** Requests, failures, latency sum (ms), latency square sum, min and max (ms), bytes. */
  n: number;
  f: number;
  s: number;
  q?: number;
  mn?: number;
  x?: number;
  by: number;
  /** Latency bucket → requests. */
  b: Record<string, number>;
  /** Status → requests; 0 is a connection error. */
  c: Record<string, number>;
  /** The request's method (Locust's request_type). */
  m: string;
}

export class SlotTable {
  readonly #slots = new Map<number, Map<string, LocustTally>>();

  /** Adds a message's slots; returns the start (epoch ms) of its first slot with a request. */
  add(slots: Record<string, Record<string, LocustTally>>): number | undefined {
    let first: number | undefined;
    for (const [key, names] of Object.entries(slots)) {
      const slot = Number(key);
      if (first === undefined || slot < first) first = slot;
      let held = this.#slots.get(slot);
      if (!held) {
        held = new Map();
        this.#slots.set(slot, held);
      }
      for (const [name, tally] of Object.entries(names)) {
        const was = held.get(name);
        held.set(
          name,
          was ? merge(was, tally) : { ...tally, b: { ...tally.b }, c: { ...tally.c } },
        );
      }
    }
    return first === undefined ? undefined : first * SLOT_MS;
  }

  /** The request names of slots [from, to), most requests first. */
  names(from: number, to: number): string[] {
    const counts = new Map<string, number>();
    for (let slot = from; slot < to; slot++)
      for (const [name, tally] of this.#slots.get(slot) ?? [])
        counts.set(name, (counts.get(name) ?? 0) + tally.n);
    return [...counts].sort((a, b) => b[1] - a[1]).map(([name]) => name);
  }

  /**
   * The name whose figures lead: the endpoint's path when the file sends a request of that name,
   * the only name when it sends one; undefined (all names together) otherwise.
   */
  leadOf(pathName: string, from: number, to: number): string | undefined {
    const names = this.names(from, to);
    if (names.includes(pathName)) return pathName;
    return names.length === 1 ? names[0] : undefined;
  }

  /**
   * Slots [from, to) as a load summary: of `lead` (undefined: every name), and each name's own
   * figures. The duration is the slots' span.
   */
  summarize(
    from: number,
    to: number,
    lead: string | undefined,
  ): { summary: LoadSummary; byName: RequestNameFigures[] } {
    const span = Math.max(0, to - from);
    const byName = this.names(from, to).map((name) => {
      const s = this.#sum(from, to, (n) => n === name);
      return {
        name,
        method: s.method,
        requests: s.requests,
        failures: s.failures,
        requestsPerSec: round(s.requests / ((span * SLOT_MS) / 1000 || 1)),
        latencyMs: {
          mean: round(s.requests ? s.latencySum / s.requests : 0),
          p50: bucketPercentile(s.fine, 50) ?? 0,
          p90: bucketPercentile(s.fine, 90) ?? 0,
          p99: bucketPercentile(s.fine, 99) ?? 0,
          max: round(s.max),
        },
        statusCodes: s.statusCodes,
      };
    });
    const s = this.#sum(from, to, (n) => lead === undefined || n === lead);
    const durationSec = (span * SLOT_MS) / 1000;
    const perSecond: number[] = [];
    for (let slot = from; slot + 1000 / SLOT_MS <= to; slot += 1000 / SLOT_MS)
      perSecond.push(s.responses.slice(slot - from, slot - from + 1000 / SLOT_MS).reduce(add, 0));
    const mean = s.requests ? s.latencySum / s.requests : 0;
    const variance = s.requests ? Math.max(0, s.squareSum / s.requests - mean * mean) : 0;
    const statusErrors = s.statusCodes['0'] ?? 0;
    let non2xx = 0;
    for (const [code, count] of Object.entries(s.statusCodes))
      if (code !== '0' && !/^2\d\d$/.test(code)) non2xx += count;
    const summary: LoadSummary = {
      url: '',
      method: s.method,
      connections: 0,
      workers: 1,
      durationSec,
      startedAt: new Date(from * SLOT_MS).toISOString(),
      finishedAt: new Date(to * SLOT_MS).toISOString(),
      requests: s.requests,
      sent: s.requests,
      requestsPerSec: round(durationSec > 0 ? s.requests / durationSec : 0),
      perSecond: spread(perSecond),
      latencyMs: {
        mean: round(mean),
        stddev: round(Math.sqrt(variance)),
        min: round(s.min),
        p50: bucketPercentile(s.fine, 50) ?? 0,
        p90: bucketPercentile(s.fine, 90) ?? 0,
        p99: bucketPercentile(s.fine, 99) ?? 0,
        max: round(s.max),
      },
      throughputBytesPerSec: round(durationSec > 0 ? s.bytes / durationSec : 0),
      errors: statusErrors,
      timeouts: 0,
      non2xx,
      statusCodes: s.statusCodes,
      latencyHistogram: coarseHistogram(s.fine),
      samples: { intervalMs: SLOT_MS, responses: s.responses, latencyMs: s.latencyMs },
    };
    return { summary, byName };
  }

  #sum(from: number, to: number, wanted: (name: string) => boolean) {
    const fine = new Uint32Array(LATENCY_BUCKETS);
    const statusCodes: Record<string, number> = {};
    const responses: number[] = [];
    const latencyMs: number[] = [];
    let requests = 0;
    let failures = 0;
    let latencySum = 0;
    let squareSum = 0;
    let bytes = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    let method = 'GET';
    for (let slot = from; slot < to; slot++) {
      let inSlot = 0;
      let sumInSlot = 0;
      for (const [name, t] of this.#slots.get(slot) ?? []) {
        if (!wanted(name)) continue;
        method = t.m || method;
        inSlot += t.n;
        sumInSlot += t.s;
        requests += t.n;
        failures += t.f;
        latencySum += t.s;
        squareSum += t.q ?? 0;
        bytes += t.by;
        if (t.mn !== undefined) min = Math.min(min, t.mn);
        if (t.x !== undefined) max = Math.max(max, t.x);
        for (const [bucket, count] of Object.entries(t.b)) fine[Number(bucket)] += count;
        for (const [code, count] of Object.entries(t.c))
          statusCodes[code] = (statusCodes[code] ?? 0) + count;
      }
      responses.push(inSlot);
      latencyMs.push(round(sumInSlot));
    }
    return {
      fine,
      statusCodes,
      responses,
      latencyMs,
      requests,
      failures,
      latencySum,
      squareSum,
      bytes,
      min: Number.isFinite(min) ? min : 0,
      max,
      method,
    };
  }
}

function merge(a: LocustTally, b: LocustTally): LocustTally {
  const out: LocustTally = {
    n: a.n + b.n,
    f: a.f + b.f,
    s: a.s + b.s,
    q: (a.q ?? 0) + (b.q ?? 0),
    by: a.by + b.by,
    b: { ...a.b },
    c: { ...a.c },
    m: a.m || b.m,
  };
  if (a.mn !== undefined || b.mn !== undefined)
    out.mn = Math.min(a.mn ?? Number.POSITIVE_INFINITY, b.mn ?? Number.POSITIVE_INFINITY);
  if (a.x !== undefined || b.x !== undefined) out.x = Math.max(a.x ?? 0, b.x ?? 0);
  for (const [k, v] of Object.entries(b.b)) out.b[k] = (out.b[k] ?? 0) + v;
  for (const [k, v] of Object.entries(b.c)) out.c[k] = (out.c[k] ?? 0) + v;
  return out;
}

const add = (a: number, b: number) => a + b;
const round = (n: number) => Math.round(n * 100) / 100;

function spread(values: number[]): LoadSummary['perSecond'] {
  if (values.length === 0) return { mean: 0, stddev: 0, min: 0, max: 0 };
  const mean = values.reduce(add, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  return {
    mean: round(mean),
    stddev: round(Math.sqrt(variance)),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}
