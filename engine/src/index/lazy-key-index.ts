import type { KeyIndex, KeyIndexKind, KeyIndexStats } from './key-index.ts';

/**
 * An index built on its first lookup instead of when it is made. Opening a database makes one
 * index per series run of every segment; building the learned ones there took about 430 ms of a
 * 735 ms open of 10M points (bench/open-time.ts), most of it for runs a process may never read.
 * Built lazily, open costs what binary search's does, and the first lookup into a run pays for
 * that run's model alone, on the calling thread. That is cheap for small runs only (about 250 ms
 * for a 10M-point run, a stall of the event loop): the engine gives runs the segment worker would
 * take a deferredKeyIndex instead, whose model is built there (storage/index-model-requests.ts).
 *
 * stats() does not build: /ready, /health and every metrics scrape read it, and a probe must not
 * stall the event loop for every model at once. Until its first lookup the index reports what it
 * holds, nothing (keys 0, so the engine's key-weighted window mean stays that of the built
 * indexes), and the keys it will cover as pendingKeys.
 */
export function lazyKeyIndex(kind: KeyIndexKind, keys: BigInt64Array, build: () => KeyIndex): KeyIndex {
  const n = keys.length;
  const pending = pendingIndexStats(kind, n);
  const lazy: KeyIndex = {
    lowerBound(key) {
      // Keys at or outside the run's ends need no model. Recovery asks every run for the lower
      // bound of the smallest int64 (to learn which series hold a visible point): answered here,
      // that builds nothing.
      if (n === 0 || key <= keys[0]!) return 0;
      if (key > keys[n - 1]!) return n;
      const index = build();
      // Replace the methods, so that later lookups call the built index with no check of their own.
      lazy.lowerBound = index.lowerBound;
      lazy.stats = index.stats;
      return index.lowerBound(key);
    },
    stats: () => pending,
  };
  return lazy;
}

/**
 * The stats of an index whose model is not built yet: keys 0, so the engine's key-weighted window
 * mean stays that of the built indexes, and the keys still to be modelled as pendingKeys.
 */
export function pendingIndexStats(kind: KeyIndexKind, pendingKeys: number): KeyIndexStats {
  return { kind, keys: 0, leaves: 0, windowMean: 0, windowMax: 0, bytes: 0, pendingKeys };
}
