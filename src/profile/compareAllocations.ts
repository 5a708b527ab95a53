/**
 * Two runs' allocations side by side: bytes per request before → after, with a 95 % interval
 * on their ratio from the heap samples' counts. V8's sampler takes a sample after an
 * exponentially distributed number of bytes, so a window's count of samples is a Poisson count
 * of its bytes over the interval: the ratio's uncertainty is the counts' own (heap samples carry
 * no times, so there is no series to bootstrap over). Pure.
 */
import type { AllocatingFunction, AllocationAnalysis } from './heapprofile';
import type { RatioInterval } from './stats';

/** One function's own bytes per request, in each run. */
export interface AllocationChange {
  name: string;
  /** The function's own original file (or script) and line: where it is, not where it allocates. */
  file: string;
  line: number;
  before: number;
  after: number;
}

export interface AllocationComparison {
  /** All the bytes each run allocated per request. */
  before: number;
  after: number;
  /** after ÷ before bytes per request, with its 95 % interval from the sample counts. */
  ratio: RatioInterval;
  samples: [number, number];
  /** The user's functions and packages' whose bytes per request changed most, most first. */
  functions: AllocationChange[];
}

const Z95 = 1.96;
/** Functions kept in a comparison. */
const FUNCTIONS_KEPT = 5;

/**
 * The ratio of two Poisson rates (nb / tb) ÷ (na / ta), scaled by `scale`, with its 95 % interval
 * on the log scale (variance 1/na + 1/nb; a count of 0 counts as 0.5).
 */
export function poissonRatio(na: number, nb: number, estimate: number): RatioInterval {
  const [a, b] = [Math.max(na, 0.5), Math.max(nb, 0.5)];
  const half = Z95 * Math.sqrt(1 / a + 1 / b);
  return {
    estimate,
    low: estimate * Math.exp(-half),
    high: estimate * Math.exp(half),
    confidence: 0.95,
  };
}

/** Undefined unless both runs sampled their allocations and counted their requests. */
export function compareAllocations(
  before: AllocationAnalysis | undefined,
  beforeRequests: number,
  after: AllocationAnalysis | undefined,
  afterRequests: number,
): AllocationComparison | undefined {
  if (!before || !after || before.mode !== 'allocated' || after.mode !== 'allocated')
    return undefined;
  if (beforeRequests <= 0 || afterRequests <= 0 || before.totalBytes <= 0) return undefined;
  const a = before.totalBytes / beforeRequests;
  const b = after.totalBytes / afterRequests;
  const changes = new Map<string, AllocationChange>();
  const add = (f: AllocatingFunction, side: 'before' | 'after', perRequest: number) => {
    if (f.category !== 'user' && f.category !== 'node_modules') return;
    const file = f.original?.source ?? f.generated.url;
    const line = f.original?.line ?? f.generated.line;
    const key = `${f.name}\u0000${file}\u0000${line}`;
    const change = changes.get(key) ?? { name: f.name, file, line, before: 0, after: 0 };
    change[side] += perRequest;
    changes.set(key, change);
  };
  for (const f of before.functions) add(f, 'before', f.selfBytes / beforeRequests);
  for (const f of after.functions) add(f, 'after', f.selfBytes / afterRequests);
  return {
    before: a,
    after: b,
    ratio: poissonRatio(before.samples, after.samples, b / a),
    samples: [before.samples, after.samples],
    functions: [...changes.values()]
      .sort((x, y) => Math.abs(y.after - y.before) - Math.abs(x.after - x.before))
      .slice(0, FUNCTIONS_KEPT),
  };
}
