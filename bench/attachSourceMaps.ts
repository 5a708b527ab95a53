/**
 * What reading an attached service's in-memory source maps costs it, side by side in one run:
 *
 *   npm run bench:attach-maps        (about 1 minute)
 *
 * The zoo's TypeScript shop under ts-node (whose maps need the debugger turned on: every script
 * it compiled is reported, the service's thread busy meanwhile) and under tsx (Node's own maps,
 * read by one evaluation), each started with `--inspect=127.0.0.1:0`, loaded on `/quote` with
 * autocannon (4 connections) in 2 s rounds. Rounds alternate: one with the maps read 1 s into it,
 * one without. Per service: how long a read took, how many scripts the debugger reported, and
 * the rounds' req/s and max latency with against without (the read's cost while it runs), and
 * the rounds without a read before any read against after them all (anything lasting).
 */
import * as path from 'node:path';
import autocannon from 'autocannon';
import { parseInspectorAddress } from '../src/runner/attach/address';
import { InspectorSession } from '../src/runner/attach/session';
import { attachedSourceMaps } from '../src/runner/attach/sourceMaps';
import { inspectedTypeScript, ZOO } from '../test/zoo';

const ROUNDS = Number(process.env.ROUNDS ?? 4);
const PRICING = path.join(ZOO, 'ts', 'pricing.ts');

interface Round {
  rps: number;
  maxMs: number;
  p99Ms: number;
}

function load(url: string, seconds: number): Promise<Round> {
  return new Promise((resolve, reject) =>
    autocannon({ url, duration: seconds, connections: 4 }, (error, result) =>
      error
        ? reject(error)
        : resolve({
            rps: result.requests.average,
            maxMs: result.latency.max,
            p99Ms: result.latency.p99,
          }),
    ),
  );
}

async function measure(name: string, loader: string[]): Promise<void> {
  const service = await inspectedTypeScript(loader);
  const { url } = service;
  const session = await InspectorSession.connect(parseInspectorAddress(service.inspector));
  try {
    let scripts = 0;
    await load(`${url}/quote`, 2); // optimised, as a service that has served traffic
    const before = await load(`${url}/quote`, 2);
    const reads: number[] = [];
    const withRead: Round[] = [];
    const without: Round[] = [];
    let mapped = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const round = load(`${url}/quote`, 2);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const started = performance.now();
      const read = await attachedSourceMaps(session, {
        nodes: [{ callFrame: { url: PRICING } }],
      });
      reads.push(performance.now() - started);
      mapped = Object.keys(read.maps).length;
      scripts = read.debugger?.scripts ?? 0;
      withRead.push(await round);
      without.push(await load(`${url}/quote`, 2));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const of = (rs: Round[], key: keyof Round) => median(rs.map((r) => r[key]));
    console.log(
      `${name.padEnd(8)} read ${median(reads).toFixed(0)} ms (median of ${ROUNDS}; ${reads.map((r) => r.toFixed(0)).join(' ')}) · ${mapped} map · debugger reported ${scripts} scripts`,
    );
    console.log(
      `${''.padEnd(8)} rounds with a read / without: req/s ${(of(withRead, 'rps') / of(without, 'rps')).toFixed(2)}x · max latency ${of(withRead, 'maxMs')} / ${of(without, 'maxMs')} ms · p99 ${of(withRead, 'p99Ms')} / ${of(without, 'p99Ms')} ms`,
    );
    console.log(
      `${''.padEnd(8)} after all reads / before any: req/s ${(of(without, 'rps') / before.rps).toFixed(2)}x (${of(without, 'rps').toFixed(0)} / ${before.rps.toFixed(0)})`,
    );
  } finally {
    await session.close();
    service.child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  await measure('ts-node', ['-r', 'ts-node/register']);
  await measure('tsx', ['--import', 'tsx']);
}

void main();
