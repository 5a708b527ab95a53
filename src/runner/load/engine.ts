/**
 * The load engine of a run: autocannon (the default, in a load process of its own) or the
 * user's locustfile under Locust (`--locustfile`). One call for the runner; no fallback from one
 * to the other.
 */
import type { LoadSummary } from '../../record/load';
import type { LoadOptions } from '../../record/run';
import { type LoadProcess, type LoadRunOptions, runLoad } from './load';
import { runLocust } from './locust';

export interface EngineOptions extends LoadRunOptions {
  /** Locust: seconds of load after every user runs, before the window. */
  warmupSec: number;
  allowErrors: boolean;
  onNotice?: ((text: string) => void) | undefined;
  /** autocannon: the run's load process, forked before (else one is forked for this load). */
  loader?: LoadProcess | undefined;
}

export function runEngine(
  url: string,
  load: LoadOptions,
  options: EngineOptions,
): Promise<LoadSummary> {
  if (load.locust) return runLocust(url, load, options);
  return options.loader ? options.loader.run(url, load, options) : runLoad(url, load, options);
}
