import { mergeNewerWins } from '../../src/storage/merge-runs.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memtableGrowInPlacePointsMin } from '../../src/limits.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import {
  Memtable,
  memtableBytesPerPoint,
  memtableBytesPerSeries,
  memtableBytesPerTombstone,
  SeriesMemtable,
  rawSeriesView,
  sortedColumns,
} from '../../src/storage/memtable.ts';
import { fcSeed } from '../support/seeds.ts';

const keysOf = (...keys: bigint[]): BigInt64Array => BigInt64Array.from(keys);
const valuesOf = (...values: number[]): Float64Array => Float64Array.from(values);

function pointsOf(table: SeriesMemtable): [bigint, number][] {
  const { keys, values } = table.view();
  return Array.from(keys, (key, i) => [key, values[i]!] as [bigint, number]);
}

describe('SeriesMemtable.append', () => {
  it('keeps in-order appends on the fast path: sortedCount === length', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(1n, 2n, 5n), valuesOf(1, 2, 5));
    table.append(keysOf(6n), valuesOf(6));
    table.append(keysOf(keyMax), valuesOf(7));
    expect(table.length).toBe(5);
    expect(table.sortedCount).toBe(5);
    expect(pointsOf(table)).toEqual([
      [1n, 1],
      [2n, 2],
      [5n, 5],
      [6n, 6],
      [keyMax, 7],
    ]);
  });

  it('starts at keyMin on the fast path', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(keyMin, keyMin + 1n), valuesOf(1, 2));
    expect(table.sortedCount).toBe(2);
  });

  it('grows past its initial capacity', () => {
    const table = new SeriesMemtable();
    const count = 1000;
    const keys = new BigInt64Array(count);
    const values = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      keys[i] = BigInt(i * 3);
      values[i] = i / 2;
    }
    table.append(keys.subarray(0, 10), values.subarray(0, 10));
    table.append(keys.subarray(10), values.subarray(10));
    expect(table.length).toBe(count);
    expect(table.sortedCount).toBe(count);
    expect(table.keys.length).toBeGreaterThanOrEqual(count);
    const view = table.view();
    expect(Array.from(view.keys)).toEqual(Array.from(keys));
    expect(Array.from(view.values)).toEqual(Array.from(values));
  });

  it('puts out-of-order appends in the unsorted tail and sorts them on view', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(10n, 20n), valuesOf(10, 20));
    table.append(keysOf(5n, 30n, 15n), valuesOf(5, 30, 15));
    expect(table.sortedCount).toBe(2);
    expect(table.length).toBe(5);
    expect(pointsOf(table)).toEqual([
      [5n, 5],
      [10n, 10],
      [15n, 15],
      [20n, 20],
      [30n, 30],
    ]);
    expect(table.sortedCount).toBe(table.length);
  });

  it('sends a key equal to the last one to the tail', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(1n, 2n), valuesOf(1, 2));
    table.append(keysOf(2n), valuesOf(22));
    expect(table.sortedCount).toBe(2);
    expect(table.length).toBe(3);
    expect(pointsOf(table)).toEqual([
      [1n, 1],
      [2n, 22],
    ]);
  });

  it('keeps the last write of a key repeated within one batch', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(3n, 1n, 3n, 2n, 3n, 1n), valuesOf(30, 10, 31, 20, 32, 11));
    expect(pointsOf(table)).toEqual([
      [1n, 11],
      [2n, 20],
      [3n, 32],
    ]);
  });

  it('keeps the last write of a key repeated across batches', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(1n, 2n, 3n), valuesOf(1, 2, 3));
    table.append(keysOf(2n), valuesOf(20));
    expect(pointsOf(table)).toEqual([
      [1n, 1],
      [2n, 20],
      [3n, 3],
    ]);
    table.append(keysOf(2n, 3n), valuesOf(200, 300));
    table.append(keysOf(3n), valuesOf(3000));
    expect(pointsOf(table)).toEqual([
      [1n, 1],
      [2n, 200],
      [3n, 3000],
    ]);
  });

  it('returns to the fast path after a normalize', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(5n, 1n), valuesOf(5, 1));
    table.normalize();
    expect(table.sortedCount).toBe(2);
    table.append(keysOf(6n), valuesOf(6));
    expect(table.sortedCount).toBe(3);
  });

  it('normalize is a no-op when nothing is in the tail', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(1n, 2n), valuesOf(1, 2));
    const keys = table.keys;
    table.normalize();
    expect(table.keys).toBe(keys);
  });
});

