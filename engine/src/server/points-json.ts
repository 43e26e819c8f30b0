import { littleEndian } from '../util/int64-words.ts';
/**
 * The common shape of a JSON write, `{"points":[[key,value],...]}` with integer keys and plain
 * numbers, read straight from the body's bytes into columns. JSON.parse of a 1,000-point body
 * builds 1,000 arrays and 2,000 heap numbers (about 100 KB of garbage a request), then the engine
 * turns every key into a BigInt: under ingest that parse was a third of the event loop's time and
 * most of its garbage collection. Anything this scanner is not sure of (a string key, an exponent
 * in a key, a long mantissa it cannot round exactly, a malformed body, more points than a request
 * may hold) answers `undefined`, and the caller parses the body the ordinary way, so errors and
 * edge cases keep their one implementation.
 */

export interface PointColumns {
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
}

const space = 0x20;
const tab = 0x09;
const newline = 0x0a;
const carriageReturn = 0x0d;
const comma = 0x2c;
const minus = 0x2d;
const plus = 0x2b;
const dot = 0x2e;
const digit0 = 0x30;
const digit9 = 0x39;
const colon = 0x3a;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;
const lowerE = 0x65;
const upperE = 0x45;
const pointsProperty = Buffer.from('"points"', 'latin1');

/** Smallest bytes a point takes in a body, `[0,0]` and its comma: bounds the columns' size. */
const pointBytesMin = 6;
/** Decimal digits whose value is exact in a double (< 2^53), and the exact powers of ten. */
const exactDigitsMax = 15;
const powersOfTen = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** 2^32, to split a safe integer into the two 32-bit halves of an int64. */
const twoTo32 = 4294967296;
/** Keys go into the int64 column as two 32-bit words, low word first: only on little-endian hosts. */

class Cursor {
  at = 0;
  /**
   * The number the last safeInteger() or finiteNumber() read. A field, not a return value: a
   * double returned as `number | undefined` is boxed in a heap number (keys past 2^31 and most
   * values are not small integers), which made two heap objects per point, the largest part of a
   * POST's JavaScript garbage (sampled). A double field is updated in place. NaN: starts as a double.
   */
  number = Number.NaN;
  constructor(readonly bytes: Uint8Array) {}

  skipSpace(): void {
    const bytes = this.bytes;
    let at = this.at;
    while (at < bytes.length) {
      const c = bytes[at]!;
      if (c !== space && c !== newline && c !== carriageReturn && c !== tab) break;
      at++;
    }
    this.at = at;
  }

  /** Consumes `byte` after optional whitespace; false if something else comes. */
  take(byte: number): boolean {
    this.skipSpace();
    if (this.bytes[this.at] !== byte) return false;
    this.at++;
    return true;
  }

  takeLiteral(literal: Uint8Array): boolean {
    this.skipSpace();
    for (let i = 0; i < literal.length; i++) if (this.bytes[this.at + i] !== literal[i]) return false;
    this.at += literal.length;
    return true;
  }

  /**
   * Reads a JSON integer that is a safe integer (what the engine accepts as a number key) into
   * `number`; false for anything else.
   */
  safeInteger(): boolean {
    this.skipSpace();
    const bytes = this.bytes;
    const negative = bytes[this.at] === minus;
    if (negative) this.at++;
    const start = this.at;
    let value = 0;
    while (this.at < bytes.length) {
      const c = bytes[this.at]!;
      if (c < digit0 || c > digit9) break;
      value = value * 10 + (c - digit0);
      this.at++;
    }
    const digits = this.at - start;
    // No digits, a leading zero (not JSON), or a fraction or exponent: the ordinary parse decides.
    if (digits === 0 || (digits > 1 && bytes[start] === digit0)) return false;
    const next = bytes[this.at];
    if (next === dot || next === lowerE || next === upperE) return false;
    // Partial sums stay exact below 2^53, and rounding is monotone: an unsafe value never looks safe.
    if (digits > 16 || value > Number.MAX_SAFE_INTEGER) return false;
    this.number = negative ? -value : value;
    return true;
  }

