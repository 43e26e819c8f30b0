/**
 * Reading a BigInt64Array element allocates a BigInt, and bigint arithmetic is a bignum routine:
 * both cost more than summing the values they guard. Keys within ±2^52 (epoch milliseconds and
 * microseconds, and most counters) are read instead as two 32-bit halves of the same buffer and
 * combined into an exact double, and their bucket arithmetic runs in doubles, exact below 2^53.
 */
export const smallKeyMagnitudeMax = 2 ** 52;

/** The key at `position`, exact when it lies within ±2^53. */
export function smallKeyAt(view: Int32Array, position: number): number {
  return view[2 * position + 1]! * 4294967296 + (view[2 * position]! >>> 0);
}

/** The first position in [lo, hi) whose key is > `last` (hi when none), galloping from lo. */
export function firstSmallKeyAbove(view: Int32Array, last: number, lo: number, hi: number): number {
  let below = lo;
  let step = 1;
  let probe = lo;
  while (probe < hi && smallKeyAt(view, probe) <= last) {
    below = probe + 1;
    probe = lo + step * 2 - 1;
    step *= 2;
  }
  let high = Math.min(probe, hi);
  while (below < high) {
    const mid = (below + high) >>> 1;
    if (smallKeyAt(view, mid) <= last) below = mid + 1;
    else high = mid;
  }
  return below;
}

/** floor(key / width) * width for integer doubles within ±2^52 (width <= 2^52): exact. */
export function smallBucketStartOf(key: number, width: number): number {
  return key - (((key % width) + width) % width);
}