describe('SeriesMemtable.deleteRange', () => {
  it('removes the points inside the range and records a tombstone', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(1n, 2n, 3n, 4n, 5n), valuesOf(1, 2, 3, 4, 5));
    table.deleteRange(2n, 4n);
    expect(pointsOf(table)).toEqual([
      [1n, 1],
      [5n, 5],
    ]);
    expect(table.tombstones).toEqual([{ from: 2n, to: 4n }]);
    expect(table.length).toBe(2);
    expect(table.sortedCount).toBe(2);
  });

  it('records a tombstone even when no point lies inside', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(1n, 10n), valuesOf(1, 10));
    table.deleteRange(3n, 7n);
    expect(pointsOf(table)).toEqual([
      [1n, 1],
      [10n, 10],
    ]);
    expect(table.tombstones).toEqual([{ from: 3n, to: 7n }]);
  });

  it('sorts the tail before deleting', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(10n, 20n), valuesOf(10, 20));
    table.append(keysOf(15n, 5n, 25n), valuesOf(15, 5, 25));
    table.deleteRange(12n, 22n);
    expect(pointsOf(table)).toEqual([
      [5n, 5],
      [10n, 10],
      [25n, 25],
    ]);
  });

  it('deletes up to keyMax and from keyMin', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(keyMin, -1n, 0n, 1n, keyMax), valuesOf(1, 2, 3, 4, 5));
    table.deleteRange(1n, keyMax);
    expect(pointsOf(table)).toEqual([
      [keyMin, 1],
      [-1n, 2],
      [0n, 3],
    ]);
    table.deleteRange(keyMin, -1n);
    expect(pointsOf(table)).toEqual([[0n, 3]]);
    expect(table.tombstones).toEqual([
      { from: keyMin, to: -1n },
      { from: 1n, to: keyMax },
    ]);
    table.deleteRange(0n, 0n);
    expect(pointsOf(table)).toEqual([]);
    expect(table.tombstones).toEqual([{ from: keyMin, to: keyMax }]);
    expect(table.dropped).toBe(false);
  });

  it('lets points written after a delete back in', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(1n, 2n, 3n), valuesOf(1, 2, 3));
    table.deleteRange(keyMin, keyMax);
    table.append(keysOf(2n), valuesOf(22));
    expect(pointsOf(table)).toEqual([[2n, 22]]);
    expect(table.tombstones).toEqual([{ from: keyMin, to: keyMax }]);
  });
});

describe('SeriesMemtable.drop', () => {
  it('removes every point, covers every key and marks the series dropped', () => {
    const table = new SeriesMemtable();
    table.append(keysOf(1n, 2n, 3n), valuesOf(1, 2, 3));
    table.append(keysOf(0n), valuesOf(0));
    table.deleteRange(5n, 6n);
    table.drop();
    expect(table.length).toBe(0);
    expect(table.sortedCount).toBe(0);
    expect(table.dropped).toBe(true);
    expect(table.tombstones).toEqual([{ from: keyMin, to: keyMax }]);
    expect(pointsOf(table)).toEqual([]);
    table.append(keysOf(9n), valuesOf(9));
    expect(pointsOf(table)).toEqual([[9n, 9]]);
    expect(table.dropped).toBe(true);
  });
});

describe('SeriesMemtable.bytes', () => {
  it('charges the series, the allocated capacity and the tombstones', () => {
    const table = new SeriesMemtable();
    expect(table.bytes()).toBe(memtableBytesPerSeries + 16 * memtableBytesPerPoint);
    const keys = new BigInt64Array(17).map((_, i) => BigInt(i));
    table.append(keys, new Float64Array(17));
    expect(table.bytes()).toBe(memtableBytesPerSeries + 32 * memtableBytesPerPoint);
    table.deleteRange(100n, 200n);
    table.deleteRange(300n, 400n);
    expect(table.bytes()).toBe(
      memtableBytesPerSeries + 32 * memtableBytesPerPoint + 2 * memtableBytesPerTombstone,
    );
  });
});

/** The memtable's merge of its sorted prefix (older) and sorted tail (newer). */
function mergeSortedRuns(
  olderKeys: BigInt64Array,
  olderValues: Float64Array,
  newerKeys: BigInt64Array,
  newerValues: Float64Array,
): { keys: BigInt64Array; values: Float64Array } {
  return mergeNewerWins({ keys: olderKeys, values: olderValues }, { keys: newerKeys, values: newerValues });
}

