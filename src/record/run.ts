/**
 * The run record: what a run folder holds and what its `run.json` says. Types and file names
 * only, importing nothing but the record's own files: the runner writes it, the run folder
 * (`src/runs/`), the analysis and the views read it, and none of them must reach above its floor
 * to do so.
 */
import type { HeapRecord } from './heap';
import type { AgentMetrics, LoadShape, LoadSummary, LocustLoad } from './load';
import type { LockReport } from './locks';
import type { StallsRecord, ThreadLoop } from './stalls';

export const PROFILE_FILE = 'profile.cpuprofile';

export const RUN_FILE = 'run.json';

/** Written beside the profile: the source maps Node holds for the profile's scripts. */
export const SOURCE_MAPS_FILE = 'sourcemaps.json';

export type RunStatus = 'running' | 'done' | 'cancelled' | 'failed';

export type RunStage = 'starting' | 'warming-up' | 'profiling' | 'stopping';

/** The machine over the window. */
export interface MachineUse {
  /** Its logical cores. */
  cores: number;
  /** How busy its cores were, all of them together, 0..1 (from the kernel's per-core times). */
  busyShare: number;
  /** CPU of Hotpath's own processes (the runner, and the load process with its threads), in cores. */
  loadGeneratorCores: number;
}

/** Everything a run folder's `run.json` says. */
export interface RunRecord {
  schema: 1;
  id: string;
  status: RunStatus;
  /** The last stage reached: where a failed or cancelled run stopped. */
  stage: RunStage;
  error?: {
    code: string;
    /** In the CLI's words. */
    message: string;
    /** The same with its option references kept, when it has any (see src/vocabulary/words.ts). */
    words?: string;
    serviceOutput?: string;
  };
  endpoint: { method: string; path: string; url?: string };
  preset: string;
  options: Omit<RunOptions, 'nodePath'>;
  target: {
    kind: RunOptions['target']['kind'];
    command?: string;
    url?: string;
    /** The process Hotpath started, and the one that served the URL and was profiled. */
    pid?: number;
    profiledPid?: number;
    /** The Node.js version the profiled service ran on, as its agent said (none without one). */
    node?: string;
    /** The inspector Hotpath attached to (`host:port`), for a service already running. */
    inspector?: string;
  };
  /**
   * What this run could not measure, in words ("lock waits", …): a service Hotpath attached to
   * has no agent. Named so that no surface shows them as zero; absent when all was measured.
   */
  notMeasured?: string[];
  /** How Hotpath attached, and what it did to the service that the user should know. */
  attach?: {
    /** Its optimised code was dropped before the warm-up (precise coverage, on then off). */
    deoptimized: boolean;
    /** What attaching did to the service, in words, for every surface. */
    sideEffects: string[];
  };
  warmup?: {
    durationSec: number;
    requests: number;
    requestsPerSec: number;
    /**
     * The window opened once the warm-up's requests had ended in the service: how long that
     * took (ms), and how many were still not ended when the wait ran out (0: none).
     */
    drainedMs?: number;
    leftInFlight?: number;
    /**
     * Requests the service had not even read when the window opened: connections of the port
     * with bytes in the kernel's receive queue (Linux's /proc/net/tcp), and those bytes. The
     * drain waits for both to be 0 before the agents' own wait; absent where /proc is not read.
     */
    unreadAtOpen?: { connections: number; bytes: number };
  };
  /**
   * What the service itself served in the window, counted by its agents (absent for a URL, and
   * in older runs): requests it started (parsed), responses it finished, and of those the ones
   * finished before the load ended. `finished` divides the window's CPU ("CPU per response");
   * `load.requests` is the load's count of the answers it got.
   */
  served?: { started: number; finished: number; finishedDuringLoad: number };
  /** The service's processes and threads: which were profiled and why (absent for a URL). */
  processes?: ProcessesReport;
  load?: LoadSummary;
  /** Each load of a run repeated with --repeat (`load` is them all merged). */
  repeats?: LoadSummary[];
  /** The measured load second by second: for the charts of req/s, latency and errors. */
  timeline?: TimelinePoint[];
  agent?: AgentMetrics;
  /** The machine over the window: how busy its cores were, and Hotpath's own share of them. */
  machine?: MachineUse;
  /** Where requests waited for locks (async-mutex) over the window; absent without one. */
  locks?: LockReport;
  /** The event loop's stalls over the window, in the profile's clock; absent without a profile. */
  stalls?: StallsRecord;
  /** Where memory was allocated over the window (`profile.heapprofile`); absent in older runs. */
  heap?: HeapRecord;
  profile:
    | {
        file: string;
        bytes: number;
        samplingIntervalUs: number;
        /** Scripts whose in-memory source maps were saved to sourcemaps.json (tsx, ts-node). */
        sourceMaps: number;
      }
    | { file: null; why: string };
  timings: {
    startedAt: string;
    targetReadyAt?: string;
    captureStartedAt?: string;
    captureStoppedAt?: string;
    endedAt?: string;
  };
  /** Hotpath's own: `node` is the runner's Node.js, not the service's (that is `target.node`). */
  versions: { hotpath: string; node: string; autocannon: string };
}

