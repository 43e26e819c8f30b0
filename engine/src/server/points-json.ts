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
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class Cursor {
  at = 0;
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

  /** A JSON integer that is a safe integer (what the engine accepts as a number key), or undefined. */
  safeInteger(): number | undefined {
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
    if (digits === 0 || (digits > 1 && bytes[start] === digit0)) return undefined;
    const next = bytes[this.at];
    if (next === dot || next === lowerE || next === upperE) return undefined;
    // Partial sums stay exact below 2^53, and rounding is monotone: an unsafe value never looks safe.
    if (digits > 16 || value > Number.MAX_SAFE_INTEGER) return undefined;
    return negative ? -value : value;
  }

  /**
   * A JSON number, exactly as JSON.parse reads it, or undefined. Up to 15 significant digits
   * without an exponent, it is an exact integer divided by an exact power of ten: one correctly
   * rounded division, the correctly rounded value. Anything longer goes through Number(), which
   * rounds correctly too; a number out of the double range comes out infinite and is left to the
   * ordinary parse, whose engine call refuses it.
   */
  finiteNumber(): number | undefined {
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
    if (intDigits === 0 || (intDigits > 1 && bytes[intStart] === digit0)) return undefined;
    let fractionDigits = 0;
    if (bytes[this.at] === dot) {
      this.at++;
      while (this.at < bytes.length && bytes[this.at]! >= digit0 && bytes[this.at]! <= digit9) {
        mantissa = mantissa * 10 + (bytes[this.at]! - digit0);
        this.at++;
        fractionDigits++;
      }
      if (fractionDigits === 0) return undefined;
    }
    let exponent = false;
    if (bytes[this.at] === lowerE || bytes[this.at] === upperE) {
      exponent = true;
      this.at++;
      if (bytes[this.at] === plus || bytes[this.at] === minus) this.at++;
      const expStart = this.at;
      while (this.at < bytes.length && bytes[this.at]! >= digit0 && bytes[this.at]! <= digit9) this.at++;
      if (this.at === expStart) return undefined;
    }
    let value: number;
    if (!exponent && intDigits + fractionDigits <= exactDigitsMax) {
      value = mantissa / powersOfTen[fractionDigits]!;
      if (negative) value = -value;
    } else {
      value = Number(Buffer.from(bytes.buffer, bytes.byteOffset + start, this.at - start).toString('latin1'));
    }
    return Number.isFinite(value) ? value : undefined;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.at === this.bytes.length;
  }
}

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
    const key = cursor.safeInteger();
    if (key === undefined || !cursor.take(comma)) return undefined;
    const value = cursor.finiteNumber();
    if (value === undefined || !cursor.take(closeBracket)) return undefined;
    if (littleEndian) {
      // The int64's two's-complement words without a BigInt per key: the low word is the key
      // modulo 2^32 (>>> 0 is exactly that for any integer number), the high word the rest.
      words[count * 2] = key >>> 0;
      words[count * 2 + 1] = Math.floor(key / twoTo32);
    } else {
      keys[count] = BigInt(key);
    }
    values[count] = value;
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
