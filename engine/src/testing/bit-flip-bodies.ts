import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { keyMax, keyMin } from '../storage/keys.ts';
import type { Prng } from '../util/prng.ts';

/**
 * Seeded bit-flip fuzz of valid write bodies, shared by the engine's fuzz test and the harness's
 * security scenario: the valid bodies (an Arrow stream, the same points as an Arrow file, a JSON
 * body), the flip, and reference decoders (apache-arrow and JSON.parse, implementations other
 * than the server's) that say what an accepted body holds, as the server's JSON returns it.
 */

export const arrowStreamContentType = 'application/vnd.apache.arrow.stream';

/** A point as the server's JSON returns it: safe-integer keys as numbers, others as decimal strings. */
export type StoredPoint = [number | string, number];

export interface FuzzBody {
  readonly name: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  /** The [key, value] pairs the body holds, in order, by a decoder other than the server's. */
  readonly reference: (body: Uint8Array) => Iterable<[bigint, number]>;
}

/** The bytes with one bit flipped; bit -1 flips none (the valid body itself). */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const flipped = bytes.slice();
  if (bit >= 0) flipped[bit >> 3]! ^= 1 << (bit & 7);
  return flipped;
}

/** Distinct int64 keys: small, large, beyond 2^53 and the extremes, some negative. */
export function randomKeys(prng: Prng, count: number): bigint[] {
  const keys = new Set<bigint>();
  const special = [keyMin, keyMax, 0n, -1n, 2n ** 53n + 1n];
  while (keys.size < count) {
    const roll = prng.int(4);
    if (roll === 0) keys.add(prng.pick(special));
    else if (roll === 1) keys.add(BigInt(prng.int(1000)) - 500n);
    else if (roll === 2) keys.add(1_700_000_000_000n + BigInt(prng.int(1_000_000)));
    else keys.add((BigInt(prng.int(2 ** 31)) << 32n) | BigInt(prng.int(2 ** 31)));
  }
  return [...keys];
}

export function randomValues(prng: Prng, count: number): number[] {
  return Array.from({ length: count }, () => {
    const roll = prng.int(3);
    if (roll === 0) return prng.int(100);
    if (roll === 1) return (prng.next() - 0.5) * 1e6;
    return prng.next() * 10 ** (prng.int(40) - 20);
  });
}

/** A key as the server's JSON carries it. */
export const asStoredKey = (key: bigint): number | string =>
  Number.isSafeInteger(Number(key)) && BigInt(Number(key)) === key ? Number(key) : key.toString();

/**
 * Last occurrence wins, ascending keys, keys and values as the server's JSON returns them (JSON
 * has no -0: a flip of a zero's sign bit is stored as -0 and read back as 0).
 */
export function storedPoints(pairs: Iterable<[bigint, number]>): StoredPoint[] {
  const byKey = new Map<bigint, number>();
  for (const [key, value] of pairs) byKey.set(key, value);
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => [asStoredKey(key), value === 0 ? 0 : value]);
}

export function* arrowPairs(body: Uint8Array): Generator<[bigint, number]> {
  const table = tableFromIPC(body);
  const keys = table.getChild('key')!.toArray() as BigInt64Array;
  const values = table.getChild('value')!.toArray() as Float64Array;
  for (let i = 0; i < table.numRows; i++) yield [keys[i]!, values[i]!];
}

export function* jsonPairs(body: Uint8Array): Generator<[bigint, number]> {
  const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as {
    points: [number | string, number][];
  };
  for (const [key, value] of parsed.points) yield [BigInt(key), value];
}

/** The three valid bodies, their points drawn from `prng`. */
export function fuzzBodies(prng: Prng, arrowPoints: number, jsonPoints: number): FuzzBody[] {
  const keys = randomKeys(prng, arrowPoints);
  const table = tableFromArrays({
    key: BigInt64Array.from(keys),
    value: Float64Array.from(randomValues(prng, arrowPoints)),
  });
  const jsonKeys = randomKeys(prng, jsonPoints);
  const jsonValues = randomValues(prng, jsonPoints);
  const json = JSON.stringify({ points: jsonKeys.map((key, i) => [asStoredKey(key), jsonValues[i]]) });
  const arrow = (name: string, body: Uint8Array): FuzzBody => ({
    name,
    body,
    contentType: arrowStreamContentType,
    reference: arrowPairs,
  });
  return [
    arrow('arrow-stream', tableToIPC(table, 'stream')),
    arrow('arrow-file', tableToIPC(table, 'file')),
    {
      name: 'json',
      body: new TextEncoder().encode(json),
      contentType: 'application/json',
      reference: jsonPairs,
    },
  ];
}
