/** The CLI's help texts, one per command. */
import { DEFAULTS } from '../vocabulary/defaults';
import { PRESETS } from '../vocabulary/presets';
import { EXIT, EXIT_CODES, LOCUST_EXIT_CODES } from './exitCodes';

/** The exit codes as `--help` lists them, from the one table, with Locust's as Hotpath reads them. */
export const EXIT_CODES_HELP = `Exit codes:\n${EXIT_CODES.map(({ code, meaning }) => `  ${code}  ${meaning}`).join('\n')}\n\nLocust's exit status under --locustfile (in the run, not Hotpath's own):\n${LOCUST_EXIT_CODES.map(({ code, meaning }) => `  ${code}  ${meaning}`).join('\n')}`;

export const MAIN_HELP = `hotpath — profile a Node.js web endpoint under load

Usage:
  hotpath profile <path> [options] [-- CMD]   load-test one endpoint and capture a V8 CPU profile
  hotpath demo [--preset NAME]       the walk-through on the sample service: /read vs /fast,
                                     /cpu vs /cpualloc, each profiled, with what they show
  hotpath report <run | .cpuprofile> the diagnosis, hot functions and hot lines of a saved run
  hotpath compare <before> <after>   what changed between two runs; --fail-if gates for CI
  hotpath serve [--port N]           run the bundled sample service for you to poke with curl
  hotpath <command> --help           options of a command

${EXIT_CODES_HELP}`;

export const PROFILE_HELP = `hotpath profile <path> [options]

Starts the service (the bundled sample service unless --service is given), warms it up,
load-tests <path> with autocannon while a V8 CPU profile is taken inside the service, then
prints the load summary and saves the run to <out>/<run id>/ (run.json, profile.cpuprofile).

Target:
  --service CMD            command that starts your Node service (run through the shell)
  -- CMD ARGS…             the same, after the options: hotpath profile / -- node server.js
  --url URL                where it answers, such as http://127.0.0.1:3000 (with a service: the
                           one port it listens on, when not given; alone: a service already
                           running, load-tested without a profile, or with --attach profiled)
  --allow-remote           allow a URL that is not on this machine's loopback
  --attach HOST:PORT       profile the service already running at --url through its inspector
                           (started with --inspect); it is left running. Lock waits and the
                           process's own metrics are not measured that way
  --allow-remote-inspector allow an inspector that is not on this machine's loopback (it runs any
                           code it is sent: prefer ssh -L 9229:127.0.0.1:9229 <host>)
  --attach-signal          a process of --service that answers at --url without Hotpath's agent
                           (its start script replaced NODE_OPTIONS): open its inspector with
                           SIGUSR1 and profile it through that instead of failing
  --insecure               load an https URL whose certificate Node does not trust (self-signed)
  --ready-timeout S        seconds to wait for the service to answer (default ${DEFAULTS.readyTimeoutSec})
  --agent-timeout S        seconds to wait for the profiled process to answer Hotpath's agent
                           (a stuck event loop never does; default ${DEFAULTS.agentTimeoutSec})
  --max-processes N        profile at most N of the service's processes and threads: those that
                           serve the URL's port (a cluster's workers) and their worker threads
                           (default ${DEFAULTS.maxProcesses})

Load:
  --preset NAME            ${PRESETS.map((p) => p.name).join(' | ')} (default ${DEFAULTS.preset})
${PRESETS.map((p) => `                             ${p.name}: ${p.description}`).join('\n')}
  --shape JSON             a load shape instead of the preset's, as data (kinds and fields below)
  --repeat N               run the load N times in the capture (not a ramp), so that comparisons
                           of this run carry a spread; default 1
  -c, --connections N      concurrent connections (overrides the preset; users for a users shape)
  -d, --duration S         seconds of load (overrides the preset)
  --amount N               stop after N requests instead of after a duration
  --rate R                 at most R requests per second per connection
  --overall-rate R         at most R requests per second in all
  -m, --method M           HTTP method (default GET)
  -H, --header "K: V"      request header (repeatable)
  -b, --body TEXT          request body
  --timeout S              seconds before a request counts as timed out (default ${DEFAULTS.timeoutSec})
  --allow-errors           load the path even when every request of the warm-up failed (404, 500,
                           refused): to measure an error path; without it the run stops there
  --allocations            also sample where memory is allocated over the window (V8's sampling
                           heap profiler): off by default, as it adds CPU to a light route's responses
  --warmup S               unmeasured warm-up before the capture, 0 for none (default ${DEFAULTS.warmupSec})
  --drain-timeout S        the capture opens once the warm-up's requests have ended in the service;
                           wait at most S seconds for that (default ${DEFAULTS.drainTimeoutSec})
  --workers N              autocannon worker threads (default ${DEFAULTS.workers})

Locust as the load (the real locust, never a fallback to autocannon):
  --locustfile FILE        your locustfile's requests are the load; <path> names the request
                           (Locust's name) whose figures lead; the window opens once every user runs
  -u, --users N            Locust users (default 50)
  -r, --spawn-rate R       users started per second (default: all at once)
  --load-workers N         a Locust master on 127.0.0.1 and N local workers
  --load-workers-external N  wait for N workers started elsewhere; prints the command for each
  --master-bind ADDRESS    the master listens there (not loopback: for external workers; warned)
  --locust-path CMD        the locust command (default: locust on PATH)

Shapes (--shape, and presets in the extension's settings), JSON:
  {"kind":"constant","connections":50,"durationSec":10,"connectionRate":2}
  {"kind":"users","users":100,"waitSec":0.1,"spawnRate":20,"durationSec":10}
      Locust-like: each user sends at most one request every waitSec, spawnRate join a second
  {"kind":"ramp","from":1,"to":256,"factor":2,"stepSec":2,"minGrowth":0.1,"patience":2,"maxP99Ms":500}
      steps the connections up until req/s stop rising (patience steps without minGrowth more)
      or p99 passes maxP99Ms; prints the saturation knee
  {"kind":"spike","connections":10,"spikeConnections":200,"durationSec":10,"spikeAtSec":4,"spikeSec":2}

Capture and output:
  --sampling-interval US   CPU profile sampling interval in µs (default ${DEFAULTS.samplingIntervalUs})
  --stall-threshold MS     a turn of the service's event loop longer than this is a stall (default ${DEFAULTS.stallThresholdMs})
  --no-profile             measure the load and the service's metrics without a CPU profile
  --no-locks               leave the service's async-mutex locks unwatched (no lock waits)
  --out DIR                where runs are saved (default ${DEFAULTS.outDir})
  --json                   print the run record as JSON instead of the summary

A load that got no responses, or under a tenth of its warm-up's rate, measured nothing (the
service spent the window on the warm-up's backlog): the run fails with exit code ${EXIT.measuredNothing}
and no diagnosis; its folder keeps the profile.

Example:
  hotpath profile /read --preset quick && hotpath profile /fast --preset quick`;

