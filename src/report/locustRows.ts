/**
 * What a Locust load adds to a run's summary (every surface that shows `runRows`): the engine
 * and its workers, each request name's figures, what a window over several names means, and
 * which figures are exact.
 */
import type { LoadSummary } from '../record/load';
import { int, ms, one } from './units';

type Row = [label: string, text: string];

export function locustRows(load: LoadSummary): Row[] {
  const locust = load.locust;
  if (!locust) return [];
  const workers = locust.workers;
  const rows: Row[] = [
    [
      'locust',
      `${int.format(locust.users)} users${workers ? ` on ${workers.joined.length} of ${workers.expected} workers` : ' in one process'}${locust.version ? ` · Locust ${locust.version}` : ''} · counts and means exact, percentiles to 0.1 ms (1 ms above 100 ms), per 100 ms from Hotpath's module`,
    ],
  ];
  if (workers && workers.lost.length > 0)
    rows.push([
      '',
      `⚠ ${workers.lost.length} Locust worker${workers.lost.length > 1 ? 's' : ''} dropped out of the run (${workers.lost.map((l) => `${l.id} at ${one.format(l.atSec)} s`).join(', ')}): the load was lighter from then on`,
    ]);
  if (locust.byName.length > 1) {
    for (const name of locust.byName)
      rows.push([
        '',
        `${name.method} ${name.name}: ${one.format(name.requestsPerSec)} req/s · p50 ${ms(name.latencyMs.p50)} · p99 ${ms(name.latencyMs.p99)} · ${int.format(name.failures)} failed`,
      ]);
    rows.push([
      '',
      `the locustfile sent ${locust.byName.length} request names in one window: ${locust.lead ? `the figures above are ${locust.lead}'s` : 'the figures above are all of them together'}; the profile and the CPU per response cover them all`,
    ]);
  }
  const failed = locust.byName.reduce((sum, n) => sum + n.failures, 0);
  if (failed > 0 || (locust.exit.code !== 0 && locust.exit.code !== null))
    rows.push([
      '',
      `${int.format(failed)} requests failed in Locust's eyes; ${locust.exit.meaning}`,
    ]);
  return rows;
}
