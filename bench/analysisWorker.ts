/**
 * One measurement in a fresh process, so that peak memory is its own:
 *   node --import tsx bench/analysisWorker.ts <json|hotpath|hotpath-flame|flamebearer> <file>
 * Prints {"ms":…, "peakRssMb":…, "baseRssMb":…} on stdout.
 */
import * as fs from 'node:fs';
import { hotLines } from '../src/profile/analyze';
import { flameData } from '../src/profile/flame';
import { loadRun } from '../src/runs/runFolder';

async function main(): Promise<void> {
  const [method, file] = process.argv.slice(2);
  // Load the code under test before measuring.
  const flamebearer = method === 'flamebearer' ? await import('flamebearer') : undefined;
  const baseRss = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  let check = 0;
  if (method === 'json') {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    check = data.nodes.length;
  } else if (method === 'hotpath' || method === 'hotpath-flame') {
    // What `hotpath report` does: read, check, model, source maps, diagnosis.
    const { analysis } = loadRun(file);
    check = analysis.functions.length + hotLines(analysis, 10).length;
    // And what the panel and the HTML report draw: the merged call tree, serialised.
    if (method === 'hotpath-flame') check += flameData(analysis, file).frames.fn.length;
  } else if (method === 'flamebearer' && flamebearer) {
    const trace = flamebearer.parseInput(fs.readFileSync(file), file);
    const thread = trace.threads[0];
    check = thread.nodes.size + flamebearer.buildHotLines(thread, [...thread.nodes.keys()]).length;
  } else {
    throw new Error(`unknown method ${method}`);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ ms, peakRssMb, baseRssMb: baseRss / 1048576, check })}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
