import { compactionSliceRowsMax } from '../limits.ts';
import { yieldToEventLoop } from '../util/mutex.ts';
import type { Layer } from './layer.ts';
import { NewerWinsMerge } from './merge-runs.ts';
import type { SegmentSeriesData } from './segment-file.ts';
import { mergeTombstones, type Tombstone, tombstonesCover } from './tombstones.ts';

/**
 * Merges a run of layers (oldest first) into one: newer points replace older ones, tombstones
 * remove what they hide, and a drop hides everything older. When the run starts at the oldest
 * layer of the database there is nothing left below for tombstones to hide, so they are
 * dropped, and series left empty vanish. It runs as a segment job (segment-jobs.ts), mostly in
 * the segment worker thread; on the calling thread (small runs, the simulated file system) it
 * yields to the event loop every compactionSliceRowsMax rows so that reads and writes keep
 * flowing during a long merge.
 */
export async function mergeLayers(
  runOldestFirst: readonly Layer[],
  includesBottom: boolean,
): Promise<SegmentSeriesData[]> {
  const names = new Set<string>();
  for (const layer of runOldestFirst) for (const name of layer.seriesNames()) names.add(name);
  const budget = { rows: 0 };
  const output: SegmentSeriesData[] = [];
  for (const name of [...names].sort()) {
    let merged: SeriesAccumulator = {
      keys: new BigInt64Array(0),
      values: new Float64Array(0),
      tombstones: [],
      dropped: false,
    };
    for (const layer of runOldestFirst) {
      const entry = layer.series(name);
      if (entry === undefined) continue;
      merged = await foldNewer(merged, entry, budget);
    }
    if (includesBottom) {
      if (merged.keys.length > 0) output.push({ name, ...merged, tombstones: [], dropped: false });
    } else if (merged.keys.length > 0 || merged.tombstones.length > 0 || merged.dropped) {
      output.push({ name, ...merged });
    }
  }
  return output;
}

interface SeriesAccumulator {
  keys: BigInt64Array;
  values: Float64Array;
  tombstones: Tombstone[];
  dropped: boolean;
}

interface NewerLayer {
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
  readonly tombstones: readonly Tombstone[];
  readonly dropped: boolean;
}

async function foldNewer(
  older: SeriesAccumulator,
  newer: NewerLayer,
  budget: { rows: number },
): Promise<SeriesAccumulator> {
  // A drop hides everything older; the newer layer's own points all came after it.
  const base = newer.dropped ? { keys: new BigInt64Array(0), values: new Float64Array(0) } : older;
  const survivors =
    newer.tombstones.length > 0 && !newer.dropped
      ? await withoutCovered(base, newer.tombstones, budget)
      : base;
  const points = await mergeNewerWinsInSlices(survivors, newer, budget);
  return {
    ...points,
    tombstones: mergeTombstones(older.tombstones, newer.tombstones),
    dropped: older.dropped || newer.dropped,
  };
}

async function spend(budget: { rows: number }, rows: number): Promise<void> {
  budget.rows += rows;
  if (budget.rows >= compactionSliceRowsMax) {
    budget.rows = 0;
    await yieldToEventLoop();
  }
}

async function withoutCovered(
  points: { keys: BigInt64Array; values: Float64Array },
  tombstones: readonly Tombstone[],
  budget: { rows: number },
): Promise<{ keys: BigInt64Array; values: Float64Array }> {
  const keys = new BigInt64Array(points.keys.length);
  const values = new Float64Array(points.keys.length);
  let out = 0;
  for (let i = 0; i < points.keys.length; i++) {
    const key = points.keys[i]!;
    if (!tombstonesCover(tombstones, key)) {
      keys[out] = key;
      values[out++] = points.values[i]!;
    }
    if ((i & 0xfff) === 0xfff) await spend(budget, 0x1000);
  }
  return { keys: keys.slice(0, out), values: values.slice(0, out) };
}

/** The merge in slices of compactionSliceRowsMax rows, with a yield after each. */
async function mergeNewerWinsInSlices(
  older: { keys: BigInt64Array; values: Float64Array },
  newer: { keys: BigInt64Array; values: Float64Array },
  budget: { rows: number },
): Promise<{ keys: BigInt64Array; values: Float64Array }> {
  if (older.keys.length === 0) return { keys: newer.keys, values: newer.values };
  if (newer.keys.length === 0) return older;
  const merge = new NewerWinsMerge(older, newer);
  while (!merge.done) {
    merge.step(compactionSliceRowsMax);
    await spend(budget, compactionSliceRowsMax);
  }
  // Views, not copies: the merge of the next layer, or the segment encoder, reads them once more.
  return merge.result();
}
