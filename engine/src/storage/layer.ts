import type { KeyIndex, KeyIndexStats } from '../index/key-index.ts';
import { lowerBoundIn } from '../index/binary-search-index.ts';
import { aggregateBlockPointsMax } from '../limits.ts';
import { type BlockSummaries, buildBlockSummaries } from '../query/block-summaries.ts';
import type { Memtable } from './memtable.ts';
import type { SegmentRecord } from './manifest.ts';
import type { SegmentSeriesData } from './segment-file.ts';
import type { Tombstone } from './tombstones.ts';

/**
 * One series as one layer holds it: sorted unique points, and the deletes that hide points of
 * older layers. Within a layer every point is newer than the layer's own tombstones.
 */
export interface LayerSeries {
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
  readonly tombstones: readonly Tombstone[];
  readonly dropped: boolean;
  lowerBound(key: bigint): number;
  /** Per-block aggregates of `values`; only sealed (immutable) runs have them. */
  blockSummaries?(): BlockSummaries;
}

/** A memtable or a segment, as the read path and compaction see it. */
export interface Layer {
  series(name: string): LayerSeries | undefined;
  seriesNames(): Iterable<string>;
}

const memtableLayers = new WeakMap<Memtable, Layer>();

/** The layer view of a memtable, made once per memtable (reads ask for it on every call). */
export function memtableLayer(memtable: Memtable): Layer {
  let layer = memtableLayers.get(memtable);
  if (layer === undefined) {
    layer = makeMemtableLayer(memtable);
    memtableLayers.set(memtable, layer);
  }
  return layer;
}

function makeMemtableLayer(memtable: Memtable): Layer {
  return {
    series(name) {
      const table = memtable.get(name);
      if (table === undefined) return undefined;
      const { keys, values } = table.view();
      return {
        keys,
        values,
        tombstones: table.tombstones,
        dropped: table.dropped,
        lowerBound: (key) => lowerBoundIn(keys, key),
      };
    },
    seriesNames: () => memtable.series.keys(),
  };
}

/**
 * The index of a segment's series run at `position` (its place in the segment's series list): a
 * KeyIndexFactory builds one from the keys; a flush or compaction passes models built in the
 * segment worker instead.
 */
export type SeriesIndexSource = (keys: BigInt64Array, position: number) => KeyIndex;

/** A sealed segment in memory: its manifest record and an index per series run. */
export class LoadedSegment implements Layer {
  private readonly byName = new Map<string, LayerSeries>();
  private readonly indexes: KeyIndex[] = [];
  readonly points: number;

  constructor(
    readonly record: SegmentRecord,
    data: readonly SegmentSeriesData[],
    indexFor: SeriesIndexSource,
    blockPoints = aggregateBlockPointsMax,
  ) {
    let points = 0;
    for (const [position, entry] of data.entries()) {
      const index: KeyIndex = indexFor(entry.keys, position);
      this.indexes.push(index);
      // Built on the first aggregate over the run, not when the segment is loaded. Measured
      // over 1M points: building takes 4 to 8 ms (one pass over the values), 5 to 10% of the
      // 60 to 90 ms that decoding and indexing them take, and the first whole-range aggregate
      // 6 ms against 3 ms for a plain scan. Eager building would add that to every flush,
      // compaction and open, for runs that are mostly never aggregated (flush outputs are soon
      // compacted away); lazily, only the first aggregate over a run pays about one extra scan.
      let summaries: BlockSummaries | undefined;
      this.byName.set(entry.name, {
        keys: entry.keys,
        values: entry.values,
        tombstones: entry.tombstones,
        dropped: entry.dropped,
        lowerBound: (key) => index.lowerBound(key),
        blockSummaries: () => {
          summaries ??= buildBlockSummaries(entry.values, blockPoints);
          return summaries;
        },
      });
      points += entry.keys.length;
    }
    this.points = points;
  }

  series(name: string): LayerSeries | undefined {
    return this.byName.get(name);
  }

  seriesNames(): Iterable<string> {
    return this.byName.keys();
  }

  /** The series as they were loaded, sorted by name (the input of an in-thread compaction). */
  seriesData(): SegmentSeriesData[] {
    return [...this.byName].map(([name, entry]) => ({
      name,
      keys: entry.keys,
      values: entry.values,
      tombstones: entry.tombstones,
      dropped: entry.dropped,
    }));
  }

  indexStats(): KeyIndexStats[] {
    return this.indexes.map((index) => index.stats());
  }

  get hasTombstones(): boolean {
    for (const series of this.byName.values())
      if (series.tombstones.length > 0 || series.dropped) return true;
    return false;
  }
}
