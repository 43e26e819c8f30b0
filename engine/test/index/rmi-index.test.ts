import { describe, expect, it } from 'vitest';
import { lowerBoundIn } from '../../src/index/binary-search-index.ts';
import { buildRmiModel, createRmiIndex, rmiIndexFromModel } from '../../src/index/rmi-index.ts';
import { rmiLeafErrorTarget } from '../../src/limits.ts';
import { seededPrng } from '../support/seeds.ts';
import { keyIndexConformance } from './key-index-conformance.ts';

describe('RMI index: conformance', () => {
  keyIndexConformance('rmi', (keys) => createRmiIndex(keys));
  keyIndexConformance('rmi with 1 leaf', (keys) => createRmiIndex(keys, { leaves: 1 }));
  keyIndexConformance('rmi with a leaf per 4 keys', (keys) =>
    createRmiIndex(keys, { leaves: Math.ceil(keys.length / 4) }),
  );
});

describe('RMI index: a model built elsewhere', () => {
  // What a flush does: the model is built in the segment worker and crosses a thread boundary
  // (a structured clone) before the engine wraps it; lookups must stay exact.
  keyIndexConformance('rmi from a cloned model', (keys) =>
    rmiIndexFromModel(keys, structuredClone(buildRmiModel(keys))),
  );

  it('refuses a model that does not belong to the key column', () => {
    const keys = BigInt64Array.from([1n, 2n, 3n, 4n]);
    const model = buildRmiModel(keys);
    expect(() => rmiIndexFromModel(keys.subarray(0, 3), model)).toThrow(/RMI model does not match/);
    expect(() => rmiIndexFromModel(keys, { ...model, leaves: new Float64Array(1) })).toThrow(
      /RMI model does not match/,
    );
    expect(() => rmiIndexFromModel(keys, { ...model, starts: Int32Array.of(0, 3) })).toThrow(
      /RMI model does not match/,
    );
    expect(rmiIndexFromModel(new BigInt64Array(0), buildRmiModel(new BigInt64Array(0))).lowerBound(1n)).toBe(
      0,
    );
    expect(rmiIndexFromModel(keys, model).stats()).toEqual(createRmiIndex(keys).stats());
  });
});

describe('RMI index: model quality', () => {
  it('keeps windows small on timestamps and on lognormal keys, and reports them', () => {
    const prng = seededPrng();
    const n = 200_000;
    const timestamps = new BigInt64Array(n);
    let t = 1_700_000_000_000n;
    for (let i = 0; i < n; i++) {
      t += 1000n + BigInt(prng.int(20)) + (prng.chance(0.0005) ? 3_600_000n : 0n);
      timestamps[i] = t;
    }
    const gauss = (): number =>
      Math.sqrt(-2 * Math.log(prng.next() + 1e-12)) * Math.cos(2 * Math.PI * prng.next());
    const lognormal = BigInt64Array.from(
      [...new Set(Array.from({ length: n }, () => BigInt(Math.floor(Math.exp(gauss() * 2) * 1e9))))].sort(
        (a, b) => (a < b ? -1 : a > b ? 1 : 0),
      ),
    );
    for (const [name, keys] of [
      ['timestamps', timestamps],
      ['lognormal', lognormal],
    ] as const) {
      const index = createRmiIndex(keys);
      const stats = index.stats();
      console.log(
        `${name}: ${stats.leaves} leaves, mean window ${stats.windowMean.toFixed(1)}, max ${stats.windowMax}`,
      );
      // Lines cut where keys stray past rmiLeafErrorTarget: few leaves, windows of a few dozen positions.
      expect(stats.leaves).toBeGreaterThan(1);
      expect(stats.leaves).toBeLessThan(keys.length / 100);
      expect(stats.windowMean).toBeLessThan(4 * rmiLeafErrorTarget);
      expect(stats.bytes).toBeGreaterThan(keys.length * 8);
      for (let probe = 0; probe < 5000; probe++) {
        const i = prng.int(keys.length);
        expect(index.lowerBound(keys[i]!)).toBe(i);
        const absent = keys[i]! + 1n;
        expect(index.lowerBound(absent)).toBe(lowerBoundIn(keys, absent));
      }
    }
  });

  it('answers the fast paths: past the end, the last key, and below the first key', () => {
    const keys = BigInt64Array.from([10n, 20n, 30n]);
    const index = createRmiIndex(keys);
    expect(index.lowerBound(31n)).toBe(3);
    expect(index.lowerBound(30n)).toBe(2);
    expect(index.lowerBound(-(2n ** 63n))).toBe(0);
    expect(createRmiIndex(new BigInt64Array(0)).lowerBound(5n)).toBe(0);
    expect(createRmiIndex(new BigInt64Array(0)).stats().keys).toBe(0);
  });

  it('tells apart keys that share one double (beyond 2^53)', () => {
    const base = 2n ** 62n;
    const keys = BigInt64Array.from(Array.from({ length: 4000 }, (_, i) => base + BigInt(i)));
    const index = createRmiIndex(keys);
    for (let i = 0; i < keys.length; i += 7) expect(index.lowerBound(keys[i]!)).toBe(i);
    expect(index.lowerBound(base - 1n)).toBe(0);
    expect(index.lowerBound(base + 4000n)).toBe(4000);
  });
});
