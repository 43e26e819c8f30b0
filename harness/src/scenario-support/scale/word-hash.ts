/**
 * MurmurHash3 (x86, 32-bit) over whole 32-bit words, in plain integer arithmetic: fast enough to
 * run once per point at ten million points. Every step is a bijection of the running state, so
 * with the other words fixed the hash is a bijection of each single word: changing any bit of any
 * word always changes the hash (what the checksum's sensitivity rests on).
 */

const c1 = 0xcc9e2d51;
const c2 = 0x1b873593;

function mixWord(state: number, word: number): number {
  let k = Math.imul(word, c1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, c2);
  let h = state ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(state: number, words: number): number {
  let h = state ^ (words * 4);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The hash of three words under a salt, as an unsigned 32-bit integer. */
export function hashWords3(salt: number, a: number, b: number, c: number): number {
  return finish(mixWord(mixWord(mixWord(salt, a), b), c), 3);
}

/** The hash of five words under a salt, as an unsigned 32-bit integer. */
export function hashWords5(salt: number, a: number, b: number, c: number, d: number, e: number): number {
  return finish(mixWord(mixWord(mixWord(mixWord(mixWord(salt, a), b), c), d), e), 5);
}

/** FNV-1a of a string's UTF-16 code units: a series name as one word, computed once per series. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
