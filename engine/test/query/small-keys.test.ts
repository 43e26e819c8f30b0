import { int64Words } from '../../src/util/int64-words.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  firstSmallKeyAbove,
  smallBucketStartOf,
  smallKeyAt,
  smallKeyMagnitudeMax,
} from '../../src/query/small-keys.ts';
import { fcSeed } from '../support/seeds.ts';
import { floorDiv } from './naive-aggregate.ts';

const limit = BigInt(smallKeyMagnitudeMax);
const smallKeyArb = fc.oneof(
  fc.bigInt(-100n, 100n),
  fc.bigInt(-limit, limit),
  fc.constantFrom(-limit, limit, -(2n ** 32n), 2n ** 32n - 1n, -1n),
);

describe('small keys read as doubles', () => {
  it('reads every key within ±2^52 exactly, from any offset into the buffer', () => {
    fc.assert(
      fc.property(fc.array(smallKeyArb, { minLength: 1, maxLength: 20 }), fc.nat(), (keys, skip) => {
        const all = BigInt64Array.from([0n, ...keys]);
        const offset = 1 + (skip % keys.length);
        const column = all.subarray(offset);
        const view = int64Words(column)!;
        for (let i = 0; i < column.length; i++) expect(smallKeyAt(view, i)).toBe(Number(column[i]!));
      }),
      { seed: fcSeed(), numRuns: 500 },
    );
  });

  it('finds the first key above a bound like a linear scan does', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt(-50n, 50n), { maxLength: 60 }),
        fc.integer({ min: -60, max: 60 }),
        fc.nat(),
        fc.nat(),
        (unsorted, last, x, y) => {
          const keys = BigInt64Array.from(unsorted.sort((p, q) => (p < q ? -1 : p > q ? 1 : 0)));
          const lo = x % (keys.length + 1);
          const hi = lo + (y % (keys.length - lo + 1));
          let expected = lo;
          while (expected < hi && keys[expected]! <= BigInt(last)) expected++;
          expect(firstSmallKeyAbove(int64Words(keys)!, last, lo, hi)).toBe(expected);
        },
      ),
      { seed: fcSeed(), numRuns: 1000 },
    );
  });

  it('computes bucket starts exactly, as bigint floor division does', () => {
    fc.assert(
      fc.property(smallKeyArb, fc.oneof(fc.bigInt(1n, 100n), fc.bigInt(1n, limit)), (key, width) => {
        expect(smallBucketStartOf(Number(key), Number(width))).toBe(Number(floorDiv(key, width) * width));
      }),
      { seed: fcSeed(), numRuns: 1000 },
    );
  });
});
