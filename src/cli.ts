/**
 * `hotpath`: the engine without VS Code.
 *   hotpath profile <path> [options]   load-test one endpoint and capture a CPU profile
 *   hotpath serve [--port 8080]         run the bundled sample service
 * Exit codes: src/cli/exitCodes.ts.
 */
import { spawn } from 'node:child_process';
import {
  COMPARE_OPTIONS,
  numberOption,
  PROFILE_OPTIONS,
  parseHeaders,
  parseShape,
  parseSteps,
  readArgs,
  UsageError,
} from './cli/args';
import { EXIT } from './cli/exitCodes';
import { reportHeapProfile } from './cli/heapReport';
import {
  COMPARE_HELP,
  DEMO_HELP,
  MAIN_HELP,
  PROFILE_HELP,
  REPORT_HELP,
  SERVE_HELP,
} from './cli/help';
import { writeHtml, writePprof } from './cli/reportFiles';
import { checkGates, type Gate, parseGate } from './profile/gates';
import type { LoadedRun } from './profile/loadedRun';
import type { RunRecord } from './record/run';
import { gateText } from './report/comparison';
import { runFigures } from './report/figures';
import { analysisJson, jsonDocument } from './report/json';
import { type AllocationLesson, formatLessons } from './report/lessons';
import { comparisonMarkdown, runMarkdown } from './report/markdown';
import { displayPath } from './report/places';
import { comparisonReportData, reportData } from './report/reportData';
import {
  formatAnalysis,
  formatComparison,
  formatHeader,
  formatProgress,
  formatRun,
} from './report/text';
import { type RunRequest, resolveRunOptions } from './runner/options';
import { runProfile } from './runner/run';
import { compareRampSteps, compareSavedRuns } from './runs/comparison';
import { isHeapProfileFile } from './runs/profileFolder';
import { loadRun } from './runs/runFolder';
import { diskShapes } from './runs/shapeCache';
import { HotpathError, messageOf } from './vocabulary/errors';
import { bundle, SAMPLE_LOCUST_ROUTES, sampleLocustfile } from './vocabulary/paths';
import { forSurface } from './vocabulary/words';

