import { describe, expect, it } from 'vitest';
import { createBinarySearchIndex } from '../../src/index/binary-search-index.ts';
import type { KeyIndexFactory } from '../../src/index/key-index.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { LoadedSegment, memtableLayer } from '../../src/storage/layer.ts';
import { type SegmentRecord, segmentFileName } from '../../src/storage/manifest.ts';
import { Memtable } from '../../src/storage/memtable.ts';
import type { SegmentSeriesData } from '../../src/storage/segment-file.ts';

const record: SegmentRecord = { id: 7, file: segmentFileName(7), bytes: 100, crc32: 1, points: 3 };

function data(name: string, keys: bigint[], extra: Partial<SegmentSeriesData> = {}): SegmentSeriesData {
  return {
    name,
    keys: BigInt64Array.from(keys),
    values: Float64Array.from(keys.map(Number)),
    tombstones: [],
    dropped: false,
    ...extra,
  };
}

describe('LoadedSegment', () => {
  it('exposes each series with an index built by the factory', () => {
    const built: BigInt64Array[] = [];
    const factory: KeyIndexFactory = (keys) => {
      built.push(keys);
      return createBinarySearchIndex(keys);
    };
    const a = data('a', [1n, 5n, 9n]);
    const b = data('b', [], { tombstones: [{ from: 1n, to: 2n }] });
    const segment = new LoadedSegment(record, [a, b], factory);
    expect(segment.record).toBe(record);
    expect(segment.points).toBe(3);
    expect([...segment.seriesNames()]).toEqual(['a', 'b']);
    expect(built).toEqual([a.keys, b.keys]);
    const series = segment.series('a')!;
    expect(series.keys).toBe(a.keys);
    expect(series.values).toBe(a.values);
    expect(series.dropped).toBe(false);
    expect([0n, 1n, 2n, 5n, 6n, 9n, 10n].map((key) => series.lowerBound(key))).toEqual([0, 0, 1, 1, 2, 2, 3]);
    expect(series.lowerBound(keyMin)).toBe(0);
    expect(series.lowerBound(keyMax)).toBe(3);
    expect(segment.series('b')!.tombstones).toEqual([{ from: 1n, to: 2n }]);
    expect(segment.series('c')).toBeUndefined();
  });

  it('uses the index it was given for lowerBound', () => {
    const segment = new LoadedSegment(record, [data('a', [1n, 2n])], () => ({
      lowerBound: () => 42,
      stats: () => ({ kind: 'binary', keys: 2, leaves: 0, windowMean: 2, windowMax: 2, bytes: 0 }),
    }));
    expect(segment.series('a')!.lowerBound(1n)).toBe(42);
  });

  it('knows whether any series holds tombstones or a drop', () => {
    const plainSegment = new LoadedSegment(
      record,
      [data('a', [1n]), data('b', [2n])],
      createBinarySearchIndex,
    );
    expect(plainSegment.hasTombstones).toBe(false);
    const withTombstone = new LoadedSegment(
      record,
      [data('a', [1n]), data('b', [], { tombstones: [{ from: 0n, to: 0n }] })],
      createBinarySearchIndex,
    );
    expect(withTombstone.hasTombstones).toBe(true);
    const withDrop = new LoadedSegment(record, [data('a', [1n], { dropped: true })], createBinarySearchIndex);
    expect(withDrop.hasTombstones).toBe(true);
    expect(new LoadedSegment(record, [], createBinarySearchIndex).hasTombstones).toBe(false);
  });
});

describe('memtableLayer', () => {
  it('views the memtable live, sorted, with its tombstones and drop flag', () => {
    const memtable = new Memtable();
    const layer = memtableLayer(memtable);
    expect(layer.series('a')).toBeUndefined();
    expect([...layer.seriesNames()]).toEqual([]);
    memtable.put('a', BigInt64Array.of(5n, 1n, 5n), Float64Array.of(5, 1, 55));
    memtable.deleteRange('b', 3n, 4n);
    memtable.drop('c');
    expect([...layer.seriesNames()]).toEqual(['a', 'b', 'c']);
    const a = layer.series('a')!;
    expect(Array.from(a.keys)).toEqual([1n, 5n]);
    expect(Array.from(a.values)).toEqual([1, 55]);
    expect(a.lowerBound(2n)).toBe(1);
    expect(a.lowerBound(6n)).toBe(2);
    expect(a.dropped).toBe(false);
    expect(layer.series('b')!.tombstones).toEqual([{ from: 3n, to: 4n }]);
    expect(layer.series('b')!.keys.length).toBe(0);
    expect(layer.series('c')!.dropped).toBe(true);
  });
});
