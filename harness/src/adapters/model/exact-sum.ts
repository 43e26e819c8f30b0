/**
 * The exact sum of float64 values, rounded once to the nearest float64: the oracle the engine's
 * compensated sums are held to. Every finite double is an integer multiple of 2^-1074, so scaled
 * by 2^1074 each value is an exact bigint, and bigints add without rounding.
 */

const scaleExponent = 1074;
/** Bits kept before the one rounding to 53: 11 spare bits, the lowest of them sticky. */
const keptBits = 64;
const view = new DataView(new ArrayBuffer(8));

/** x * 2^1074 as an exact bigint (x finite). */
export function toScaled(x: number): bigint {
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // Subnormal: fraction * 2^-1074. Normal: (2^52 + fraction) * 2^(exponent - 1075).
  const magnitude = exponent === 0 ? fraction : (fraction | (1n << 52n)) << BigInt(exponent - 1);
  return bits >> 63n === 1n ? -magnitude : magnitude;
}

/** n * 2^-1074 rounded to the nearest float64 (ties to even), Infinity past the largest. */
export function fromScaled(n: bigint): number {
  if (n === 0n) return 0;
  const negative = n < 0n;
  let magnitude = negative ? -n : n;
  const length = magnitude.toString(2).length;
  let shift = 0;
  if (length > keptBits) {
    shift = length - keptBits;
    const dropped = magnitude & ((1n << BigInt(shift)) - 1n);
    magnitude >>= BigInt(shift);
    // A sticky bit: what was dropped still breaks a tie the right way in Number()'s rounding.
    if (dropped !== 0n) magnitude |= 1n;
  }
  // Number() rounds to 53 bits once; the power of two then scales exactly (or to a subnormal,
  // only when Number() was exact, or to Infinity when the sum is beyond the largest double).
  const value = Number(magnitude) * 2 ** (shift - scaleExponent);
  return negative ? -value : value;
}

export function exactSum(values: readonly number[]): number {
  let total = 0n;
  for (const value of values) total += toScaled(value);
  return fromScaled(total);
}
