import {
  monitorEventLoopDelay,
  PerformanceObserver,
  constants as perfConstants,
  performance,
} from 'node:perf_hooks';
import type { AgentMetrics } from '../../record/load';

/** The service's metrics over the measured window. */
export class Window {
  readonly startedAt = Date.now();
  readonly #elu = performance.eventLoopUtilization();
  readonly #cpu = process.cpuUsage();
  readonly #delay = monitorEventLoopDelay({ resolution: 10 });
  readonly #gcByKind: Record<string, { count: number; totalMs: number }> = {};
  readonly #gc: PerformanceObserver;
  readonly #heap: { startUsedBytes: number; peakUsedBytes: number; peakRssBytes: number };
  readonly #heapTimer: NodeJS.Timeout;

  constructor(readonly title: string) {
    this.#gc = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = gcKindName((entry as { detail?: { kind?: number } }).detail?.kind);
        const slot = this.#gcByKind[kind] ?? { count: 0, totalMs: 0 };
        slot.count++;
        slot.totalMs += entry.duration;
        this.#gcByKind[kind] = slot;
      }
    });
    this.#gc.observe({ entryTypes: ['gc'] });
    this.#delay.enable();
    const memory = process.memoryUsage();
    const heap = {
      startUsedBytes: memory.heapUsed,
      peakUsedBytes: memory.heapUsed,
      peakRssBytes: memory.rss,
    };
    this.#heap = heap;
    this.#heapTimer = setInterval(() => {
      const m = process.memoryUsage();
      heap.peakUsedBytes = Math.max(heap.peakUsedBytes, m.heapUsed);
      heap.peakRssBytes = Math.max(heap.peakRssBytes, m.rss);
    }, 100);
    this.#heapTimer.unref();
  }

  close(samplingIntervalUs?: number): AgentMetrics {
    const wallMs = Date.now() - this.startedAt;
    const elu = performance.eventLoopUtilization(this.#elu);
    const cpu = process.cpuUsage(this.#cpu);
    this.#delay.disable();
    this.#gc.disconnect();
    clearInterval(this.#heapTimer);
    const memory = process.memoryUsage();
    const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const kinds = Object.values(this.#gcByKind);
    const gcTotalMs = kinds.reduce((sum, k) => sum + k.totalMs, 0);
    return {
      wallMs,
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      cpuShare: wallMs > 0 ? (cpu.user + cpu.system) / 1000 / wallMs : 0,
      eventLoopUtilization: elu.utilization,
      eventLoopDelayMs: {
        min: ms(this.#delay.min),
        mean: ms(this.#delay.mean),
        p50: ms(this.#delay.percentile(50)),
        p90: ms(this.#delay.percentile(90)),
        p99: ms(this.#delay.percentile(99)),
        max: ms(this.#delay.max),
      },
      gc: {
        count: kinds.reduce((sum, k) => sum + k.count, 0),
        totalMs: gcTotalMs,
        share: wallMs > 0 ? gcTotalMs / wallMs : 0,
        byKind: this.#gcByKind,
      },
      heap: {
        startUsedBytes: this.#heap.startUsedBytes,
        endUsedBytes: memory.heapUsed,
        peakUsedBytes: Math.max(this.#heap.peakUsedBytes, memory.heapUsed),
        peakRssBytes: Math.max(this.#heap.peakRssBytes, memory.rss),
      },
      samplingIntervalUs,
    };
  }
}

function gcKindName(kind: number | undefined): string {
  switch (kind) {
    case perfConstants.NODE_PERFORMANCE_GC_MINOR:
      return 'minor';
    case perfConstants.NODE_PERFORMANCE_GC_MAJOR:
      return 'major';
    case perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental';
    case perfConstants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weakcb';
    default:
      return 'other';
  }
}
