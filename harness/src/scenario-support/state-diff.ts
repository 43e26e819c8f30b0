import { type FingerprintSource, MapModel } from '@omendb/engine';
import type { EngineState } from '../history/history.ts';

/**
 * The difference between the state an engine should hold and what it returned, point by point:
 * missing points (lost), points with another value (wrong), points that were never written
 * (extra: a resurrection or garbage). Wrong and extra are never acceptable; missing may be, when
 * the loss is one the engine documents (a torn WAL tail).
 */

export interface StateDiff {
  readonly missing: number;
  readonly wrong: number;
  readonly extra: number;
}

export function diffStates(expected: EngineState, actual: EngineState): StateDiff {
  let missing = 0;
  let wrong = 0;
  let extra = 0;
  for (const [series, points] of expected) {
    const got = actual.get(series);
    for (const [key, value] of points) {
      const value2 = got?.get(key);
      if (value2 === undefined) missing++;
      else if (!Object.is(value2, value)) wrong++;
    }
  }
  for (const [series, points] of actual) {
    const want = expected.get(series);
    for (const key of points.keys()) if (want?.has(key) !== true) extra++;
  }
  return { missing, wrong, extra };
}

/** Every point of an engine (or anything with its two reads), read page by page. */
export async function readEngineState(source: FingerprintSource, pagesMax: number): Promise<EngineState> {
  const state: EngineState = new Map();
  for (const series of await source.listSeries()) {
    const points = new Map<bigint, number>();
    let after: bigint | undefined;
    let pages = 0;
    for (;;) {
      if (++pages > pagesMax) throw new Error(`series ${series} has more than ${pagesMax} pages`);
      const page = await source.range(series, undefined, undefined, after === undefined ? {} : { after });
      for (const [key, value] of page.points) points.set(key, value);
      if (page.next === null) break;
      after = page.next;
    }
    state.set(series, points);
  }
  return state;
}

/** The canonical text of a state, the same as MapModel.fingerprint() and engineFingerprint(). */
export function stateFingerprint(state: EngineState): string {
  const model = new MapModel();
  for (const [series, points] of state) model.apply({ kind: 'put', series, points: [...points] });
  return model.fingerprint();
}