export const DEMO_HELP = `hotpath demo [--preset NAME] [--out DIR] [--locust]

Profiles the sample service's four walk-through routes one after another (preset quick unless
given: 50 connections for 3 s each), prints each run's summary, then what the pairs show:
/fast against /read (a lock held across an await), /cpualloc against /cpu (a copy per turn).
--locust runs /read, /fast and /cpu with the walk-through's locustfiles (read.py, fast.py, cpu.py:
50 users, 3 s each) under the real Locust instead; it needs locust installed.`;

export const REPORT_HELP = `hotpath report <run folder | profile file | folder of profiles | file.heapprofile> [--json | --markdown] [--html FILE] [--pprof FILE] [--thread NAME]

Analyses a saved run, or a profile of another tool: a V8 .cpuprofile (node --cpu-prof, Chrome
DevTools, the old format too), a Chrome/DevTools trace (trace-event JSON, every thread), a pprof
(.pb, .pb.gz: CPU or wall time, which holds no timeline), gzipped or not; or a folder of
profiles (node --cpu-prof --cpu-prof-dir=DIR, a file per process or worker) as one, a frame per
process and thread. Prints the diagnosis, the hot functions and the hot lines, mapped through
source maps to the original files.
--html FILE also writes a standalone report with the flamegraph (one file, no network).
--markdown prints the report for a pull-request comment.
A .heapprofile (a run's, node --heap-prof's, DevTools'; .heapprofile.gz too) shows where memory
was allocated, by function: V8 records the allocating function, not the line. Its bytes are per
request only for a run's own file, beside its run.json.

--pprof FILE writes the profile as a gzipped pprof (CPU samples, functions with file and line,
the endpoint and run id as labels) for go tool pprof, Pyroscope, Grafana or Datadog.
A view of several threads or processes (a trace, a folder, a pprof with thread labels) lists
them, with their samples and CPU, and names each hot function's thread; --thread NAME shows one
alone (its name, or a word or id of it: CrRendererMain, "thread 1", a pid).`;

export const COMPARE_HELP = `hotpath compare <run before> <run after> [--fail-if GATE]... [--json | --markdown] [--html FILE]
hotpath compare <ramp run> [--steps A,B] [...]

Compares two runs (run folders or .cpuprofile files): req/s and latency ratios (after ÷ before),
CPU per request, and the functions and lines whose self time per request changed most.
Each run's load in 100 ms intervals gives req/s and mean latency a 95 % interval (from the
spread of each load's thirds, plus the few per cent two runs of the same code differ by) and a
verdict ("faster, 95 % CI 1.8–2.1x" or "no measurable change"); profile with --repeat N for
narrower intervals. Bytes allocated per request get a 95 % interval from the heap samples'
counts (Poisson), and so do the event loop's stalls per second of the window from the stalls'
counts (beside the loop delay p99 and each function's stalls before → after).
--fail-if "rps<0.9" (or latency, p50, p90, p99, cpu, alloc, stalls
with <, <=, >, >=) exits ${EXIT.failed} when the ratio meets it: a gate for CI. Where the ratio has an
interval the gate uses it: it fails only when the whole interval meets the condition, and one
that straddles the value is reported as inconclusive, not failed. A gate whose figure the runs
lack fails. --html FILE writes the report with a
differential flamegraph (widths from the later run; red grew, blue shrank).

Given one ramp run (--preset ramp), compares two of its steps, each with the profile of its own
seconds: the knee and the step after it unless --steps A,B names them (as numbered in the run's
"steps" line, from 1).`;

export const SERVE_HELP = `hotpath serve [--port N] [--host H]

Runs the bundled sample service (routes /read, /fast, /cpu, /cpualloc, /clients, /hello)
until Ctrl+C. --port 0 (the default 8080 otherwise) picks any free port.`;
