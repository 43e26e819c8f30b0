import fc from 'fast-check';
import { createBinarySearchIndex } from '../../src/index/binary-search-index.ts';
import { LoadedSegment } from '../../src/storage/layer.ts';
import { segmentFileName } from '../../src/storage/manifest.ts';
import type { SegmentSeriesData } from '../../src/storage/segment-file.ts';
import { addTombstone, type Tombstone } from '../../src/storage/tombstones.ts';

/** One series of a hand-written layer: points in any order (the last value of a key wins). */
export interface SeriesSpec {
  points?: readonly (readonly [bigint, number])[];
  tombstones?: readonly Tombstone[];
  dropped?: boolean;
}

/** A tombstone over [from, to]. */
export const t = (from: bigint, to: bigint): Tombstone => ({ from, to });

/** A series as a segment holds it: points sorted and unique by key, tombstones merged. */
export function seriesData(name: string, s: SeriesSpec): SegmentSeriesData {
  const byKey = new Map<bigint, number>();
  for (const [key, value] of s.points ?? []) byKey.set(key, value);
  const sorted = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let tombstones: Tombstone[] = [];
  for (const range of s.tombstones ?? []) tombstones = addTombstone(tombstones, range);
  return {
    name,
    keys: BigInt64Array.from(sorted.map(([key]) => key)),
    values: Float64Array.from(sorted.map(([, value]) => value)),
    tombstones,
    dropped: s.dropped ?? false,
  };
}

/** A segment layer over the given series, indexed by binary search. */
export function asLayer(data: readonly SegmentSeriesData[]): LoadedSegment {
  const points = data.reduce((sum, s) => sum + s.keys.length, 0);
  return new LoadedSegment(
    { id: 1, file: segmentFileName(1), bytes: 0, crc32: 0, points },
    data,
    createBinarySearchIndex,
  );
}

/** A segment layer from a spec per series name, the series sorted by name. */
export function segment(spec: Record<string, SeriesSpec>): LoadedSegment {
  return asLayer(
    Object.keys(spec)
      .sort()
      .map((name) => seriesData(name, spec[name]!)),
  );
}

/**
 * Arbitraries for random series over a small set of keys: tombstone ranges between two of the
 * keys, and series of up to `maxPoints` points, up to 3 tombstones and sometimes a drop flag.
 */
export function seriesSpecArbitraries(keys: readonly bigint[], maxPoints: number) {
  const keyArb = fc.constantFrom(...keys);
  const rangeArb = fc.tuple(keyArb, keyArb).map(([a, b]) => (a <= b ? t(a, b) : t(b, a)));
  const seriesArb: fc.Arbitrary<SeriesSpec> = fc.record({
    points: fc.array(fc.tuple(keyArb, fc.integer({ min: -100, max: 100 })), { maxLength: maxPoints }),
    tombstones: fc.array(rangeArb, { maxLength: 3 }),
    dropped: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))),
  });
  return { rangeArb, seriesArb };
}
