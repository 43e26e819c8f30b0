import fc from 'fast-check';
import { expect, it } from 'vitest';
import { lowerBoundIn } from '../../src/index/binary-search-index.ts';
import type { KeyIndexFactory } from '../../src/index/key-index.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { fcSeed } from '../support/seeds.ts';

/**
 * The contract every key index must meet, run against each one: for any sorted set of unique
 * int64 keys, every present key is found at its position and every absent query gets the exact
 * lower bound (checked against a linear definition, not against another index).
 */
const runs = Number(process.env.OMENDB_INDEX_RUNS ?? 500);

const clampKey = (k: bigint): bigint => (k < keyMin ? keyMin : k > keyMax ? keyMax : k);

/** Builds keys by walking from a start with gaps drawn by `gap`; duplicates and overflow are clamped away. */
function walk(start: bigint, gaps: readonly bigint[]): bigint[] {
  const keys: bigint[] = [];
  let key = start;
  for (const gap of gaps) {
    key = clampKey(key + gap);
    keys.push(key);
  }
  return keys;
}

const int64 = fc.bigInt(keyMin, keyMax);
const sizes = { maxLength: 3000 };

/** Adversarial key sets: the shapes that break learned indexes with sampled or capped errors. */
export const keySetArbitraries = {
  uniform: fc.array(int64, sizes),
  clustered: fc
    .array(fc.tuple(int64, fc.array(fc.bigInt(1n, 50n), { maxLength: 400 })), { maxLength: 8 })
    .map((clusters) => clusters.flatMap(([start, gaps]) => walk(start, gaps))),
  exponentialGaps: fc
    .tuple(int64, fc.array(fc.integer({ min: 0, max: 60 }), sizes))
    .map(([start, exponents]) =>
      walk(
        start,
        exponents.map((e) => 1n << BigInt(e)),
      ),
    ),
  lognormalGaps: fc
    .tuple(int64, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), sizes))
    .map(([start, us]) =>
      walk(
        start,
        us.map((u) => BigInt(Math.floor(Math.exp(u * 40)))),
      ),
    ),
  hugeGaps: fc
    .tuple(int64, fc.array(fc.oneof(fc.bigInt(1n, 10n), fc.bigInt(2n ** 50n, 2n ** 62n)), sizes))
    .map(([start, gaps]) => walk(start, gaps)),
  twoFarClusters: fc
    .tuple(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 0, max: 1500 }))
    .map(([a, b]) => [
      ...Array.from({ length: a }, (_, i) => keyMin + BigInt(i)),
      ...Array.from({ length: b }, (_, i) => keyMax - BigInt(i)),
    ]),
  equalSpacing: fc
    .tuple(int64, fc.bigInt(1n, 2n ** 40n), fc.integer({ min: 0, max: 3000 }))
    .map(([start, step, n]) =>
      walk(
        start,
        Array.from({ length: n }, () => step),
      ),
    ),
  beyond2pow53: fc
    .tuple(fc.bigInt(2n ** 60n, 2n ** 62n), fc.array(fc.bigInt(1n, 5000n), sizes))
    .map(([start, gaps]) => walk(start, gaps)),
  int64Extremes: fc.subarray([
    keyMin,
    keyMin + 1n,
    keyMin + 2n,
    -1n,
    0n,
    1n,
    keyMax - 2n,
    keyMax - 1n,
    keyMax,
  ]),
  tiny: fc.array(int64, { maxLength: 2 }),
};

function sortedUnique(keys: readonly bigint[]): BigInt64Array {
  return BigInt64Array.from([...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Queries: every key, its neighbours, the int64 extremes, and random keys. */
function queriesFor(keys: BigInt64Array, extra: readonly bigint[]): bigint[] {
  const queries = [keyMin, keyMax, 0n, ...extra];
  for (const key of keys) queries.push(key, clampKey(key - 1n), clampKey(key + 1n));
  return queries;
}

export function keyIndexConformance(name: string, factory: KeyIndexFactory): void {
  for (const [shape, arbitrary] of Object.entries(keySetArbitraries)) {
    it(`${name}: finds every key and the exact lower bound of absent keys (${shape})`, () => {
      const seed = fcSeed();
      const windows: number[] = [];
      fc.assert(
        fc.property(arbitrary, fc.array(int64, { maxLength: 50 }), (raw, extra) => {
          const keys = sortedUnique(raw);
          const index = factory(keys);
          // Plain comparisons in the loop, one expect for the first mismatch: expect() per query
          // would dominate the run time.
          const mismatches: string[] = [];
          for (const query of queriesFor(keys, extra)) {
            const expected = lowerBoundIn(keys, query);
            const actual = index.lowerBound(query);
            if (actual !== expected)
              mismatches.push(`lowerBound(${query}) = ${actual}, expected ${expected}`);
          }
          for (let i = 0; i < keys.length; i++) {
            const actual = index.lowerBound(keys[i]!);
            if (actual !== i) mismatches.push(`present key ${keys[i]} at ${i} found at ${actual}`);
          }
          expect(mismatches.slice(0, 3)).toEqual([]);
          const stats = index.stats();
          // Every key is covered: by the built index, or pending until a lazy one's first lookup.
          expect(stats.keys + (stats.pendingKeys ?? 0)).toBe(keys.length);
          expect(stats.windowMax).toBeGreaterThanOrEqual(0);
          windows.push(stats.windowMean);
        }),
        { numRuns: runs, seed },
      );
      const mean = windows.reduce((a, b) => a + b, 0) / Math.max(1, windows.length);
      console.log(`${name} ${shape}: ${windows.length} key sets, mean window ${mean.toFixed(1)} positions`);
    });
  }
}