describe('mergeSortedRuns', () => {
  it('interleaves two sorted runs and lets the newer one win on equal keys', () => {
    const merged = mergeSortedRuns(
      keysOf(1n, 3n, 5n, 7n),
      valuesOf(1, 3, 5, 7),
      keysOf(2n, 3n, 7n, 9n),
      valuesOf(20, 30, 70, 90),
    );
    expect(Array.from(merged.keys)).toEqual([1n, 2n, 3n, 5n, 7n, 9n]);
    expect(Array.from(merged.values)).toEqual([1, 20, 30, 5, 70, 90]);
  });

  it('handles empty runs on either side', () => {
    const a = mergeSortedRuns(keysOf(), valuesOf(), keysOf(1n, 2n), valuesOf(1, 2));
    expect(Array.from(a.keys)).toEqual([1n, 2n]);
    expect(Array.from(a.values)).toEqual([1, 2]);
    const b = mergeSortedRuns(keysOf(1n, 2n), valuesOf(1, 2), keysOf(), valuesOf());
    expect(Array.from(b.keys)).toEqual([1n, 2n]);
    const c = mergeSortedRuns(keysOf(), valuesOf(), keysOf(), valuesOf());
    expect(c.keys.length).toBe(0);
  });

  it('replaces every key when the runs are identical', () => {
    const merged = mergeSortedRuns(
      keysOf(keyMin, 0n, keyMax),
      valuesOf(1, 2, 3),
      keysOf(keyMin, 0n, keyMax),
      valuesOf(4, 5, 6),
    );
    expect(Array.from(merged.keys)).toEqual([keyMin, 0n, keyMax]);
    expect(Array.from(merged.values)).toEqual([4, 5, 6]);
  });
});

describe('Memtable', () => {
  it('charges a new series its own bytes and its initial capacity', () => {
    const memtable = new Memtable();
    memtable.put('a', BigInt64Array.of(1n), Float64Array.of(1));
    expect(memtable.bytes).toBe(memtableBytesPerSeries + 16 * memtableBytesPerPoint);
    memtable.put('b', BigInt64Array.of(1n), Float64Array.of(1));
    expect(memtable.bytes).toBe(2 * (memtableBytesPerSeries + 16 * memtableBytesPerPoint));
  });

  it('starts empty', () => {
    const memtable = new Memtable();
    expect(memtable.isEmpty).toBe(true);
    expect(memtable.bytes).toBe(0);
    expect(memtable.tombstones).toBe(0);
    expect(memtable.get('a')).toBeUndefined();
  });

  it('grows its byte estimate with the capacity and the tombstones of a series', () => {
    const memtable = new Memtable();
    memtable.put('a', keysOf(1n, 2n), valuesOf(1, 2));
    expect(memtable.isEmpty).toBe(false);
    const start = memtable.bytes;
    // 17 more points outgrow the initial capacity of 16: it doubles to 32.
    memtable.put(
      'a',
      new BigInt64Array(17).map((_, i) => BigInt(i + 10)),
      new Float64Array(17),
    );
    expect(memtable.bytes - start).toBe(16 * memtableBytesPerPoint);
    memtable.deleteRange('a', 100n, 200n);
    memtable.deleteRange('a', 300n, 400n);
    expect(memtable.bytes - start).toBe(16 * memtableBytesPerPoint + 2 * memtableBytesPerTombstone);
    // Reads normalize the series but do not change its charge.
    memtable.put('a', keysOf(0n), valuesOf(0));
    const beforeView = memtable.bytes;
    memtable.get('a')!.view();
    expect(memtable.get('a')!.bytes()).toBe(
      memtableBytesPerSeries + 32 * memtableBytesPerPoint + 2 * memtableBytesPerTombstone,
    );
    memtable.put('a', keysOf(0n), valuesOf(1));
    expect(memtable.bytes).toBe(beforeView);
  });

  it('counts tombstones after coalescing, and drop replaces them with one', () => {
    const memtable = new Memtable();
    memtable.deleteRange('a', 1n, 2n);
    memtable.deleteRange('a', 5n, 6n);
    memtable.deleteRange('b', 1n, 2n);
    expect(memtable.tombstones).toBe(3);
    memtable.deleteRange('a', 3n, 4n);
    expect(memtable.tombstones).toBe(2);
    memtable.drop('a');
    expect(memtable.tombstones).toBe(2);
    expect(memtable.get('a')?.dropped).toBe(true);
    memtable.drop('c');
    expect(memtable.tombstones).toBe(3);
    expect(memtable.get('c')?.tombstones).toEqual([{ from: keyMin, to: keyMax }]);
  });

  it('shrinks its estimate when a drop releases a large series', () => {
    const memtable = new Memtable();
    memtable.put(
      'a',
      new BigInt64Array(1000).map((_, i) => BigInt(i)),
      new Float64Array(1000),
    );
    const before = memtable.bytes;
    memtable.drop('a');
    // Capacity falls from 1024 back to 16 points; one tombstone is added.
    expect(before - memtable.bytes).toBe((1024 - 16) * memtableBytesPerPoint - memtableBytesPerTombstone);
  });

  it('keeps series apart', () => {
    const memtable = new Memtable();
    memtable.put('a', keysOf(1n), valuesOf(1));
    memtable.put('b', keysOf(1n), valuesOf(2));
    memtable.deleteRange('a', 1n, 1n);
    expect(pointsOf(memtable.get('a')!)).toEqual([]);
    expect(pointsOf(memtable.get('b')!)).toEqual([[1n, 2]]);
    expect([...memtable.series.keys()]).toEqual(['a', 'b']);
  });

  it('rejects keys and values of different lengths as an invariant failure', () => {
    const memtable = new Memtable();
    expect(() => memtable.put('a', keysOf(1n, 2n), valuesOf(1))).toThrow(/invariant/);
    expect(memtable.isEmpty).toBe(true);
  });
});

