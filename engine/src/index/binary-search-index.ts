import type { KeyIndex } from './key-index.ts';

/** Lower bound over a sorted BigInt64Array within [lo, hi). */
export function lowerBoundIn(keys: BigInt64Array, key: bigint, lo = 0, hi = keys.length): number {
  let low = lo;
  let high = hi;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Plain binary search over the sorted key column: the baseline every other index must match. */
export function createBinarySearchIndex(keys: BigInt64Array): KeyIndex {
  const windowMean = keys.length;
  return {
    lowerBound: (key) => lowerBoundIn(keys, key),
    stats: () => ({
      kind: 'binary',
      keys: keys.length,
      leaves: 0,
      windowMean,
      windowMax: keys.length,
      bytes: 0,
    }),
  };
}
