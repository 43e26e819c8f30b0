import { assert } from '../errors.ts';
import { compareWords, int64Words } from '../util/int64-words.ts';

/** Sorted columns of one series: strictly increasing keys, a value per key. */
export interface SortedColumns {
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
}

/**
 * The merge of two sorted runs (each strictly increasing), the newer run's value winning where a
 * key is in both, done in steps of a bounded number of output rows so that a caller can yield
 * between them. Keys are compared and copied as their 32-bit words: a BigInt per key read made
 * the merge the largest cost of the segment worker under ingest (flush read-back and compaction),
 * and its garbage. A big-endian host (no word view) compares BigInts.
 */
export class NewerWinsMerge {
  private readonly keys: BigInt64Array;
  private readonly values: Float64Array;
  private readonly olderWords: Int32Array | undefined;
  private readonly newerWords: Int32Array | undefined;
  private readonly outWords: Int32Array | undefined;
  private i = 0;
  private j = 0;
  private out = 0;

  constructor(
    private readonly older: SortedColumns,
    private readonly newer: SortedColumns,
  ) {
    this.keys = new BigInt64Array(older.keys.length + newer.keys.length);
    this.values = new Float64Array(this.keys.length);
    this.olderWords = int64Words(older.keys);
    this.newerWords = int64Words(newer.keys);
    this.outWords = int64Words(this.keys);
  }

  get done(): boolean {
    return this.i === this.older.keys.length && this.j === this.newer.keys.length;
  }

  /** Merges up to `rows` more output rows. */
  step(rows: number): void {
    assert(rows > 0, 'a merge step makes progress');
    const end = Math.min(this.keys.length, this.out + rows);
    if (this.olderWords !== undefined && this.newerWords !== undefined && this.outWords !== undefined) {
      this.stepByWords(end, this.olderWords, this.newerWords, this.outWords);
    } else {
      this.stepByBigInt(end);
    }
  }

  /** The merged columns (views of exactly the rows written); only once done. */
  result(): SortedColumns {
    assert(this.done, 'a merge is read once it is done');
    return { keys: this.keys.subarray(0, this.out), values: this.values.subarray(0, this.out) };
  }

  /**
   * The merge through words, in runs: the older keys below the newer run's next key are copied
   * as one block (found by galloping), then the newer keys below the older run's next key, then
   * one equal key (the newer value wins). Time-series segments barely overlap, so a compaction's
   * merge is mostly block copies; interleaved runs cost a comparison or two per key.
   */
  private stepByWords(end: number, older: Int32Array, newer: Int32Array, out: Int32Array): void {
    const olderLength = this.older.keys.length;
    const newerLength = this.newer.keys.length;
    let { i, j, out: o } = this;
    while (o < end && i < olderLength && j < newerLength) {
      const olderRun = endOfRunBelow(older, i, olderLength, newer, j) - i;
      if (olderRun > 0) {
        const n = Math.min(olderRun, end - o);
        this.copyRun(this.older, older, i, out, o, n);
        i += n;
        o += n;
        continue;
      }
      const newerRun = endOfRunBelow(newer, j, newerLength, older, i) - j;
      const n = Math.min(Math.max(newerRun, 1), end - o);
      // No newer key below older[i]: then newer[j] equals it, and the older point is replaced.
      if (newerRun === 0) i++;
      this.copyRun(this.newer, newer, j, out, o, n);
      j += n;
      o += n;
    }
    // One run is used up (or the step is): the rest of the other is a block copy.
    if (o < end && i < olderLength) {
      const n = Math.min(end - o, olderLength - i);
      this.copyRun(this.older, older, i, out, o, n);
      i += n;
      o += n;
    } else if (o < end && j < newerLength) {
      const n = Math.min(end - o, newerLength - j);
      this.copyRun(this.newer, newer, j, out, o, n);
      j += n;
      o += n;
    }
    this.i = i;
    this.j = j;
    this.out = o;
  }

  /** Copies n points of `from` starting at `at` to the output at `to`: short runs word by word. */
  private copyRun(
    from: SortedColumns,
    words: Int32Array,
    at: number,
    out: Int32Array,
    to: number,
    n: number,
  ): void {
    if (n < blockCopyPointsMin) {
      for (let k = 0; k < n; k++) {
        out[2 * (to + k)] = words[2 * (at + k)]!;
        out[2 * (to + k) + 1] = words[2 * (at + k) + 1]!;
        this.values[to + k] = from.values[at + k]!;
      }
      return;
    }
    this.keys.set(from.keys.subarray(at, at + n), to);
    this.values.set(from.values.subarray(at, at + n), to);
  }

  private stepByBigInt(end: number): void {
    const { older, newer, keys, values } = this;
    while (this.out < end && (this.i < older.keys.length || this.j < newer.keys.length)) {
      const a = this.i < older.keys.length ? older.keys[this.i]! : undefined;
      const b = this.j < newer.keys.length ? newer.keys[this.j]! : undefined;
      if (b === undefined || (a !== undefined && a < b)) {
        keys[this.out] = a!;
        values[this.out++] = older.values[this.i++]!;
      } else {
        if (a === b) this.i++;
        keys[this.out] = b;
        values[this.out++] = newer.values[this.j++]!;
      }
    }
  }
}

/** Runs shorter than this are copied point by point: a block copy's two views cost more. */
const blockCopyPointsMin = 16;

/**
 * The first position in [from, to) of the sorted `run` whose key is not below `other[at]` (to if
 * none): galloping (1, 2, 4, ... ahead), then a binary search in the last step, so a long run
 * costs its logarithm and a short one a comparison or two.
 */
function endOfRunBelow(run: Int32Array, from: number, to: number, other: Int32Array, at: number): number {
  if (from >= to || compareWords(run, from, other, at) >= 0) return from;
  let low = from; // below
  let step = 1;
  let high = from + step; // unknown
  while (high < to && compareWords(run, high, other, at) < 0) {
    low = high;
    step *= 2;
    high = from + step;
  }
  high = Math.min(high, to);
  // run[low] is below; run[high] is not (or high === to).
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if (compareWords(run, middle, other, at) < 0) low = middle;
    else high = middle;
  }
  return high;
}

/** The whole merge at once (a memtable's sorted prefix and its sorted tail). */
export function mergeNewerWins(older: SortedColumns, newer: SortedColumns): SortedColumns {
  const merge = new NewerWinsMerge(older, newer);
  merge.step(Number.POSITIVE_INFINITY);
  return merge.result();
}
