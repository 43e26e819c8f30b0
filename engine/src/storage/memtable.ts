import { assert } from '../errors.ts';
import { lowerBoundIn } from '../index/binary-search-index.ts';
import { memtableGrowInPlacePointsMin, memtableSeriesReservePointsMax } from '../limits.ts';
import { compareKeysAt, copyKeyAt, endOfIncreasingRun, int64Words } from '../util/int64-words.ts';
import { mergeNewerWins } from './merge-runs.ts';
import { keyMax, keyMin } from './keys.ts';
import { addTombstone, type Tombstone } from './tombstones.ts';

/** Bytes charged per memtable point: a key, a value, and slack for the growth of the arrays. */
export const memtableBytesPerPoint = 24;
/** Bytes charged per series and per tombstone: the objects that hold them. */
export const memtableBytesPerSeries = 256;
export const memtableBytesPerTombstone = 64;

const initialCapacity = 16;

/**
 * A SharedArrayBuffer that grows in place (ES2024; Node 20 has it, the ES2023 lib this repo
 * targets does not type it).
 */
interface GrowableBuffer extends SharedArrayBuffer {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(byteLength: number): void;
}

const GrowableSharedArrayBuffer = SharedArrayBuffer as unknown as new (
  byteLength: number,
  options: { maxByteLength: number },
) => GrowableBuffer;

function growableBuffer(buffer: ArrayBufferLike): GrowableBuffer | undefined {
  const candidate = buffer as Partial<GrowableBuffer>;
  return candidate.growable === true ? (buffer as GrowableBuffer) : undefined;
}

/**
 * True when the columns are on shared memory: a flush hands them to the segment worker as they
 * are, with no copy (see frozenSeries in maintenance.ts).
 */
export function isSharedColumn(column: BigInt64Array | Float64Array): boolean {
  return column.buffer instanceof SharedArrayBuffer;
}

/**
 * A key column and a value column of `capacity` points. Small columns are plain arrays; past
 * memtableGrowInPlacePointsMin they sit on growable shared buffers that reserve address space for
 * `reserve` points (no memory until used), so that growing a big series is a resize in place,
 * not a copy of tens of MB on the event loop and an allocation that sets off a major GC; and so
 * that a flush gives them to the segment worker without copying them either (a full memtable's
 * copy was a 20 ms stop of the event loop, most of it the allocation of the copy).
 */
function allocateColumns(capacity: number, reserve: number): { keys: BigInt64Array; values: Float64Array } {
  if (capacity <= memtableGrowInPlacePointsMin) {
    return { keys: new BigInt64Array(capacity), values: new Float64Array(capacity) };
  }
  const maxByteLength = Math.max(capacity, reserve) * 8;
  return {
    keys: new BigInt64Array(new GrowableSharedArrayBuffer(capacity * 8, { maxByteLength }), 0, capacity),
    values: new Float64Array(new GrowableSharedArrayBuffer(capacity * 8, { maxByteLength }), 0, capacity),
  };
}

/**
 * The points of one series not yet flushed. Keys in [0, sortedCount) are strictly increasing;
 * [sortedCount, length) is an unsorted tail in arrival order. Appends in key order take the fast
 * path and never touch the tail; anything else lands in the tail and is merged (last write wins)
 * the next time the series is read or flushed.
 */
export class SeriesMemtable {
  keys: BigInt64Array = new BigInt64Array(initialCapacity);
  values: Float64Array = new Float64Array(initialCapacity);
  sortedCount = 0;
  length = 0;
  /** Deletes that hide older layers; points of this memtable inside them were removed already. */
  tombstones: Tombstone[] = [];
  /** A dropSeries happened in this memtable: older layers are hidden entirely. */
  dropped = false;

  /** @param reservePoints what growable columns reserve (a parameter for tests; the limit otherwise) */
  constructor(private readonly reservePoints = memtableSeriesReservePointsMax) {}