  /**
   * Reads a JSON number into `number`, exactly as JSON.parse reads it; false for anything else,
   * and for a number out of the double range. Up to 15 significant digits
   * without an exponent, it is an exact integer divided by an exact power of ten: one correctly
   * rounded division, the correctly rounded value. Anything longer goes through Number(), which
   * rounds correctly too; a number out of the double range comes out infinite and is left to the
   * ordinary parse, whose engine call refuses it.
   */
  finiteNumber(): boolean {
    this.skipSpace();
    const bytes = this.bytes;
    const start = this.at;
    const negative = bytes[this.at] === minus;
    if (negative) this.at++;
    const intStart = this.at;
    let mantissa = 0;
    while (this.at < bytes.length && bytes[this.at]! >= digit0 && bytes[this.at]! <= digit9) {
      mantissa = mantissa * 10 + (bytes[this.at]! - digit0);
      this.at++;
    }
    const intDigits = this.at - intStart;
    if (intDigits === 0 || (intDigits > 1 && bytes[intStart] === digit0)) return false;
    let fractionDigits = 0;
    if (bytes[this.at] === dot) {
      this.at++;
      while (this.at < bytes.length && bytes[this.at]! >= digit0 && bytes[this.at]! <= digit9) {
        mantissa = mantissa * 10 + (bytes[this.at]! - digit0);
        this.at++;
        fractionDigits++;
      }
      if (fractionDigits === 0) return false;
    }
    let exponent = false;
    if (bytes[this.at] === lowerE || bytes[this.at] === upperE) {
      exponent = true;
      this.at++;
      if (bytes[this.at] === plus || bytes[this.at] === minus) this.at++;
      const expStart = this.at;
      while (this.at < bytes.length && bytes[this.at]! >= digit0 && bytes[this.at]! <= digit9) this.at++;
      if (this.at === expStart) return false;
    }
    const digits = intDigits + fractionDigits;
    if (!exponent && digits <= exactDigitsMax) {
      const value = mantissa / powersOfTen[fractionDigits]!;
      this.number = negative ? -value : value;
      return true;
    }
    if (
      !exponent &&
      digits <= longDigitsMax &&
      fractionDigits < powersOfTen.length &&
      longDecimal(bytes, intStart, this.at, digits, fractionDigits)
    ) {
      const value = longDecimalResult[0]!;
      this.number = negative ? -value : value;
      return true;
    }
    const parsed = Number(
      Buffer.from(bytes.buffer, bytes.byteOffset + start, this.at - start).toString('latin1'),
    );
    if (!Number.isFinite(parsed)) return false;
    this.number = parsed;
    return true;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.at === this.bytes.length;
  }
}

/** Where longDecimal leaves its result (a returned double would be boxed in a heap number). */
const longDecimalResult = new Float64Array(1);

/**
 * 16 to 19 significant digits without an exponent (what JSON.stringify writes for most doubles:
 * `12345.0048828125`, `0.14285714285714285`), correctly rounded without making a string, into
 * longDecimalResult; false when the caller must ask Number(). Number() of a string made per value was the
 * event loop's largest cost under ingest (a fifth of its busy time, and garbage).
 *
 * The digits are an integer N below 10^19, held exactly as a double-double (hi·10^8 + lo, with
 * Dekker's exact product and sum), divided by 10^f (exact up to 10^22) in double-double: the pair
 * (a, b) is within about 2^-104·|a| of N/10^f, and a = RN(a + b). So a is the correctly rounded
 * N/10^f unless a + b lies within that error of a rounding boundary (a halfway point between two
 * doubles): then, and when a is a power of two (where the boundary below is nearer), false.
 */
function longDecimal(
  bytes: Uint8Array,
  from: number,
  to: number,
  digits: number,
  fractionDigits: number,
): boolean {
  // hi: every digit but the last 8; lo: the last 8 (the decimal point skipped).
  let hi = 0;
  let lo = 0;
  const hiDigits = digits - loDigits;
  let seen = 0;
  for (let at = from; at < to; at++) {
    const c = bytes[at]!;
    if (c === dot) continue;
    if (seen < hiDigits) hi = hi * 10 + (c - digit0);
    else lo = lo * 10 + (c - digit0);
    seen++;
  }
  if (hi === 0 && lo === 0) {
    longDecimalResult[0] = 0;
    return true;
  }
  // N = hi·10^8 + lo exactly, as n1 + n2 (integers below 2^64: every error term is exact).
  // Dekker's TwoProduct of hi and 10^8 (10^8 split once, below), then Knuth's TwoSum with lo.
  const p = hi * loScale;
  let t = splitter * hi;
  const hiHigh = t - (t - hi);
  const hiLow = hi - hiHigh;
  const e = hiHigh * loScaleHigh - p + hiHigh * loScaleLow + hiLow * loScaleHigh + hiLow * loScaleLow;
  const s1 = p + lo;
  const loVirtual = s1 - p;
  const s2 = p - (s1 - loVirtual) + (lo - loVirtual) + e;
  const n1 = s1 + s2;
  const n2 = s2 - (n1 - s1);
  // (n1 + n2) / 10^f: q1 = n1/D, the remainder n1 - q1·D (TwoProduct, exact) plus n2, over D.
  const divisor = powersOfTen[fractionDigits]!;
  const divisorHigh = powersOfTenHigh[fractionDigits]!;
  const divisorLow = powersOfTenLow[fractionDigits]!;
  const q1 = n1 / divisor;
  const product = q1 * divisor;
  t = splitter * q1;
  const q1High = t - (t - q1);
  const q1Low = q1 - q1High;
  const productError =
    q1High * divisorHigh - product + q1High * divisorLow + q1Low * divisorHigh + q1Low * divisorLow;
  const q2 = (n1 - product - productError + n2) / divisor;
  // TwoSum(q1, q2): a = RN(q1 + q2), b its exact error.
  const a = q1 + q2;
  const q2Virtual = a - q1;
  const b = q1 - (a - q2Virtual) + (q2 - q2Virtual);
  bits[0] = a;
  const high = words32[highWord]!;
  const exponentBits = (high >>> 20) & 0x7ff;
  // A power of two has a nearer boundary below; zero, subnormal, infinite: all left to Number().
  if (exponentBits === 0 || exponentBits === 0x7ff || ((high & 0xfffff) === 0 && words32[1 - highWord] === 0))
    return false;
  const halfUlp = powersOfTwo[exponentBits - 1076 + powersOfTwoOffset]!;
  if (!(halfUlp - Math.abs(b) > Math.abs(a) * roundingMargin)) return false;
  longDecimalResult[0] = a;
  return true;
}

