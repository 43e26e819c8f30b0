import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeNewerWins, NewerWinsMerge, type SortedColumns } from '../../src/storage/merge-runs.ts';
import { int64Key } from '../support/int64-keys.ts';
import { fcSeed } from '../support/seeds.ts';

function run(list: bigint[], tag: number): SortedColumns {
  const keys = [...new Set(list)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    keys: BigInt64Array.from(keys),
    values: Float64Array.from(keys, (_, i) => tag * 1000 + i),
  };
}

/** The definition: every key of both, the newer value where a key is in both. */
function reference(older: SortedColumns, newer: SortedColumns): [bigint, number][] {
  const merged = new Map<bigint, number>();
  for (const run of [older, newer]) {
    for (let i = 0; i < run.keys.length; i++) merged.set(run.keys[i]!, run.values[i]!);
  }
  return [...merged].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

const pairs = (columns: SortedColumns): [bigint, number][] =>
  Array.from(columns.keys, (k, i) => [k, columns.values[i]!]);

describe('NewerWinsMerge', () => {
  it('merges any two sorted runs, newer winning, in steps of any size', () => {
    fc.assert(
      fc.property(
        fc.array(int64Key, { maxLength: 60 }),
        fc.array(int64Key, { maxLength: 60 }),
        fc.integer({ min: 1, max: 70 }),
        fc.boolean(),
        (a, b, stepRows, shareKeys) => {
          const older = run(a, 1);
          const newer = run(shareKeys ? [...b, ...a.slice(0, a.length >> 1)] : b, 2);
          const merge = new NewerWinsMerge(older, newer);
          let steps = 0;
          while (!merge.done) {
            merge.step(stepRows);
            steps++;
            expect(steps).toBeLessThanOrEqual(older.keys.length + newer.keys.length);
          }
          expect(pairs(merge.result())).toEqual(reference(older, newer));
        },
      ),
      { seed: fcSeed(), numRuns: 3000 },
    );
  });

  it('copies long runs that lie apart or interleave in blocks, and gets them right', () => {
    const older = run(
      Array.from({ length: 5000 }, (_, i) => BigInt(i * 2)),
      1,
    );
    const newer = run(
      [
        ...Array.from({ length: 3000 }, (_, i) => BigInt(20_000 + i)),
        ...Array.from({ length: 100 }, (_, i) => BigInt(i * 4)),
      ],
      2,
    );
    expect(pairs(mergeNewerWins(older, newer))).toEqual(reference(older, newer));
    expect(pairs(mergeNewerWins(newer, older))).toEqual(reference(newer, older));
  });

  it('handles empty runs on either side', () => {
    const some = run([3n, 1n, 2n], 1);
    const none = run([], 2);
    expect(pairs(mergeNewerWins(none, some))).toEqual(pairs(some));
    expect(pairs(mergeNewerWins(some, none))).toEqual(pairs(some));
    expect(mergeNewerWins(none, none).keys.length).toBe(0);
  });

  it('refuses a step that makes no progress, and a result before it is done', () => {
    const merge = new NewerWinsMerge(run([1n, 2n], 1), run([2n, 3n], 2));
    expect(() => merge.step(0)).toThrow();
    expect(() => merge.result()).toThrow();
  });
});