/** One argument as the shell reads it back: quoted unless it is plainly safe. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

async function profile(args: string[]): Promise<number> {
  // `hotpath profile / -- node server.js`: what follows `--` is the service's command, as with
  // Clinic and 0x; the port it listens on is found when it starts.
  const terminator = args.indexOf('--');
  const commandWords = terminator >= 0 ? args.slice(terminator + 1) : [];
  const parsed = readArgs(
    terminator >= 0 ? args.slice(0, terminator) : args,
    PROFILE_HELP,
    PROFILE_OPTIONS,
    true,
  );
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    throw new UsageError('profile takes one endpoint path, such as /fast');
  if (terminator >= 0 && commandWords.length === 0)
    throw new UsageError(
      'profile <path> -- <command>: the command that starts your service is missing',
    );
  if (terminator >= 0 && values.service !== undefined)
    throw new UsageError('give the service either with --service or after --, not both');
  const request: RunRequest = {
    path: positionals[0],
    service: terminator >= 0 ? commandWords.map(shellWord).join(' ') : values.service,
    url: values.url,
    allowRemote: values['allow-remote'],
    attach: values.attach,
    allowRemoteInspector: values['allow-remote-inspector'],
    attachSignal: values['attach-signal'],
    insecure: values.insecure,
    allowErrors: values['allow-errors'],
    allocations: values.allocations,
    readyTimeoutSec: numberOption(values['ready-timeout']),
    agentTimeoutSec: numberOption(values['agent-timeout']),
    preset: values.preset,
    shape: values.shape === undefined ? undefined : parseShape(values.shape),
    repeat: numberOption(values.repeat),
    connections: numberOption(values.connections),
    durationSec: numberOption(values.duration),
    amount: numberOption(values.amount),
    connectionRate: numberOption(values.rate),
    overallRate: numberOption(values['overall-rate']),
    method: values.method,
    headers: parseHeaders(values.header),
    body: values.body,
    timeoutSec: numberOption(values.timeout),
    warmupSec: numberOption(values.warmup),
    drainTimeoutSec: numberOption(values['drain-timeout']),
    maxProcesses: numberOption(values['max-processes']),
    workers: numberOption(values.workers),
    locustfile: values.locustfile,
    users: numberOption(values.users),
    spawnRate: numberOption(values['spawn-rate']),
    loadWorkers: numberOption(values['load-workers']),
    loadWorkersExternal: numberOption(values['load-workers-external']),
    masterHost: values['master-bind'],
    locustPath: values['locust-path'],
    samplingIntervalUs: numberOption(values['sampling-interval']),
    stallThresholdMs: numberOption(values['stall-threshold']),
    profile: !values['no-profile'],
    watchLocks: !values['no-locks'],
    outDir: values.out,
  };
  const options = resolveRunOptions(request);

  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) return;
    process.stderr.write('\ncancelling: stopping the load and the service…\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const live = process.stderr.isTTY && !values.json;
  let progressShown = false;
  const { folder, record } = await runProfile(options, {
    signal: controller.signal,
    onStage: (stage, current) => {
      if (values.json) return;
      if (progressShown && live) process.stderr.write('\n');
      progressShown = false;
      // The run's header heads its summary on stdout; progress goes to stderr.
      if (stage === 'starting') {
        process.stdout.write(`${formatHeader(current)}\n`);
        process.stderr.write(
          options.target.kind === 'attach'
            ? `  attaching to the service at ${options.target.inspector}…\n`
            : '  starting the service…\n',
        );
      }
      if (stage === 'warming-up')
        process.stderr.write(`  warming up for ${options.warmupSec} s (not measured)…\n`);
      if (stage === 'profiling') {
        process.stderr.write(
          `  load and ${options.profile ? 'CPU profile' : 'metrics'} on ${current.endpoint.url}\n`,
        );
      }
    },
    onProgress: (progress) => {
      if (values.json) return;
      const line = formatProgress(progress);
      process.stderr.write(live ? `\r\x1b[K${line}` : `${line}\n`);
      progressShown = true;
    },
    onNotice: (text) => {
      if (progressShown && live) process.stderr.write('\n');
      progressShown = false;
      process.stderr.write(`  ${text}\n`);
    },
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  // A run that measured nothing has a profile, but of other work than the load's: no diagnosis.
  const loaded =
    record.status === 'done' && record.profile.file !== null ? analyseSaved(folder) : undefined;
  if (values.json) {
    const analysis = loaded ? analysisJson(loaded, runFigures(loaded)) : undefined;
    process.stdout.write(jsonDocument({ folder, ...record, ...(analysis ? { analysis } : {}) }));
  } else {
    process.stdout.write(`${formatRun(record, folder)}\n`);
    if (loaded)
      process.stdout.write(
        `${formatAnalysis(loaded.diagnosis, runFigures(loaded), loaded.analysis.notes)}\n`,
      );
    if (record.error?.code === 'NO_AGENT' && request.url !== undefined && !request.attachSignal)
      process.stdout.write(
        '  or          add --attach-signal: Hotpath opens the inspector of the process that answers at the URL (SIGUSR1) and profiles it through that; lock waits are not measured that way\n',
      );
  }
  return exitOf(record);
}

/** The exit code of a finished run (src/cli/exitCodes.ts). */
function exitOf(record: RunRecord): number {
  if (record.status === 'done') return EXIT.ok;
  return record.error?.code === 'MEASURED_NOTHING' ? EXIT.measuredNothing : EXIT.failed;
}

