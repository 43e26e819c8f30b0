import { MapModel } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { EngineState } from '../../src/history/history.ts';
import { diffStates, readEngineState, stateFingerprint } from '../../src/scenario-support/state-diff.ts';

const state = (entries: [string, [bigint, number][]][]): EngineState =>
  new Map(entries.map(([series, points]) => [series, new Map(points)]));

describe('state diff', () => {
  it('counts missing, wrong and extra points', () => {
    const expected = state([
      [
        'a',
        [
          [1n, 1],
          [2n, 2],
          [3n, 3],
        ],
      ],
      ['b', [[1n, 1]]],
    ]);
    const actual = state([
      [
        'a',
        [
          [1n, 1],
          [2n, 20],
          [4n, 4],
        ],
      ],
      ['c', [[9n, 9]]],
    ]);
    expect(diffStates(expected, actual)).toEqual({ missing: 2, wrong: 1, extra: 2 });
    expect(diffStates(expected, expected)).toEqual({ missing: 0, wrong: 0, extra: 0 });
  });

  it('tells -0 from 0 (a value must round-trip exactly)', () => {
    expect(diffStates(state([['a', [[1n, 0]]]]), state([['a', [[1n, -0]]]])).wrong).toBe(1);
  });

  it('reads every page of every series, and fingerprints like the model', async () => {
    const model = new MapModel();
    model.apply({
      kind: 'put',
      series: 'a',
      points: [
        [1n, 1],
        [2n, 2],
        [3n, 3],
      ],
    });
    model.apply({ kind: 'put', series: 'b', points: [[-5n, 0.5]] });
    const source = {
      listSeries: async () => model.listSeries(),
      // Pages of one point, so pagination is exercised.
      range: async (series: string, _from?: bigint, _to?: bigint, options: { after?: bigint } = {}) => {
        const rest = model.range(series).filter(([k]) => options.after === undefined || k > options.after);
        return { points: rest.slice(0, 1), next: rest.length > 1 ? (rest[0]?.[0] ?? null) : null };
      },
    };
    const read = await readEngineState(source, 10);
    expect(stateFingerprint(read)).toBe(model.fingerprint());
    await expect(readEngineState(source, 2)).rejects.toThrow(/more than 2 pages/);
  });
});
