/**
 * The zoo baseline: profiles each zoo service's CPU route with the real CLI and prints, one row
 * per service, what Hotpath said: the processes it profiled, the diagnosis, the hottest function
 * of the user's code and the hot lines, as `hotpath profile` printed them, beside what is true
 * (the hot function and its `// hot line`).
 *
 *   npm run bench:zoo            (about 10 s per service; `-- --only tsx,koa` for some)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../test/helpers';
import { buildZoo, hotLineOf, type ZooService, zooServices } from '../test/zoo';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]?.split(',')
  : undefined;

interface Row {
  service: string;
  expected: string;
  pids: string;
  verdict: string;
  hottest: string;
  hotLines: string;
}

/** Runs the CLI to its end; resolves with what it printed. Ctrl+C reaches it (it ends its own). */
function profile(service: ZooService, port: number, out: string): Promise<string> {
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
    '--out',
    out,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: service.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    const stop = () => child.kill('SIGINT');
    process.once('SIGINT', stop);
    child.on('close', () => {
      process.off('SIGINT', stop);
      resolve(text);
    });
  });
}

/** The rows of a printed section ("hot functions", "hot lines") up to the next label. */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  ${title}`));
  if (start < 0) return [];
  const rows: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('    ')) break;
    rows.push(line.trim().replace(/\s{2,}/g, ' '));
  }
  return rows;
}

async function main() {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-zoo-'));
  const rows: Row[] = [];
  try {
    const built = buildZoo(out);
    for (const service of zooServices(built)) {
      if (only && !only.some((name) => service.name.startsWith(name))) continue;
      const port = await freePort();
      const runs = path.join(out, 'runs', service.name.replace(/\W+/g, '-'));
      process.stderr.write(`${service.name}: GET ${service.route} …\n`);
      const text = await profile(service, port, runs);
      const folder = fs.existsSync(runs) ? fs.readdirSync(runs)[0] : undefined;
      const record = folder
        ? JSON.parse(fs.readFileSync(path.join(runs, folder, 'run.json'), 'utf8'))
        : undefined;
      const pids = record?.target
        ? `${record.target.profiledPid ?? '–'} of ${record.target.pid ?? '?'}`
        : 'no run';
      const diagnosis = /^ {2}diagnosis {3}(.*)$/m.exec(text)?.[1] ?? text.trim().split('\n').pop();
      const hottest = section(text, 'hot functions').find((r) => !/\[[^\]]+\]/.test(r)) ?? '–';
      const hotLines = section(text, 'hot lines').slice(0, 3).join(' | ') || '–';
      const notes = [...text.matchAll(/^ {2}note {8}(.*)$/gm)].map((m) => m[1]);
      rows.push({
        service: service.name,
        expected: service.hotFile
          ? `${service.hotFunction} ${path.basename(service.hotFile)}:${hotLineOf(service.hotFile)}`
          : 'lock wait',
        pids,
        verdict: diagnosis ?? '–',
        hottest,
        hotLines: notes.length > 0 ? `${hotLines} | note: ${notes.join('; ')}` : hotLines,
      });
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll(ROOT + path.sep, '');
  process.stdout.write(
    '| service | truth | profiled pid (of started) | diagnosis | hottest user function | hot lines |\n',
  );
  process.stdout.write('| --- | --- | --- | --- | --- | --- |\n');
  for (const r of rows) {
    process.stdout.write(
      `| ${[r.service, r.expected, r.pids, r.verdict, r.hottest, r.hotLines].map(cell).join(' | ')} |\n`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
