/**
 * How a sorted, immutable key column is searched. Segments hold one index per series run; the
 * learned index (RMI) and plain binary search implement the same contract, so results never
 * depend on which one is selected (engine option `index`).
 */
export interface KeyIndex {
  /** The first position whose key is >= `key` (keys.length when none): exact, for any int64. */
  lowerBound(key: bigint): number;
  /** What the index is and how wide its search windows are, for stats, metrics and reports. */
  stats(): KeyIndexStats;
}

export interface KeyIndexStats {
  readonly kind: KeyIndexKind;
  readonly keys: number;
  /** RMI leaf models (0 for binary search). */
  readonly leaves: number;
  /** Mean and largest number of positions a lookup searches after the model's prediction. */
  readonly windowMean: number;
  readonly windowMax: number;
  /** Bytes the index adds beyond the key column itself. */
  readonly bytes: number;
  /**
   * Lookups whose answer was not in the model's predicted window, found by a full search instead
   * (0 for a correct model: a non-zero count means a wrong model, which never gives a wrong answer).
   */
  readonly modelMisses?: number;
  /**
   * Keys of an index whose model is not built yet: lazyKeyIndex builds it on its first lookup,
   * deferredKeyIndex waits for the segment worker's (lookups meanwhile are binary searches).
   */
  readonly pendingKeys?: number;
  /** 1 when the model job of a deferredKeyIndex failed: the run stays binary search. */
  readonly modelFailures?: number;
}

export type KeyIndexKind = 'rmi' | 'binary';

export type KeyIndexFactory = (keys: BigInt64Array) => KeyIndex;
