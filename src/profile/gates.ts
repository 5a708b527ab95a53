/**
 * The gates of `hotpath compare --fail-if` (`rps<0.9`, `alloc>1.2`, `stalls>1.5`): parsed, and
 * checked on a comparison's ratios, on their intervals where they have them. Pure.
 */
import type { Comparison } from './compare';
import type { RatioInterval } from './stats';

export type GateMetric = 'rps' | 'latency' | 'p50' | 'p90' | 'p99' | 'cpu' | 'alloc' | 'stalls';
export interface Gate {
  metric: GateMetric;
  op: '<' | '<=' | '>' | '>=';
  value: number;
  text: string;
}

const METRICS =
  'rps, latency (the mean), p50, p90, p99, cpu, alloc (bytes allocated per request), stalls (event-loop stalls per second)';

/** Parses a gate such as `rps<0.9` (fail when after ÷ before req/s is below 0.9). */
export function parseGate(text: string): Gate {
  const match =
    /^\s*(rps|latency|p50|p90|p99|cpu|alloc|stalls)\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+)\s*$/.exec(
      text,
    );
  if (!match) {
    throw new Error(
      `"${text}" is not a gate: write METRIC OP RATIO, such as rps<0.9 or p99>1.2 (metrics: ${METRICS})`,
    );
  }
  return {
    metric: match[1] as GateMetric,
    op: match[2] as Gate['op'],
    value: Number(match[3]),
    text: text.trim(),
  };
}

/** A gate checked: on the interval when the ratio has one, else on the ratio itself. */
export interface GateResult {
  gate: Gate;
  ratio: number | undefined;
  interval?: RatioInterval;
  /**
   * failed: the condition holds (for the whole interval, when there is one); passed: it does not
   * hold anywhere in it; inconclusive: the interval straddles the gate's value (not a failure:
   * run with --repeat for a narrower interval); missing: the runs lack the figure (a failure).
   */
  outcome: 'failed' | 'passed' | 'inconclusive' | 'missing';
}

function holds(op: Gate['op'], ratio: number, value: number): boolean {
  switch (op) {
    case '<':
      return ratio < value;
    case '<=':
      return ratio <= value;
    case '>':
      return ratio > value;
    case '>=':
      return ratio >= value;
  }
}

/** Every gate's outcome. CI gates use the interval, not the point estimate, where there is one. */
export function checkGates(comparison: Comparison, gates: Gate[]): GateResult[] {
  const ratios: Record<GateMetric, number | undefined> = {
    rps: comparison.ratios.requestsPerSec,
    latency: comparison.spread?.latencyMean?.estimate,
    p50: comparison.ratios.latencyP50,
    p90: comparison.ratios.latencyP90,
    p99: comparison.ratios.latencyP99,
    cpu: comparison.ratios.cpuPerRequest,
    alloc: comparison.allocations?.ratio.estimate,
    // Neither run stalled: the rate did not change (no interval; "stalls>1.5" passes).
    stalls:
      comparison.stalls?.ratio?.estimate ??
      (comparison.stalls && !comparison.stalls.thresholdsDiffer ? 1 : undefined),
  };
  const intervals: Partial<Record<GateMetric, RatioInterval>> = {
    ...(comparison.spread?.requestsPerSec ? { rps: comparison.spread.requestsPerSec } : {}),
    ...(comparison.spread?.latencyMean ? { latency: comparison.spread.latencyMean } : {}),
    ...(comparison.allocations ? { alloc: comparison.allocations.ratio } : {}),
    ...(comparison.stalls?.ratio ? { stalls: comparison.stalls.ratio } : {}),
  };
  return gates.map((gate): GateResult => {
    const ratio = ratios[gate.metric];
    const interval = intervals[gate.metric];
    if (ratio === undefined) return { gate, ratio, outcome: 'missing' };
    if (!interval)
      return { gate, ratio, outcome: holds(gate.op, ratio, gate.value) ? 'failed' : 'passed' };
    const low = holds(gate.op, interval.low, gate.value);
    const high = holds(gate.op, interval.high, gate.value);
    return {
      gate,
      ratio,
      interval,
      outcome: low && high ? 'failed' : low || high ? 'inconclusive' : 'passed',
    };
  });
}

/** The gates that fail: their condition holds, or the runs lack their figure. */
export function failedGates(comparison: Comparison, gates: Gate[]): GateResult[] {
  return checkGates(comparison, gates).filter(
    (r) => r.outcome === 'failed' || r.outcome === 'missing',
  );
}
