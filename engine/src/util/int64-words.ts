import { assert } from '../errors.ts';

/**
 * Int64 keys read as their two 32-bit words. Reading a BigInt64Array element allocates a BigInt:
 * a check over every key of a write batch made two BigInts per point, a quarter of the JavaScript
 * garbage of a 1,000-point POST (sampled), and that garbage sets off the collections that pause
 * the event loop.
 */

// Int64 words are in platform byte order; the word view assumes little-endian (every platform
// Node ships for but s390x); big-endian hosts take the bigint path.
export const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** The keys' words as Int32 (low word at 2i, high word at 2i + 1), or undefined on a big-endian host. */
export function int64Words(keys: BigInt64Array): Int32Array | undefined {
  return littleEndian ? new Int32Array(keys.buffer, keys.byteOffset, keys.length * 2) : undefined;
}

/**
 * The first position in [from, to) whose key is not greater than the key before it, or `to` when
 * every one is (position 0 has none before it, and counts as in order). In int64 order, without a
 * BigInt per key.
 */
export function endOfIncreasingRun(keys: BigInt64Array, from: number, to: number): number {
  assert(Number.isInteger(from) && from >= 0 && from <= to && to <= keys.length, 'a run within the keys');
  const start = Math.max(from, 1);
  const words = int64Words(keys);
  if (words === undefined) {
    for (let i = start; i < to; i++) if (!(keys[i - 1]! < keys[i]!)) return i;
    return to;
  }
  for (let i = start; i < to; i++) if (compareWords(words, i - 1, words, i) >= 0) return i;
  return to;
}

/**
 * Key x of `a` against key y of `b` (each an int64Words view) in int64 order: negative, zero or
 * positive. Signed high words first; on a tie, the low words as unsigned.
 */
export function compareWords(a: Int32Array, x: number, b: Int32Array, y: number): number {
  const high = a[2 * x + 1]! - b[2 * y + 1]!;
  return high !== 0 ? high : (a[2 * x]! >>> 0) - (b[2 * y]! >>> 0);
}

/**
 * keys[a] against keys[b] in int64 order: negative, zero or positive. Through `words` (the keys'
 * int64Words) when given, else with BigInts.
 */
export function compareKeysAt(
  keys: BigInt64Array,
  words: Int32Array | undefined,
  a: number,
  b: number,
): number {
  if (words === undefined) return keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0;
  return compareWords(words, a, words, b);
}

/** target[to] = keys[from], through both arrays' words when given (no BigInt made). */
export function copyKeyAt(
  keys: BigInt64Array,
  words: Int32Array | undefined,
  from: number,
  target: BigInt64Array,
  targetWords: Int32Array | undefined,
  to: number,
): void {
  if (words === undefined || targetWords === undefined) {
    target[to] = keys[from]!;
    return;
  }
  targetWords[2 * to] = words[2 * from]!;
  targetWords[2 * to + 1] = words[2 * from + 1]!;
}