async function demo(args: string[]): Promise<number> {
  const parsed = readArgs(
    args,
    DEMO_HELP,
    {
      help: { type: 'boolean', short: 'h' },
      preset: { type: 'string', default: 'quick' },
      out: { type: 'string' },
      locust: { type: 'boolean' },
    },
    false,
  );
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  const runs: Record<string, RunRecord> = {};
  const gcShares: Record<string, number> = {};
  const allocated: Record<string, AllocationLesson> = {};
  // --locust: the walk-through's own locustfiles (shipped with the sample service) under Locust.
  const routes = values.locust ? SAMPLE_LOCUST_ROUTES : ['/read', '/fast', '/cpu', '/cpualloc'];
  for (const route of routes) {
    const options = resolveRunOptions(
      values.locust
        ? {
            path: route,
            locustfile: sampleLocustfile(route),
            users: 50,
            durationSec: 3,
            outDir: values.out,
          }
        : {
            path: route,
            preset: values.preset,
            outDir: values.out,
            // The second lesson is a copy made on every turn: where the bytes go says it.
            allocations: route === '/cpu' || route === '/cpualloc',
          },
    );
    const { folder, record } = await runProfile(options, {
      onStage: (stage, current) => {
        if (stage === 'starting') process.stdout.write(`\n${formatHeader(current)}\n`);
      },
    });
    process.stdout.write(`${formatRun(record, folder)}\n`);
    if (record.status !== 'done') return exitOf(record);
    const loaded = analyseSaved(folder);
    if (loaded)
      process.stdout.write(`  diagnosis   ${forSurface(loaded.diagnosis.summary, 'cli')}\n`);
    runs[route] = record;
    if (loaded) gcShares[route] = loaded.analysis.shares.gc;
    const bytes = loaded?.allocations && runFigures(loaded).allocations;
    if (bytes) allocated[route] = { perResponseBytes: bytes.perResponseBytes, top: bytes.rows[0] };
  }
  process.stdout.write(`\n${formatLessons(runs, gcShares, allocated)}\n`);
  return EXIT.ok;
}

/** Analyses a run just saved; a profile that cannot be read is reported, not fatal. */
function analyseSaved(folder: string): LoadedRun | undefined {
  try {
    return loadRun(folder, { scripts: diskShapes() });
  } catch (error) {
    process.stderr.write(
      `hotpath: the run was saved, but its profile could not be analysed: ${messageOf(error)}\n`,
    );
    return undefined;
  }
}

async function report(args: string[]): Promise<number> {
  const parsed = readArgs(
    args,
    REPORT_HELP,
    {
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      html: { type: 'string' },
      markdown: { type: 'boolean' },
      pprof: { type: 'string' },
      thread: { type: 'string' },
    },
    true,
  );
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  if (positionals.length !== 1)
    throw new UsageError('report takes one run folder, profile file or folder of profiles');
  if (isHeapProfileFile(positionals[0])) return reportHeapProfile(positionals[0], values);
  const thread = values.thread;
  const loaded = loadRun(positionals[0], { scripts: diskShapes(), ...(thread ? { thread } : {}) });
  if (values.pprof) await writePprof(values.pprof, loaded, thread);
  if (values.html) {
    await writeHtml(values.html, reportData(loaded));
  }
  if (values.markdown) {
    process.stdout.write(`${runMarkdown(loaded)}\n`);
    return EXIT.ok;
  }
  if (values.json) {
    process.stdout.write(
      jsonDocument({
        folder: loaded.folder,
        run: loaded.record,
        analysis: analysisJson(loaded, runFigures(loaded)),
      }),
    );
    return EXIT.ok;
  }
  const record = loaded.record;
  if (record)
    process.stdout.write(`${formatHeader(record)}\n${formatRun(record, loaded.folder)}\n`);
  else {
    const m = loaded.analysis.model;
    process.stdout.write(
      `${displayPath(loaded.profileFile)} · ${(m.durationUs / 1e6).toFixed(2)} s · ${m.noTimeline ? `${m.sampleCount} weighted stacks (no timeline in this file: no window, interval or stalls)` : `${m.sampleCount} samples every ${Math.round(m.meanIntervalUs)} µs on average`}\n`,
    );
  }
  process.stdout.write(
    `${formatAnalysis(loaded.diagnosis, runFigures(loaded), loaded.analysis.notes)}\n`,
  );
  return EXIT.ok;
}