  /**
   * Two bulk copies, whatever the order: the sorted prefix then grows only if it covered every
   * point before, by the batch's run of keys increasing from the newest one (a time series' batch
   * after the last one: all of it). Keys out of order stay in the tail. The order is checked on the
   * keys' words: a BigInt per key read was a quarter of a POST's garbage when batches arrived out
   * of order (concurrent writers), as they usually do.
   */
  append(keys: BigInt64Array, values: Float64Array): void {
    this.reserve(this.length + keys.length);
    const start = this.length;
    this.keys.set(keys, start);
    this.values.set(values, start);
    this.length += keys.length;
    if (this.sortedCount === start) this.sortedCount = endOfIncreasingRun(this.keys, start, this.length);
  }

  deleteRange(from: bigint, to: bigint): void {
    this.normalize();
    const lo = lowerBoundIn(this.keys, from, 0, this.length);
    const hi = to === keyMax ? this.length : lowerBoundIn(this.keys, to + 1n, 0, this.length);
    if (hi > lo) {
      this.keys.copyWithin(lo, hi, this.length);
      this.values.copyWithin(lo, hi, this.length);
      this.length -= hi - lo;
      this.sortedCount = this.length;
    }
    this.tombstones = addTombstone(this.tombstones, { from, to });
  }

  drop(): void {
    this.length = 0;
    this.sortedCount = 0;
    this.keys = new BigInt64Array(initialCapacity);
    this.values = new Float64Array(initialCapacity);
    this.tombstones = [{ from: keyMin, to: keyMax }];
    this.dropped = true;
  }

  /** Sorts the tail into the sorted prefix; equal keys keep the value written last. */
  normalize(): void {
    if (this.sortedCount === this.length) return;
    const tail = this.sortedTail();
    const merged = mergeNewerWins(
      { keys: this.keys.subarray(0, this.sortedCount), values: this.values.subarray(0, this.sortedCount) },
      tail,
    );
    const capacity = Math.max(initialCapacity, this.keys.length);
    ({ keys: this.keys, values: this.values } = allocateColumns(capacity, this.reservePoints));
    this.keys.set(merged.keys);
    this.values.set(merged.values);
    this.length = merged.keys.length;
    this.sortedCount = this.length;
  }

  /** The sorted, de-duplicated points; valid until the next mutation. */
  view(): { keys: BigInt64Array; values: Float64Array } {
    this.normalize();
    return { keys: this.keys.subarray(0, this.length), values: this.values.subarray(0, this.length) };
  }

  bytes(): number {
    return (
      memtableBytesPerSeries +
      this.keys.length * memtableBytesPerPoint +
      this.tombstones.length * memtableBytesPerTombstone
    );
  }

  /**
   * Grows the columns to the next power-of-two multiple of their capacity that holds `needed`
   * points (bytes() charges capacity, so this sequence is what decides when a memtable is full).
   * Growable columns grow in place while their reservation lasts; views taken before stay valid
   * and unchanged, since growing only adds points after them.
   */
  private reserve(needed: number): void {
    if (needed <= this.keys.length) return;
    let capacity = this.keys.length;
    while (capacity < needed) capacity *= 2;
    const keysBuffer = growableBuffer(this.keys.buffer);
    const valuesBuffer = growableBuffer(this.values.buffer);
    if (
      keysBuffer !== undefined &&
      valuesBuffer !== undefined &&
      capacity * 8 <= keysBuffer.maxByteLength &&
      capacity * 8 <= valuesBuffer.maxByteLength
    ) {
      keysBuffer.grow(capacity * 8);
      valuesBuffer.grow(capacity * 8);
      this.keys = new BigInt64Array(keysBuffer, 0, capacity);
      this.values = new Float64Array(valuesBuffer, 0, capacity);
      return;
    }
    // Plain columns, or a reservation outgrown (a series far past the memtable limit, as with
    // automatic flushes off): one copy, into columns with room for two more doublings.
    const reserve = keysBuffer === undefined ? this.reservePoints : capacity * 4;
    const { keys, values } = allocateColumns(capacity, reserve);
    keys.set(this.keys.subarray(0, this.length));
    values.set(this.values.subarray(0, this.length));
    this.keys = keys;
    this.values = values;
  }

