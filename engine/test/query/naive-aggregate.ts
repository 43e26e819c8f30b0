import { expect } from 'vitest';
import { type AggregateBucket, type AggregateFn, aggregateFns } from '../../src/query/aggregate-options.ts';

/**
 * The reference for aggregates: obviously right, not fast. Sums are exact. Every finite double
 * is an integer multiple of 2^-1074 (the smallest subnormal), so scaling by 2^1074 turns it
 * into a BigInt with no rounding at all (sign, then the 53-bit significand shifted by the
 * exponent); BigInt addition is exact, so the reference sum and the sum of absolute values are
 * exact rationals over 2^1074, and a computed double is compared with them exactly too.
 */
export function scaledExact(x: number): bigint {
  if (!Number.isFinite(x)) throw new RangeError(`not finite: ${x}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // Subnormals (exponent 0) are fraction * 2^-1074; normals are (2^52 + fraction) * 2^(exponent - 1075).
  const magnitude = exponent === 0 ? fraction : (fraction | (1n << 52n)) << BigInt(exponent - 1);
  return bits >> 63n === 1n ? -magnitude : magnitude;
}

export interface ExactSum {
  /** The exact sum, scaled by 2^1074. */
  readonly sum: bigint;
  /** The exact sum of absolute values, scaled by 2^1074. */
  readonly absSum: bigint;
}

export function exactSum(values: Iterable<number>): ExactSum {
  let sum = 0n;
  let absSum = 0n;
  for (const value of values) {
    const scaled = scaledExact(value);
    sum += scaled;
    absSum += scaled < 0n ? -scaled : scaled;
  }
  return { sum, absSum };
}

/**
 * For a sum (count 1): |computed - exact| <= 1e-12 * sum|x|. For a mean of `count` values:
 * |computed * count - exact| <= 1e-12 * sum|x| + count * 2^-1075, the second term being half
 * the smallest subnormal per value, the rounding that dividing into the subnormal range may add
 * to any float64 mean however exact the sum (sums need no such slack: below 2^-1022 adding
 * doubles is exact). Decided in exact integer arithmetic, scaled by 2^1075.
 */
export function withinRelative(computed: number, exact: ExactSum, count = 1): boolean {
  if (!Number.isFinite(computed)) return false;
  const n = BigInt(count);
  const difference = scaledExact(computed) * n - exact.sum;
  const magnitude = difference < 0n ? -difference : difference;
  const slack = count === 1 ? 0n : n * 10n ** 12n;
  return 2n * magnitude * 10n ** 12n <= 2n * exact.absSum + slack;
}

/** floor(key / width), written differently from the engine's bucketStartOf on purpose. */
export function floorDiv(key: bigint, width: bigint): bigint {
  const quotient = key / width;
  return quotient * width > key ? quotient - 1n : quotient;
}

export interface NaiveBucket {
  readonly start: bigint;
  readonly values: number[];
}

/** Groups sorted points into buckets (or one bucket starting at `from` when width is undefined). */
export function naiveBuckets(
  points: readonly (readonly [bigint, number])[],
  from: bigint,
  width: bigint | undefined,
): NaiveBucket[] {
  const buckets: NaiveBucket[] = [];
  for (const [key, value] of points) {
    const start = width === undefined ? from : floorDiv(key, width) * width;
    const last = buckets[buckets.length - 1];
    if (last !== undefined && last.start === start) last.values.push(value);
    else buckets.push({ start, values: [value] });
  }
  return buckets;
}

/**
 * Checks an aggregate result against the reference: the same buckets, count, min, max, first
 * and last exactly (Object.is, so -0 and +0 differ), sum and mean within 1e-12 of the sum of
 * absolute values, and exactly the requested fields.
 */
export function expectAgrees(
  actual: readonly AggregateBucket[],
  expected: readonly NaiveBucket[],
  fns: readonly AggregateFn[] = aggregateFns,
): void {
  expect(actual.map((b) => b.start)).toEqual(expected.map((b) => b.start));
  for (let i = 0; i < expected.length; i++) {
    const got = actual[i]!;
    const want = expected[i]!;
    const fields = Object.keys(got).sort();
    expect(fields).toEqual(['count', 'start', ...fns.filter((fn) => fn !== 'count')].sort());
    expect(got.count).toBe(want.values.length);
    if (fns.includes('min')) expect(got.min).toBe(Math.min(...want.values));
    if (fns.includes('max')) expect(got.max).toBe(Math.max(...want.values));
    if (fns.includes('first')) expect(got.first).toBe(want.values[0]);
    if (fns.includes('last')) expect(got.last).toBe(want.values[want.values.length - 1]);
    if (fns.includes('sum') || fns.includes('mean')) {
      const exact = exactSum(want.values);
      if (fns.includes('sum') && !withinRelative(got.sum!, exact)) {
        expect.fail(`bucket ${want.start}: sum ${got.sum} is not within 1e-12 of ${describe(exact)}`);
      }
      if (fns.includes('mean') && !withinRelative(got.mean!, exact, want.values.length)) {
        expect.fail(`bucket ${want.start}: mean ${got.mean} is not within 1e-12 of ${describe(exact)}/n`);
      }
    }
  }
}

function describe(exact: ExactSum): string {
  return `exact ${exact.sum} * 2^-1074`;
}
