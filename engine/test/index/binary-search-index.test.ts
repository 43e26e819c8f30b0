import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBinarySearchIndex, lowerBoundIn } from '../../src/index/binary-search-index.ts';
import { fcSeed } from '../support/seeds.ts';

const keyMin = -(2n ** 63n);
const keyMax = 2n ** 63n - 1n;

/** The first position in [lo, hi) whose key is >= key, by a linear scan. */
function linearLowerBound(keys: BigInt64Array, key: bigint, lo = 0, hi = keys.length): number {
  for (let i = lo; i < hi; i++) if (keys[i]! >= key) return i;
  return hi;
}

describe('lowerBoundIn', () => {
  const keys = BigInt64Array.of(keyMin, -5n, 0n, 3n, 10n, keyMax);

  it('finds present keys exactly and absent keys at their insertion point', () => {
    expect(lowerBoundIn(keys, keyMin)).toBe(0);
    expect(lowerBoundIn(keys, -6n)).toBe(1);
    expect(lowerBoundIn(keys, -5n)).toBe(1);
    expect(lowerBoundIn(keys, 1n)).toBe(3);
    expect(lowerBoundIn(keys, 10n)).toBe(4);
    expect(lowerBoundIn(keys, 11n)).toBe(5);
    expect(lowerBoundIn(keys, keyMax)).toBe(5);
    // Beyond int64 (still a bigint): below everything, above everything.
    expect(lowerBoundIn(keys, keyMin - 1n)).toBe(0);
    expect(lowerBoundIn(keys, keyMax + 1n)).toBe(6);
  });

  it('returns 0 for an empty array', () => {
    expect(lowerBoundIn(new BigInt64Array(0), 0n)).toBe(0);
    expect(createBinarySearchIndex(new BigInt64Array(0)).lowerBound(keyMax)).toBe(0);
  });

  it('searches only within [lo, hi)', () => {
    expect(lowerBoundIn(keys, keyMin, 2, 5)).toBe(2);
    expect(lowerBoundIn(keys, keyMax, 2, 5)).toBe(5);
    expect(lowerBoundIn(keys, 3n, 2, 5)).toBe(3);
    expect(lowerBoundIn(keys, 3n, 4, 4)).toBe(4);
  });

  it('works on a subarray view', () => {
    const view = keys.subarray(2, 5);
    expect(lowerBoundIn(view, 3n)).toBe(1);
    expect(lowerBoundIn(view, keyMax)).toBe(3);
  });
});

describe('binary search against a linear scan', () => {
  const interesting = [keyMin, keyMin + 1n, -1n, 0n, 1n, keyMax - 1n, keyMax];
  const keyArb = fc.oneof(
    fc.bigInt({ min: keyMin, max: keyMax }),
    fc.constantFrom(...interesting),
    fc.bigInt({ min: -20n, max: 20n }),
  );

  it('lowerBoundIn and the index agree with it for any sorted unique keys and any probe', () => {
    const seed = fcSeed();
    fc.assert(
      fc.property(
        fc.uniqueArray(keyArb, { maxLength: 64, comparator: 'SameValue' }),
        fc.array(keyArb, { minLength: 1, maxLength: 16 }),
        fc.nat(),
        fc.nat(),
        (raw, probes, a, b) => {
          const keys = BigInt64Array.from(raw).sort();
          const index = createBinarySearchIndex(keys);
          const lo = keys.length === 0 ? 0 : a % (keys.length + 1);
          const hi = lo + (keys.length === 0 ? 0 : b % (keys.length - lo + 1));
          // Probe the stored keys, their neighbours and random keys.
          const all = [...probes, ...Array.from(keys).flatMap((k) => [k - 1n, k, k + 1n])];
          const wrong = all.filter(
            (probe) =>
              index.lowerBound(probe) !== linearLowerBound(keys, probe) ||
              lowerBoundIn(keys, probe, lo, hi) !== linearLowerBound(keys, probe, lo, hi),
          );
          expect(wrong).toEqual([]);
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});
