import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endOfIncreasingRun, int64Words } from '../../src/util/int64-words.ts';
import { int64Key, int64Max, int64Min } from '../support/int64-keys.ts';
import { fcSeed } from '../support/seeds.ts';

/** The definition, with a BigInt per key read. */
function endByBigInt(keys: BigInt64Array, from: number, to: number): number {
  for (let i = Math.max(from, 1); i < to; i++) if (!(keys[i - 1]! < keys[i]!)) return i;
  return to;
}

const byValue = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

describe('int64 words', () => {
  it('views the same buffer, low word first, at the view offset', () => {
    const keys = BigInt64Array.of(0n, -2n, 2n ** 32n + 7n);
    const words = int64Words(keys.subarray(1))!;
    expect(Array.from(words)).toEqual([-2, -1, 7, 1]);
  });

  it('endOfIncreasingRun agrees with bigint comparison: any keys, sorted runs, any window, subarrays', () => {
    fc.assert(
      fc.property(
        fc.array(int64Key, { maxLength: 40 }),
        fc.boolean(),
        fc.nat(3),
        fc.nat(),
        fc.nat(),
        (list, sort, offset, a, b) => {
          const values = sort ? [...new Set(list)].sort(byValue) : list;
          const padded = BigInt64Array.from([...Array.from({ length: offset }, () => 0n), ...values]);
          const keys = padded.subarray(offset);
          const to = keys.length === 0 ? 0 : b % (keys.length + 1);
          const from = to === 0 ? 0 : a % (to + 1);
          expect(endOfIncreasingRun(keys, from, to)).toBe(endByBigInt(keys, from, to));
        },
      ),
      { seed: fcSeed(), numRuns: 3000 },
    );
  });

  it('stops at an equal neighbour and at a step down in the low word alone, or across the sign', () => {
    const end = (...keys: bigint[]) => endOfIncreasingRun(BigInt64Array.from(keys), 0, keys.length);
    expect(end(5n, 5n)).toBe(1);
    expect(end(2n ** 32n + 1n, 2n ** 32n)).toBe(1);
    expect(end(2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n)).toBe(4);
    expect(end(-1n, 0n, 1n, 0n)).toBe(3);
    expect(end(int64Min, int64Max)).toBe(2);
    expect(end()).toBe(0);
  });

  it('refuses a window outside the keys', () => {
    expect(() => endOfIncreasingRun(BigInt64Array.of(1n), 0, 2)).toThrow();
    expect(() => endOfIncreasingRun(BigInt64Array.of(1n), 1, 0)).toThrow();
  });
});
