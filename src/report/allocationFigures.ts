/**
 * Where memory was allocated, as figures (`figures.ts` holds them with the run's others): bytes
 * per function, self and per response, by owner, and the heap's growth beside them. V8 records
 * the allocating function, never the line: no line figures. Pure.
 */
import type { AllocationAnalysis, AllocationPart } from '../profile/heapprofile';
import type { Category } from '../profile/model';
import { functionPlace } from './places';

/** A function's allocations: V8 records the allocating function, never the line. */
export interface AllocationFigure {
  name: string;
  category: Category;
  packageName?: string;
  /** The function's own file:line (where it is declared, not where it allocates). */
  where: string;
  selfBytes: number;
  totalBytes: number;
  /** Its own bytes' share of all the bytes sampled. */
  share: number;
  /** Heap samples taken in it (what the bytes' uncertainty follows). */
  samples: number;
  /** Its own bytes per response; absent without a count of responses. */
  perResponseBytes?: number;
  /** Its bytes with what it called, per response; absent without a count of responses. */
  totalPerResponseBytes?: number;
}

/** Where memory was allocated over the window, and the heap's growth beside it. */
export interface AllocationFigures {
  /**
   * 'allocated': every allocation of the window, collected or not (Hotpath's runs). 'unknown':
   * a foreign file, which does not record whether its bytes were allocated or only the live ones.
   */
  mode: 'allocated' | 'unknown';
  totalBytes: number;
  samples: number;
  samplingIntervalBytes?: number;
  /** Samples past the file's cap: their bytes counted, their samples not kept. */
  droppedSamples: number;
  /** All the bytes per response; absent without a count of responses (a foreign file). */
  perResponseBytes?: number;
  /** Most bytes first. */
  rows: AllocationFigure[];
  /** By owner: your code, each package, Node's, V8's, Hotpath's. */
  parts: { label: string; bytes: number; share: number }[];
  /** Used heap after a full collection at the window's start and end (a leak grows it). */
  growth?: { startUsedBytes: number; endUsedBytes: number; perResponseBytes?: number };
}

/** A run's (or a lone file's) allocations, most bytes first; per response when counted. */
export function allocationFigures(
  allocations: AllocationAnalysis,
  responses: number | undefined,
  growth: { startUsedBytes: number; endUsedBytes: number } | undefined,
  shown: { rows: number; visibleShare: number },
  cwd = process.cwd(),
): AllocationFigures {
  // A foreign file's bytes may be the live ones only: no figure per response is drawn from them.
  const per = allocations.mode === 'allocated' && responses ? responses : undefined;
  const total = allocations.totalBytes || 1;
  return {
    mode: allocations.mode,
    totalBytes: allocations.totalBytes,
    samples: allocations.samples,
    ...(allocations.samplingIntervalBytes !== undefined
      ? { samplingIntervalBytes: allocations.samplingIntervalBytes }
      : {}),
    droppedSamples: allocations.droppedSamples,
    ...(per ? { perResponseBytes: allocations.totalBytes / per } : {}),
    rows: allocations.functions
      .filter((f) => f.selfBytes / total >= shown.visibleShare)
      .slice(0, shown.rows)
      .map((f) => ({
        name: f.name,
        category: f.category,
        ...(f.packageName ? { packageName: f.packageName } : {}),
        where: functionPlace(f, cwd),
        selfBytes: f.selfBytes,
        totalBytes: f.totalBytes,
        share: f.selfBytes / total,
        samples: f.selfSamples,
        ...(per
          ? { perResponseBytes: f.selfBytes / per, totalPerResponseBytes: f.totalBytes / per }
          : {}),
      })),
    parts: allocations.parts.map((p) => ({
      label: allocationPartLabel(p),
      bytes: p.bytes,
      share: p.share,
    })),
    ...(growth
      ? {
          growth: {
            ...growth,
            ...(per
              ? { perResponseBytes: (growth.endUsedBytes - growth.startUsedBytes) / per }
              : {}),
          },
        }
      : {}),
  };
}

function allocationPartLabel(part: AllocationPart): string {
  switch (part.kind) {
    case 'user':
      return 'your code';
    case 'package':
      return `${part.owner} (package)`;
    case 'node':
      return "Node's JavaScript";
    case 'native':
      return 'native code and V8 built-ins';
    case 'hotpath':
      return "Hotpath's agent";
    case 'script':
      return 'JavaScript of a script the file does not name';
    default: {
      const never: never = part.kind;
      return never;
    }
  }
}