  /**
   * The tail sorted by key, keeping only the last write of each key. Keys are compared and moved
   * as int64 words (int64-words.ts): with a BigInt per key read, sorting the tail was most of a
   * flush's time when concurrent writers' batches arrived out of order.
   */
  private sortedTail(): { keys: BigInt64Array; values: Float64Array } {
    const start = this.sortedCount;
    const count = this.length - start;
    const keys = this.keys;
    const words = int64Words(keys);
    const order = new Array<number>(count);
    for (let i = 0; i < count; i++) order[i] = start + i;
    // Array.prototype.sort is stable, so among equal keys arrival order is kept.
    order.sort((a, b) => compareKeysAt(keys, words, a, b));
    const outKeys = new BigInt64Array(count);
    const outWords = int64Words(outKeys);
    const outValues = new Float64Array(count);
    let out = 0;
    for (let i = 0; i < count; i++) {
      const index = order[i]!;
      if (out > 0 && compareKeysAt(keys, words, order[i - 1]!, index) === 0) {
        outValues[out - 1] = this.values[index]!;
      } else {
        copyKeyAt(keys, words, index, outKeys, outWords, out);
        outValues[out] = this.values[index]!;
        out++;
      }
    }
    return { keys: outKeys.subarray(0, out), values: outValues.subarray(0, out) };
  }
}

/**
 * One series of a frozen memtable as raw columns: [0, sortedCount) sorted, the rest an unsorted
 * tail in arrival order. A flush hands these to the segment worker, which sorts them
 * (sortedColumns) into new arrays: the frozen memtable itself stays readable on the main thread
 * until its segment is published. Shared columns go as they are; plain (small) ones as copies.
 */
export interface RawSeriesColumns {
  readonly name: string;
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
  readonly sortedCount: number;
  readonly tombstones: readonly Tombstone[];
  readonly dropped: boolean;
}

/**
 * A series' raw columns as views, exactly `length` long. Once its memtable is frozen they never
 * change: a frozen memtable takes no writes, and a read that sorts it replaces its arrays with
 * sorted copies rather than sorting in place. So they may be copied bit by bit across turns of
 * the event loop.
 */
export function rawSeriesView(name: string, table: SeriesMemtable): RawSeriesColumns {
  return {
    name,
    keys: table.keys.subarray(0, table.length),
    values: table.values.subarray(0, table.length),
    sortedCount: table.sortedCount,
    tombstones: table.tombstones,
    dropped: table.dropped,
  };
}

/** The sorted, de-duplicated points of raw columns (last write of a key wins), as a memtable reads them. */
export function sortedColumns(raw: RawSeriesColumns): { keys: BigInt64Array; values: Float64Array } {
  assert(
    raw.keys.length === raw.values.length && raw.sortedCount >= 0 && raw.sortedCount <= raw.keys.length,
    'raw memtable columns are inconsistent',
  );
  const table = new SeriesMemtable();
  table.keys = raw.keys;
  table.values = raw.values;
  table.length = raw.keys.length;
  table.sortedCount = raw.sortedCount;
  return table.view();
}

/** All series not yet flushed, with the total byte estimate that triggers a flush. */
export class Memtable {
  readonly series = new Map<string, SeriesMemtable>();
  private estimatedBytes = 0;
  private tombstoneCount = 0;

  get bytes(): number {
    return this.estimatedBytes;
  }

  get tombstones(): number {
    return this.tombstoneCount;
  }

  get isEmpty(): boolean {
    return this.series.size === 0;
  }

  put(series: string, keys: BigInt64Array, values: Float64Array): void {
    assert(keys.length === values.length, 'memtable put with keys and values of different lengths');
    this.update(series, (table) => table.append(keys, values));
  }

  deleteRange(series: string, from: bigint, to: bigint): void {
    this.update(series, (table) => table.deleteRange(from, to));
  }

  drop(series: string): void {
    this.update(series, (table) => table.drop());
  }

  get(series: string): SeriesMemtable | undefined {
    return this.series.get(series);
  }

  private update(series: string, change: (table: SeriesMemtable) => void): void {
    let table = this.series.get(series);
    let before = 0;
    if (table === undefined) {
      // A new series is charged in full: its own object and its initial capacity.
      table = new SeriesMemtable();
      this.series.set(series, table);
    } else {
      before = table.bytes();
    }
    const tombstonesBefore = table.tombstones.length;
    change(table);
    this.estimatedBytes += table.bytes() - before;
    this.tombstoneCount += table.tombstones.length - tombstonesBefore;
  }
}
