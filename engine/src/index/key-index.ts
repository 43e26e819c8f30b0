/**
 * How a sorted, immutable key column is searched. Segments hold one index per series run; the
 * learned index (RMI) and plain binary search implement the same contract, so results never
 * depend on which one is selected.
 */
export interface KeyIndex {
  /** The first position whose key is >= `key` (keys.length when none): exact, for any int64. */
  lowerBound(key: bigint): number;
}

export type KeyIndexKind = 'binary';

export type KeyIndexFactory = (keys: BigInt64Array) => KeyIndex;
