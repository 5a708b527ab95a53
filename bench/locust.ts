/**
 * How much load Locust drives, side by side with autocannon in one run, on the sample service's
 * /hello (a trivial route: the generator, not the service, is the limit). Printed, never judged:
 * on this 2-core machine the service and the generator share the cores.
 *
 *   npm run bench:locust
 *
 * 1. autocannon, 50 connections (one load process, its default threads);
 * 2. one Locust process, 50 users with no wait (`constant(0)`), flat out;
 * 3. a Locust master with 2 local workers, the same 50 users.
 * Each 5 s after a 1 s warm-up, load only (the service is given by URL: no profile).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../src/record/run';
import { type RunRequest, resolveRunOptions } from '../src/runner/options';
import { runProfile } from '../src/runner/run';
import { startSampleService } from '../src/runner/target';

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hotpath-bench-locust-'));
const file = path.join(out, 'hello.py');
fs.writeFileSync(
  file,
  [
    'from locust import HttpUser, constant, task',
    'class Hello(HttpUser):',
    '    wait_time = constant(0)',
    '    @task',
    '    def hello(self):',
    '        self.client.get("/hello")',
    '',
  ].join('\n'),
);

async function main(): Promise<void> {
  const service = await startSampleService({ nodePath: process.execPath, readyTimeoutSec: 30 });
  const rows: [string, RunRecord][] = [];
  try {
    const run = async (label: string, request: Omit<RunRequest, 'path' | 'url' | 'outDir'>) => {
      const { record } = await runProfile(
        resolveRunOptions({
          path: '/hello',
          url: service.url,
          outDir: out,
          durationSec: 5,
          warmupSec: 1,
          ...request,
        }),
      );
      if (record.status !== 'done') throw new Error(`${label}: ${record.error?.message}`);
      rows.push([label, record]);
    };
    await run('autocannon, 50 connections', { connections: 50 });
    await run('Locust, 1 process, 50 users', { locustfile: file, users: 50 });
    await run('Locust, master + 2 workers, 50 users', {
      locustfile: file,
      users: 50,
      loadWorkers: 2,
    });
  } finally {
    await service.stop();
    fs.rmSync(out, { recursive: true, force: true });
  }
  const base = rows[0][1].load?.requestsPerSec ?? 1;
  console.log(`/hello on ${os.availableParallelism()} cores, 5 s each, one run:`);
  for (const [label, record] of rows) {
    const load = record.load;
    if (!load) continue;
    const generator = load.generatorCpuMs
      ? `${(load.generatorCpuMs / 1000 / load.durationSec).toFixed(2)} cores`
      : '–';
    console.log(
      `  ${label.padEnd(38)} ${load.requestsPerSec.toFixed(0).padStart(7)} req/s  ${(load.requestsPerSec / base).toFixed(2)}x autocannon  p99 ${load.latencyMs.p99} ms  generator ${generator}`,
    );
  }
}

void main();
