import { OmenDbError, type Prng } from '@omendb/engine';
import type { Point } from '../../adapter.ts';
import { seriesHashOf } from './point-checksum.ts';
import { hashWords3 } from './word-hash.ts';

/**
 * The scale scenario's data, computed from the seed alone, so nothing of it is ever held whole:
 * any point, any batch, any expected range or aggregate is recomputed on demand.
 * - Keys are microsecond timestamps: key_i = base + i * 1000 + jitter_i with jitter_i in
 *   [0, 500), so the gaps are irregular (the learned index cannot fit a straight line exactly).
 * - key_i + 500 lies strictly between key_i and key_(i+1): a key provably absent. Keys before
 *   the first and after the last point are absent too.
 * - Values are multiples of 2^-10 below 2^21 in magnitude: every partial sum of up to 2^22 of
 *   them is exact in float64, whatever the order, so an aggregate's sum is compared exactly.
 */

export type ShapeName = 'one' | 'many';
export const shapeNames: readonly ShapeName[] = ['one', 'many'];

/** 2023-11-14T22:13:20Z in microseconds; base + i * 1000 stays a safe integer for i < 7 * 10^12. */
export const keyBase = 1_700_000_000_000_000;
export const keyStep = 1_000;
export const jitterSpan = 500;
/** key_i + absentOffset is never a key: the next key is at least keyStep - jitterSpan + 1 later. */
export const absentOffset = 500n;

const jitterSalt = 0x0a11ce01;
const valueSalt = 0x0a11ce02;
const outsideSalt = 0x0a11ce03;
const valueScale = 1024;

export interface Batch {
  readonly seriesIndex: number;
  readonly series: string;
  readonly seriesHash: number;
  /** Index of the batch's first point in its series. */
  readonly first: number;
  readonly points: Point[];
}

export interface GeneratedSpan {
  /** The series' index, its name, and the span's first point and length. */
  readonly s: number;
  readonly series: string;
  readonly first: number;
  readonly span: number;
  /** The keys of its first and last points. */
  readonly from: bigint;
  readonly to: bigint;
}

export class PointGenerator {
  private readonly perSeries: number;
  private readonly remainder: number;

  constructor(
    readonly seed: number,
    readonly shape: ShapeName,
    /** Points across every series. */
    readonly points: number,
    readonly seriesCount: number,
  ) {
    if (!Number.isSafeInteger(points) || points < 1)
      throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', `scale needs at least one point, not ${points}`);
    if (!Number.isSafeInteger(seriesCount) || seriesCount < 1 || seriesCount > points)
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_USAGE',
        `the ${shape} shape needs 1 to ${points} series (one point each at least), not ${seriesCount}`,
      );
    this.perSeries = Math.floor(points / seriesCount);
    this.remainder = points % seriesCount;
  }

  seriesName(s: number): string {
    return this.shape === 'one' ? 'scale-one' : `scale-many-${String(s).padStart(6, '0')}`;
  }

  /** A name this shape's series take (other series of the engine are none of its business). */
  isShapeSeries(name: string): boolean {
    return this.shape === 'one' ? name === 'scale-one' : /^scale-many-\d{6,}$/.test(name);
  }

  /** Points of series s: the total spread evenly, the first `remainder` series one more. */
  seriesPoints(s: number): number {
    return this.perSeries + (s < this.remainder ? 1 : 0);
  }

  keyNumber(s: number, i: number): number {
    return keyBase + i * keyStep + (hashWords3(jitterSalt, this.seed, s, i) % jitterSpan);
  }

  key(s: number, i: number): bigint {
    return BigInt(this.keyNumber(s, i));
  }

  value(s: number, i: number): number {
    return (hashWords3(valueSalt, this.seed, s, i) | 0) / valueScale;
  }

  /**
   * A run of up to spanPoints consecutive points of a random series, drawn from prng: the range
   * scans and the aggregates query it with both bounds on written keys (the range includes them).
   */
  randomSpan(prng: Prng, spanPoints: number): GeneratedSpan {
    const s = prng.int(this.seriesCount);
    const total = this.seriesPoints(s);
    const span = Math.min(spanPoints, total);
    const first = prng.int(total - span + 1);
    return {
      s,
      first,
      span,
      series: this.seriesName(s),
      from: this.key(s, first),
      to: this.key(s, first + span - 1),
    };
  }

  /** A key strictly between point i and point i + 1 (after the last point when i is the last). */
  absentBetween(s: number, i: number): bigint {
    return this.key(s, i) + absentOffset;
  }

  /** A key before the first point (r even) or after the last one (r odd), from a draw r. */
  absentOutside(s: number, r: number): bigint {
    const distance = BigInt(keyStep * (1 + (hashWords3(outsideSalt, this.seed, s, r) % 1_000_000)));
    if (r % 2 === 0) return BigInt(keyBase) - distance;
    return this.key(s, this.seriesPoints(s) - 1) + distance;
  }

  /** Points first .. first + count - 1 of series s. */
  pointsOf(s: number, first: number, count: number): Point[] {
    const points: Point[] = new Array(count);
    for (let j = 0; j < count; j++) points[j] = [this.key(s, first + j), this.value(s, first + j)];
    return points;
  }

  /** Every point, series after series, in batches of at most batchPoints; made as they are taken. */
  *batches(batchPoints: number): Generator<Batch> {
    if (!Number.isSafeInteger(batchPoints) || batchPoints < 1)
      throw new Error(`OmenDB harness invariant violated: batchPoints ${batchPoints} is not positive`);
    for (let s = 0; s < this.seriesCount; s++) {
      const series = this.seriesName(s);
      const seriesHash = seriesHashOf(series);
      const total = this.seriesPoints(s);
      for (let first = 0; first < total; first += batchPoints) {
        const points = this.pointsOf(s, first, Math.min(batchPoints, total - first));
        yield { seriesIndex: s, series, seriesHash, first, points };
      }
    }
  }

  /** Write batches in all: what the progress of an ingest counts against. */
  batchCount(batchPoints: number): number {
    const big = Math.ceil((this.perSeries + 1) / batchPoints);
    const small = Math.ceil(this.perSeries / batchPoints);
    return this.remainder * big + (this.seriesCount - this.remainder) * small;
  }
}