describe('SeriesMemtable against a Map model', () => {
  type Op =
    | { kind: 'append'; points: [bigint, number][] }
    | { kind: 'delete'; from: bigint; to: bigint }
    | { kind: 'drop' };
  // A small window at each int64 extreme and around zero, so that keys collide often.
  const keyArb = fc.oneof(
    fc.integer({ min: -8, max: 8 }).map(BigInt),
    fc.integer({ min: 0, max: 3 }).map((i) => keyMin + BigInt(i)),
    fc.integer({ min: 0, max: 3 }).map((i) => keyMax - BigInt(i)),
  );
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(fc.tuple(keyArb, fc.integer({ min: -1000, max: 1000 })), { minLength: 1, maxLength: 8 })
        .map((points) => ({ kind: 'append' as const, points })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(keyArb, keyArb)
        .map(([a, b]) => ({ kind: 'delete' as const, from: a < b ? a : b, to: a < b ? b : a })),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  );

  it('views the same points as the model after any sequence', () => {
    const seed = fcSeed();
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), fc.boolean(), (ops, viewBetween) => {
        const table = new SeriesMemtable();
        const model = new Map<bigint, number>();
        let dropped = false;
        for (const op of ops) {
          if (op.kind === 'append') {
            table.append(
              BigInt64Array.from(op.points.map(([key]) => key)),
              Float64Array.from(op.points.map(([, value]) => value)),
            );
            for (const [key, value] of op.points) model.set(key, value);
          } else if (op.kind === 'delete') {
            table.deleteRange(op.from, op.to);
            for (const key of [...model.keys()]) if (key >= op.from && key <= op.to) model.delete(key);
          } else {
            table.drop();
            model.clear();
            dropped = true;
          }
          if (viewBetween) table.view();
          expect(table.sortedCount).toBeLessThanOrEqual(table.length);
        }
        const expected = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        expect(pointsOf(table)).toEqual(expected);
        expect(table.sortedCount).toBe(table.length);
        expect(table.dropped).toBe(dropped);
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('rawSeriesView and sortedColumns (what a flush job gets)', () => {
  it('view the raw columns, and sort them (in new arrays) to what the memtable itself reads', () => {
    const table = new SeriesMemtable();
    table.append(BigInt64Array.of(1n, 5n), Float64Array.of(1, 5));
    table.append(BigInt64Array.of(3n, 5n, 2n), Float64Array.of(3, 55, 2));
    table.deleteRange(4n, 4n);
    table.append(BigInt64Array.of(0n, 3n), Float64Array.of(0, 33));
    const raw = rawSeriesView('s', table);
    expect(raw.keys.length).toBe(table.length);
    expect(raw.keys.buffer).toBe(table.keys.buffer);
    expect(raw.tombstones).toEqual([{ from: 4n, to: 4n }]);
    const before = [...raw.keys];
    const sorted = sortedColumns(raw);
    expect([...raw.keys]).toEqual(before);
    // Sorting leaves the raw arrays alone; a read of the memtable replaces its arrays, not rewrites them.
    const view = table.view();
    expect([...raw.keys]).toEqual(before);
    expect([...sorted.keys]).toEqual([...view.keys]);
    expect([...sorted.values]).toEqual([...view.values]);
    expect([...sorted.keys]).toEqual([0n, 1n, 2n, 3n, 5n]);
    expect([...sorted.values]).toEqual([0, 1, 2, 33, 55]);
    expect(() => sortedColumns({ ...raw, sortedCount: raw.keys.length + 1 })).toThrow(/inconsistent/);
  });
});

describe('SeriesMemtable growth past memtableGrowInPlacePointsMin', () => {
  const run = (from: number, count: number): BigInt64Array =>
    BigInt64Array.from({ length: count }, (_, i) => BigInt(from + i));
  const valuesFor = (keys: BigInt64Array): Float64Array => Float64Array.from(keys, (key) => Number(key) / 2);
  // Growable shared memory: grows in place, and a flush hands it to the segment worker uncopied.
  const isResizable = (buffer: ArrayBufferLike): boolean =>
    buffer instanceof SharedArrayBuffer && (buffer as { growable?: boolean }).growable === true;

  it('grows in place: the same buffers, capacities doubling as before, earlier views unchanged', () => {
    const table = new SeriesMemtable();
    const capacities: number[] = [];
    let next = 0;
    let bigBuffer: ArrayBufferLike | undefined;
    let earlyView: BigInt64Array | undefined;
    while (next < memtableGrowInPlacePointsMin * 8) {
      const keys = run(next, 10_000);
      table.append(keys, valuesFor(keys));
      next += keys.length;
      if (capacities.at(-1) !== table.keys.length) capacities.push(table.keys.length);
      if (table.keys.length > memtableGrowInPlacePointsMin) {
        expect(isResizable(table.keys.buffer)).toBe(true);
        expect(isResizable(table.values.buffer)).toBe(true);
        if (bigBuffer === undefined) {
          bigBuffer = table.keys.buffer;
          earlyView = table.view().keys;
        }
        // No copy once on resizable columns: the buffer is the one the series moved to.
        expect(table.keys.buffer).toBe(bigBuffer);
      } else {
        expect(isResizable(table.keys.buffer)).toBe(false);
      }
    }
    // bytes() charges capacity: the sequence that decides when a memtable is full is unchanged.
    for (let i = 1; i < capacities.length; i++) expect(capacities[i]).toBe(capacities[i - 1]! * 2);
    expect(earlyView![0]).toBe(0n);
    expect(earlyView![earlyView!.length - 1]).toBe(BigInt(earlyView!.length - 1));
    expect(table.length).toBe(next);
    const { keys, values } = table.view();
    expect(keys[next - 1]).toBe(BigInt(next - 1));
    expect(values[12_345]).toBe(12_345 / 2);
  });

  it('copies once into a larger reservation when a series outgrows its own', () => {
    const reservePoints = memtableGrowInPlacePointsMin * 2;
    const table = new SeriesMemtable(reservePoints);
    let next = 0;
    const buffers = new Set<ArrayBufferLike>();
    while (next < reservePoints * 3) {
      const keys = run(next, 20_000);
      table.append(keys, valuesFor(keys));
      next += keys.length;
      if (isResizable(table.keys.buffer)) buffers.add(table.keys.buffer);
    }
    // Moved to resizable columns once, then once more past the reservation (room for two doublings).
    expect(buffers.size).toBe(2);
    const last = [...buffers][1] as SharedArrayBuffer & { maxByteLength: number };
    expect(last.maxByteLength).toBe(reservePoints * 2 * 4 * 8);
    expect(pointsOf(table).length).toBe(next);
    expect(pointsOf(table)[next - 1]).toEqual([BigInt(next - 1), (next - 1) / 2]);
  });

  it('keeps resizable columns through a merge of an unsorted tail and a delete', () => {
    const table = new SeriesMemtable();
    const keys = run(0, memtableGrowInPlacePointsMin * 2);
    table.append(keys, valuesFor(keys));
    table.append(keysOf(5n, 3n), valuesOf(-5, -3));
    expect(table.sortedCount).toBeLessThan(table.length);
    const view = table.view();
    expect(isResizable(table.keys.buffer)).toBe(true);
    expect(view.values[3]).toBe(-3);
    expect(view.values[5]).toBe(-5);
    table.deleteRange(10n, 19n);
    expect(table.length).toBe(keys.length - 10);
    const more = run(keys.length, 100);
    table.append(more, valuesFor(more));
    expect(pointsOf(table).at(-1)).toEqual([BigInt(keys.length + 99), (keys.length + 99) / 2]);
    // A frozen memtable's raw view of resizable columns sorts like any other.
    expect(sortedColumns(rawSeriesView('s', table)).keys.length).toBe(keys.length + 90);
  });
});
