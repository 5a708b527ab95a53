/**
 * The zoo's table: profiles every zoo service (test/fixtures/zoo/) through the real CLI, as a
 * user would, and prints one Markdown row per service: the verdict, the hottest function and
 * line of the user's code beside the truth (the hot function and its `// hot line`), the load's
 * req/s, and the processes and worker threads profiled of those seen. A run that must fail (a
 * start script that drops the agent) shows its error's code.
 *
 *   npm run bench:zoo            (about 10 s per service; `-- --only tsx,koa` for some)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hotFunctions, hotLines, sourceOf } from '../src/profile/analyze';
import type { RunRecord } from '../src/record/run';
import { loadRun } from '../src/runs/runFolder';
import { freePort } from '../test/helpers';
import { buildZoo, hotLineOf, type ZooService, zooClasses, zooServices } from '../test/zoo';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]?.split(',')
  : undefined;

/** Runs the CLI to its end; resolves with its exit code. Ctrl+C reaches it (it ends its own). */
function profile(service: ZooService, port: number, out: string): Promise<number | null> {
  const args = [
    CLI,
    'profile',
    service.route,
    '--service',
    `PORT=${port} ${service.command}`,
    '--url',
    `http://127.0.0.1:${port}`,
    '--preset',
    'quick',
    '--duration',
    '2',
    '-c',
    String(service.connections ?? 4),
    '--out',
    out,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: service.cwd, stdio: 'ignore' });
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop);
    child.on('close', (code) => {
      process.off('SIGINT', stop);
      resolve(code);
    });
  });
}

const short = (file: string) => path.basename(file);
const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;

/** One row of the table, from the run folder the CLI wrote. */
function row(service: ZooService, code: number | null, folder: string | undefined): string[] {
  const truth = service.fails
    ? `fails: ${service.fails}`
    : service.hotFunction
      ? `${service.hotFunction}${service.hotFile && service.lines ? ` ${short(service.hotFile)}:${hotLineOf(service.hotFile)}` : ''}`
      : 'a lock wait';
  if (!folder) return [service.name, truth, `no run (exit ${code})`, '–', '–', '–', '–'];
  const saved = JSON.parse(fs.readFileSync(path.join(folder, 'run.json'), 'utf8')) as RunRecord;
  if (saved.status !== 'done') {
    return [
      service.name,
      truth,
      `failed: ${saved.error?.code ?? `exit ${code}`}`,
      '–',
      '–',
      '–',
      '–',
    ];
  }
  const run = loadRun(folder);
  const record = run.record ?? saved;
  const window = run.analysis.model.durationUs;
  const [fn] = hotFunctions(run.analysis, 1, ['user']);
  const at = fn ? sourceOf(fn) : undefined;
  const hottest = fn
    ? `${fn.name}${at ? ` (${short(at.source)}:${at.line})` : ''} ${percent(fn.totalUs / window)}`
    : '–';
  const [line] = hotLines(run.analysis, 1, ['user']);
  const hotLine = line ? `${short(line.file)}:${line.line} ${percent(line.selfUs / window)}` : '–';
  const processes = record.processes;
  // A profiled worker thread has an entry of its own (threadId > 0); its process is counted once.
  const mains = processes?.profiled.filter((p) => !p.threadId).length ?? 1;
  const seen = mains + (processes?.skipped.length ?? 0) + (processes?.overCap ?? 0);
  const threads = processes?.threads;
  const profiled = `${mains}/${seen} processes, ${threads?.profiled ?? 0}/${threads?.seen ?? 0} worker threads`;
  const reqs = record.load ? record.load.requestsPerSec.toFixed(1) : '–';
  return [service.name, truth, run.diagnosis.verdict, hottest, hotLine, reqs, profiled];
}

async function main() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-zoo-'));
  const rows: string[][] = [];
  try {
    const built = buildZoo(out);
    for (const service of [...zooServices(built), ...zooClasses()]) {
      if (only && !only.some((name) => service.name.startsWith(name))) continue;
      const port = await freePort();
      const runs = path.join(out, 'runs', service.name.replace(/\W+/g, '-'));
      process.stderr.write(`${service.name}: GET ${service.route} …\n`);
      const code = await profile(service, port, runs);
      const folder = fs.existsSync(runs) ? fs.readdirSync(runs).sort().at(-1) : undefined;
      rows.push(row(service, code, folder ? path.join(runs, folder) : undefined));
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const head = [
    'service',
    'truth',
    'verdict',
    'hottest function (user)',
    'hottest line (user)',
    'req/s',
    'profiled / seen',
  ];
  process.stdout.write(`| ${head.join(' | ')} |\n| ${head.map(() => '---').join(' | ')} |\n`);
  for (const r of rows) process.stdout.write(`| ${r.map(cell).join(' | ')} |\n`);
  process.stdout.write(
    `\nnode ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString()}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