/** Digits of a number the long path takes (N < 10^19 < 2^64), and how many go in `lo`. */
const longDigitsMax = 19;
const loDigits = 8;
const loScale = 1e8;
/** How close to a halfway point the double-double may land before Number() decides: 2^-96·|a|, far above its 2^-104 error. */
const roundingMargin = 2 ** -96;
/** Veltkamp's splitter for doubles, 2^27 + 1: x = high + low, each half of x's 53 bits. */
const splitter = 134217729;
function splitHigh(x: number): number {
  const t = splitter * x;
  return t - (t - x);
}
const loScaleHigh = splitHigh(loScale);
const loScaleLow = loScale - loScaleHigh;
const powersOfTenHigh = powersOfTen.map(splitHigh);
const powersOfTenLow = powersOfTen.map((power, i) => power - powersOfTenHigh[i]!);
/** 2^k for every k a normal double's half ulp can have (-1075 to 970), by k + powersOfTwoOffset. */
const powersOfTwoOffset = 1076;
const powersOfTwo = Array.from({ length: 2047 }, (_, i) => 2 ** (i - powersOfTwoOffset));
const bits = new Float64Array(1);
const words32 = new Uint32Array(bits.buffer);
const highWord = littleEndian ? 1 : 0;

/**
 * The points of a body of exactly the shape `{"points":[[key,value],...]}` (JSON whitespace
 * anywhere between tokens), 1 to `pointsMax` of them, keys safe integers and values finite;
 * undefined for anything else, which the caller then parses as JSON.
 */
export function scanPointsJson(body: Uint8Array, pointsMax: number): PointColumns | undefined {
  const cursor = new Cursor(body);
  if (!cursor.take(openBrace) || !cursor.takeLiteral(pointsProperty) || !cursor.take(colon)) return undefined;
  if (!cursor.take(openBracket)) return undefined;
  const capacity = Math.min(pointsMax, Math.ceil(body.length / pointBytesMin));
  const { keys, words, values } = scratchFor(capacity);
  let count = 0;
  do {
    if (count === capacity || !cursor.take(openBracket)) return undefined;
    if (!cursor.safeInteger()) return undefined;
    const key = cursor.number;
    if (!cursor.take(comma) || !cursor.finiteNumber()) return undefined;
    values[count] = cursor.number;
    if (!cursor.take(closeBracket)) return undefined;
    if (littleEndian) {
      // The int64's two's-complement words without a BigInt per key: the low word is the key
      // modulo 2^32 (>>> 0 is exactly that for any integer number), the high word the rest.
      words[count * 2] = key >>> 0;
      words[count * 2 + 1] = Math.floor(key / twoTo32);
    } else {
      keys[count] = BigInt(key);
    }
    count++;
  } while (cursor.take(comma));
  if (!cursor.take(closeBracket) || !cursor.take(closeBrace) || !cursor.atEnd()) return undefined;
  // Copies of exactly `count` points: the scratch columns are the next request's.
  return { keys: keys.slice(0, count), values: values.slice(0, count) };
}

/**
 * Columns the scanner fills before it knows the point count, kept between requests: sized from
 * the body length they would be three times the points' size, and off-heap allocations of that
 * much per request set off major garbage collections (V8 counts external memory).
 */
let scratch: { keys: BigInt64Array; words: Int32Array; values: Float64Array } | undefined;

function scratchFor(capacity: number): { keys: BigInt64Array; words: Int32Array; values: Float64Array } {
  if (scratch === undefined || scratch.keys.length < capacity) {
    const keys = new BigInt64Array(capacity);
    scratch = { keys, words: new Int32Array(keys.buffer), values: new Float64Array(capacity) };
  }
  return scratch;
}
