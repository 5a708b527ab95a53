/**
 * The thresholds, as data. Chosen from runs of the sample service on a 2-core machine (50 and 4
 * connections, 2–10 s):
 *   /read      idle 99.6 %, service CPU 5–7 % of a core, latency p50 1,500 ms vs 3 ms CPU/response
 *   /fast      idle ~80 %, CPU 20 %, p50 50 ms vs 0.2 ms CPU/response (waits on its 50 ms call)
 *   /cpu       idle 5 %, CPU 100 %, GC 0.1 % of the profile
 *   /cpualloc  idle 5 %, CPU 100 %, GC 5.8 % of the profile
 * The sampling profiler inflates event-loop utilisation (2 % → ~60 % on /read), so CPU time and
 * the profile's idle share are used instead.
 */
import { MISSED_CPU } from './missedCpu';

export const THRESHOLDS = {
  waiting: {
    /** At most this share of the profile busy (not idle)… */
    maxBusyShare: 0.5,
    /** …and latency at least this many times the CPU time spent per response. */
    minLatencyOverCpu: 5,
  },
  cpuBound: {
    /** At least this share of the profile busy… */
    minBusyShare: 0.8,
    /**
     * …or, busy less than that, latency p50 at most this many times the CPU per response: each
     * response takes about its own CPU time, so the work itself is the latency and the idle time
     * was the load not keeping the service full (4 connections on one core read 2–4x saturated).
     */
    maxLatencyOverCpu: 2,
    /**
     * …or at least this much of a core per profiled process (process CPU, all threads): a
     * service whose worker thread is saturated while its main thread idles is CPU-bound too.
     */
    minCoresPerProcess: 0.8,
  },
  gc: {
    /**
     * GC pressure: at least this share of the busy time in the garbage collector. Saturated
     * framework services (Express, Koa on the zoo) spend 3–8 % of it there, Fastify with a
     * response schema and a catalog builder 8–16 %, a hashing loop in a worker 20–26 %: the cost
     * of the JavaScript they run, told as a note of the CPU-bound verdict. A third of the busy
     * time is where collecting is the single biggest thing the CPU does.
     */
    minShareOfBusy: 0.3,
    /** A CPU-bound verdict mentions GC from this share of the busy time. */
    noteShareOfBusy: 0.05,
  },
  lines: {
    /** A line is named as "the hottest line" only from this share of the window. */
    minShare: 0.05,
  },
  machine: {
    /**
     * The machine was short of CPU when less than this much of a core was left idle over the
     * window (a 2-core machine 88 % busy): the service could not have run more than it did.
     */
    maxIdleCores: 0.25,
    /** Other programs are named as the reason from this much CPU (cores); else Hotpath's load. */
    minOtherCores: 0.5,
  },
  failing: {
    /**
     * At least this share of the answers were errors (non-2xx, or connection errors other than
     * timeouts; timeouts are latency, and /read under 1,000 users times out by design).
     */
    minShare: 0.5,
  },
  /** CPU that no profiled thread accounts for (missedCpu.ts, where the margin is measured). */
  missedCpu: MISSED_CPU,
  loop: {
    /**
     * The event loop's delay p99 from which the diagnosis says what blocked it (the sample's /cpu
     * at 4-10 connections: 70-310 ms; /fast: 11 ms; a loop with no turn over the 20 ms stall
     * threshold stays under it).
     */
    highDelayP99Ms: 50,
  },
} as const;