/** One profiled process or thread, as run.json keeps it. */
export interface ProfiledUnit {
  pid: number;
  /** Its parent process, as it said itself (a cluster worker's is the primary). */
  ppid?: number;
  /** 0: the process's main thread. */
  threadId: number;
  /** How it was started (its first arguments), to tell processes apart. */
  command: string;
  /** Its own profile, relative to the run folder (only when there are several). */
  file?: string;
  /** HTTP requests it received during the window (their starts, as its agent saw them parsed). */
  requests: number;
  /** Responses it finished during the window (absent in older runs). */
  finished?: number;
  /** Its profile's time not idle over the window, ms (absent in older runs). */
  busyMs?: number;
  /**
   * Whether its profile is in the merged one: a process that served nothing is left out, and so
   * is a worker thread that was idle through the window (`idle`: a loader's hooks thread).
   */
  merged: boolean;
  idle?: true;
  /** A process's metrics over the window; absent for a thread (profiled from its process). */
  metrics?: AgentMetrics;
  /** Its own event loop over the window, from its stall probe (absent in older runs). */
  loop?: ThreadLoop;
}

/** A worker thread seen in a profiled process whose profile did not come back. */
export interface ThreadMissed {
  pid: number;
  threadId: number;
  command: string;
  why: string;
}

/** What run.json says of the target's processes. */
export interface ProcessesReport {
  /** The port whose serving processes were profiled. */
  port: number;
  profiled: ProfiledUnit[];
  /** The target's other Node processes and threads, and why each was not profiled. */
  skipped: { pid: number; threadId: number; command: string; why: string }[];
  /** How many more would have been profiled without the cap (`--max-processes`). */
  overCap: number;
  cap: number;
  /**
   * The worker threads of the profiled processes: how many were seen (the inspector attaches to
   * every one), how many came back profiled, and the others with why. Absent in older runs.
   */
  threads?: { seen: number; profiled: number; missed: ThreadMissed[] };
}

/** One second of the measured load. */
export interface TimelinePoint {
  /** Seconds since the load began (end of this second). */
  t: number;
  /** Responses in this second. */
  rps: number;
  /** Latency of this second's responses, ms; null when none came back. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Error answers in this second: non-2xx, connection errors and timeouts. */
  errors: number;
  /** Connections open at the end of this second (absent in older runs). */
  connections?: number;
  /** Which load of a repeated run (0-based); absent when the load ran once. */
  repeat?: number;
}

export type TargetSpec =
  | { kind: 'sample' }
  /** Without `url`, the one port the service listens on (loopback) is used. */
  /**
   * `attachSignal`: a process of the command that answers at `url` without the agent is
   * profiled through its inspector, opened with SIGUSR1, instead of failing the run.
   */
  | { kind: 'command'; command: string; url?: string; cwd: string; attachSignal?: boolean }
  | { kind: 'url'; url: string }
  /**
   * A service already running, reached through its inspector (`host:port`, checked: loopback, or
   * `allowRemoteInspector`); `url` is where it answers. `deoptimize`: its optimised code is
   * dropped once before the warm-up, so that the profile has its functions' frames (see
   * runner/attach/capture.ts); true unless a measurement turns it off.
   */
  | {
      kind: 'attach';
      url: string;
      inspector: string;
      allowRemoteInspector?: boolean;
      deoptimize: boolean;
    };

export interface LoadOptions {
  /** Full URL of the endpoint. Filled in once the target is up (the sample's port is chosen then). */
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  connections: number;
  durationSec: number | undefined;
  amount: number | undefined;
  connectionRate: number | undefined;
  overallRate: number | undefined;
  timeoutSec: number;
  workers: number;
  /**
   * A shape run as phases (users joining, a ramp, a spike); absent for a constant load, which
   * the fields above describe. `connections` and `durationSec` are then its peak and planned
   * length.
   */
  shape?: PhasedShape;
  /** The user's locustfile under Locust is the load (`--locustfile`), instead of autocannon. */
  locust?: LocustLoad;
}

/** A request with every default filled in and every value checked. */
export interface RunOptions {
  target: TargetSpec;
  preset: string;
  load: LoadOptions;
  /** How many times the load runs in the capture (1 unless asked). */
  repeat: number;
  warmupSec: number;
  samplingIntervalUs: number;
  /** A turn of the service's event loop longer than this is a stall, ms (absent: 20). */
  stallThresholdMs?: number;
  profile: boolean;
  watchLocks: boolean;
  outDir: string;
  nodePath: string;
  readyTimeoutSec: number;
  agentTimeoutSec: number;
  drainTimeoutSec: number;
  maxProcesses: number;
  /** An https target's certificate is not checked. */
  insecure: boolean;
  /** Load a path even when every request of the warm-up failed (to measure an error path). */
  allowErrors: boolean;
  /**
   * Sample where memory is allocated over the window (V8's sampling heap profiler, collected
   * objects kept). Off unless asked: it adds CPU to a light route's responses (docs/PERFORMANCE.md).
   */
  allocations?: boolean;
}

/** A shape other than a constant load: run as phases (see src/runner/shapes.ts). */
export type PhasedShape = Exclude<LoadShape, { kind: 'constant' }>;
