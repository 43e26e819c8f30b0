import type { EngineAdapter } from '../adapter.ts';
import { readStatePageLimit, readStatePagesMax } from '../limits.ts';
import type { EngineState, HistoryRecorder } from './history.ts';

/**
 * Reads the whole final state back through the adapter's public API (listSeries, then every
 * series page by page), for the checkers. An engine whose cursor does not advance, or that
 * returns keys out of order, would make the state ambiguous: that is reported, not tolerated.
 */

export interface ReadStateOptions {
  /** When given, the read is recorded as one 'read-all' operation of `process`. */
  readonly history?: HistoryRecorder;
  readonly process?: number;
  readonly pageLimit?: number;
  readonly pagesMax?: number;
}

export async function readState(
  adapter: EngineAdapter,
  options: ReadStateOptions = {},
): Promise<EngineState> {
  const read = () =>
    readAll(adapter, options.pageLimit ?? readStatePageLimit, options.pagesMax ?? readStatePagesMax);
  if (options.history === undefined) return read();
  return options.history.run(options.process ?? 0, 'read-all', '*', {}, read);
}

async function readAll(adapter: EngineAdapter, limit: number, pagesMax: number): Promise<EngineState> {
  const state: EngineState = new Map();
  for (const series of await adapter.listSeries()) {
    state.set(series, await readSeries(adapter, series, limit, pagesMax));
  }
  return state;
}

async function readSeries(
  adapter: EngineAdapter,
  series: string,
  limit: number,
  pagesMax: number,
): Promise<Map<bigint, number>> {
  const points = new Map<bigint, number>();
  let after: bigint | undefined;
  let last: bigint | undefined;
  for (let page = 0; page < pagesMax; page++) {
    const result = await adapter.range(
      series,
      undefined,
      undefined,
      after === undefined ? { limit } : { limit, after },
    );
    for (const [key, value] of result.points) {
      if (last !== undefined && key <= last)
        throw new Error(`engine returned keys out of order in ${series}: ${key} after ${last}`);
      points.set(key, value);
      last = key;
    }
    if (result.next === null) return points;
    if (after !== undefined && result.next <= after)
      throw new Error(`engine returned a range cursor that does not advance in ${series}: ${result.next}`);
    after = result.next;
  }
  throw new Error(`series ${series} has more than ${pagesMax} pages of ${limit} points`);
}
