import type { Point } from '../../adapter.ts';
import { hashString, hashWords5 } from './word-hash.ts';

/**
 * An order-independent checksum of a set of (series, key, value): the sum modulo 2^64 of a 64-bit
 * hash of each point (two 32-bit lanes with a carry between them), and the count. The same points
 * in any order, in any batching, give the same checksum; a point lost, added, or with one bit of
 * its key or value changed gives another (the hash is a bijection of each word; see word-hash.ts).
 * A DataView splits the bigint key and the float64 value into words: no crypto, no bigint maths.
 */

const laneLowSalt = 0x5ca1e001;
const laneHighSalt = 0x5ca1e002;
const twoTo32 = 0x1_0000_0000;

export class PointChecksum {
  private pointCount = 0;
  private low = 0;
  private high = 0;
  private readonly words = new DataView(new ArrayBuffer(16));

  /** Points added so far. */
  get count(): number {
    return this.pointCount;
  }

  /** The 64-bit sum as 16 hex digits. */
  get hex(): string {
    return this.high.toString(16).padStart(8, '0') + this.low.toString(16).padStart(8, '0');
  }

  /** Adds the points of one series (seriesHash = seriesHashOf(name)). */
  addPoints(seriesHash: number, points: readonly Point[]): void {
    const words = this.words;
    let low = this.low;
    let high = this.high;
    for (const [key, value] of points) {
      words.setBigInt64(0, key, true);
      words.setFloat64(8, value, true);
      const k0 = words.getUint32(0, true);
      const k1 = words.getUint32(4, true);
      const v0 = words.getUint32(8, true);
      const v1 = words.getUint32(12, true);
      low += hashWords5(laneLowSalt, seriesHash, k0, k1, v0, v1);
      const carry = low >= twoTo32 ? 1 : 0;
      if (carry === 1) low -= twoTo32;
      high = (high + hashWords5(laneHighSalt, seriesHash, k0, k1, v0, v1) + carry) >>> 0;
    }
    this.low = low;
    this.high = high;
    this.pointCount += points.length;
  }

  /** Same count and same sum. */
  equals(other: PointChecksum): boolean {
    return this.pointCount === other.pointCount && this.low === other.low && this.high === other.high;
  }
}

/** The word a series contributes to each of its points' hashes. */
export function seriesHashOf(series: string): number {
  return hashString(series);
}