async function compare(args: string[]): Promise<number> {
  const parsed = readArgs(args, COMPARE_HELP, COMPARE_OPTIONS, true);
  if (!parsed) return EXIT.ok;
  const { values, positionals } = parsed;
  let gates: Gate[];
  try {
    gates = (values['fail-if'] ?? []).map(parseGate);
  } catch (error) {
    throw new UsageError(`--fail-if: ${messageOf(error)}`);
  }
  if (positionals.length === 1 || values.steps !== undefined) {
    if (positionals.length !== 1) throw new UsageError('compare --steps takes one ramp run');
  } else if (positionals.length !== 2) {
    throw new UsageError(
      'compare takes two runs (the one before and the one after), or one ramp run',
    );
  }
  // One ramp run: two of its steps, each with the profile of its own seconds.
  const { comparison, runs, labels, headers, records } =
    positionals.length === 1
      ? compareRampSteps(
          positionals[0],
          values.steps === undefined ? undefined : parseSteps(values.steps),
        )
      : compareSavedRuns(positionals[0], positionals[1]);
  const checked = checkGates(comparison, gates);
  const failed = checked.filter((r) => r.outcome === 'failed' || r.outcome === 'missing');
  if (values.html) {
    await writeHtml(values.html, comparisonReportData(comparison, labels, process.cwd(), records));
  }
  if (values.markdown) {
    process.stdout.write(
      `${comparisonMarkdown(
        comparison,
        labels,
        failed.map((f) => f.gate.text),
        process.cwd(),
        records[0] ? records : undefined,
      )}\n`,
    );
  } else if (values.json) {
    const { tree: _tree, ...rest } = comparison;
    process.stdout.write(
      jsonDocument({
        ...rest,
        functions: rest.functions.slice(0, 20),
        lines: rest.lines.slice(0, 20),
        gates: checked,
        failedGates: failed,
      }),
    );
  } else {
    process.stdout.write(
      `${formatComparison(comparison, headers, runs, process.cwd(), records[0] ? records : undefined)}\n`,
    );
    for (const result of checked) process.stdout.write(`  ${gateText(result)}\n`);
  }
  return failed.length > 0 ? EXIT.failed : EXIT.ok;
}

async function serve(args: string[]): Promise<number> {
  const parsed = readArgs(
    args,
    SERVE_HELP,
    {
      help: { type: 'boolean', short: 'h' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
    },
    false,
  );
  if (!parsed) return EXIT.ok;
  const { values } = parsed;
  const child = spawn(
    process.execPath,
    [bundle('sampleService.js'), '--port', values.port, '--host', values.host],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      try {
        const { url } = JSON.parse(line) as { url: string };
        process.stdout.write(
          `sample service listening on ${url}\n  try: curl ${url}/read  (Ctrl+C to stop)\n`,
        );
      } catch {
        process.stdout.write(`${line}\n`);
      }
    }
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'profile':
        return await profile(rest);
      case 'serve':
        return await serve(rest);
      case 'demo':
        return await demo(rest);
      case 'report':
        return await report(rest);
      case 'compare':
        return await compare(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${MAIN_HELP}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    const usage =
      error instanceof UsageError ||
      (error instanceof HotpathError &&
        (error.code === 'BAD_OPTION' ||
          error.code === 'REMOTE_TARGET' ||
          error.code === 'REMOTE_INSPECTOR')) ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    // The CLI's own way past a remote inspector: a flag of its own (the editor asks instead).
    const remote =
      error instanceof HotpathError && error.code === 'REMOTE_INSPECTOR'
        ? '; or, on a network you trust, add --allow-remote-inspector'
        : '';
    process.stderr.write(
      `hotpath: ${messageOf(error)}${remote}\n${usage ? "Try 'hotpath --help'.\n" : ''}`,
    );
    if (usage) return EXIT.usage;
    return error instanceof HotpathError && error.code === 'MEASURED_NOTHING'
      ? EXIT.measuredNothing
      : EXIT.failed;
  }
}

// Output piped into `head` and the like: a closed pipe ends the output, not with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
