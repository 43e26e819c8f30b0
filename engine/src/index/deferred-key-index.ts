import { lowerBoundIn } from './binary-search-index.ts';
import type { KeyIndex, KeyIndexKind, KeyIndexStats } from './key-index.ts';
import { pendingIndexStats } from './lazy-key-index.ts';

/**
 * An index whose model is built elsewhere (the segment worker thread), asked for on the first
 * lookup inside its keys and installed when it arrives. lazyKeyIndex builds on that first lookup
 * instead, on the calling thread: about 250 ms for a 10M-point run, a stall of every request
 * waiting on the event loop. Until the model is installed, lookups are answered by binary search
 * over the keys: exact, a few microseconds, so a lookup never waits for the model.
 *
 * If the model never comes (the job failed, the segment was dropped, the engine closed), the
 * index stays binary search for good: the model is an optimisation, not data.
 */
export interface DeferredKeyIndex extends KeyIndex {
  /** The built index over the same keys: later lookups and stats are its own. */
  install(index: KeyIndex): void;
  /**
   * No model is coming: lookups stay binary search. `failed` (a job that broke, not one that was
   * no longer needed) is counted in stats().modelFailures.
   */
  abandon(failed: boolean): void;
  /** Whether the index still waits for its model (requested or not). */
  readonly pending: boolean;
}

export function deferredKeyIndex(
  kind: KeyIndexKind,
  keys: BigInt64Array,
  request: () => void,
): DeferredKeyIndex {
  const n = keys.length;
  const waiting = pendingIndexStats(kind, n);
  let requested = false;
  const search = (key: bigint): number => lowerBoundIn(keys, key);
  const deferred: DeferredKeyIndex = {
    pending: true,
    lowerBound(key) {
      // Keys at or outside the run's ends need no model: recovery asks every run for the lower
      // bound of the smallest int64, which must not ask for every model at open.
      if (n === 0 || key <= keys[0]!) return 0;
      if (key > keys[n - 1]!) return n;
      if (!requested) {
        requested = true;
        request();
      }
      return search(key);
    },
    stats: () => waiting,
    install(index) {
      if (!deferred.pending) return;
      Object.assign(deferred, { pending: false, lowerBound: index.lowerBound, stats: index.stats });
    },
    abandon(failed) {
      if (!deferred.pending) return;
      // What a binary search over the keys costs: the window is the whole run.
      const fallback: KeyIndexStats = {
        kind,
        keys: n,
        leaves: 0,
        windowMean: n,
        windowMax: n,
        bytes: 0,
        pendingKeys: 0,
        modelFailures: failed ? 1 : 0,
      };
      Object.assign(deferred, { pending: false, lowerBound: search, stats: () => fallback });
    },
  };
  return deferred;
}
