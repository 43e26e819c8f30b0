import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerBoundIn } from '../../src/index/binary-search-index.ts';
import {
  buildRmiModel,
  createRmiIndex,
  doublesOfKeys,
  type RmiModel,
  rmiIndexFromModel,
} from '../../src/index/rmi-index.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { rmiLeafErrorTarget } from '../../src/limits.ts';
import { fcSeed, seededPrng } from '../support/seeds.ts';
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

describe('RMI index: keys as doubles', () => {
  // Keys whose conversion rounds: around 2^53 (the first integers a double cannot hold), the int64
  // ends, -1 and 0 (the high word's sign), and low words that sit exactly halfway between two
  // doubles (a tie, rounded to even) or one off it.
  const edges: bigint[] = [
    0n,
    -1n,
    1n,
    keyMin,
    keyMax,
    keyMin + 1n,
    keyMax - 1n,
    -(2n ** 32n),
    2n ** 32n - 1n,
  ];
  for (const power of [53n, 54n, 55n, 62n]) {
    for (const sign of [1n, -1n]) {
      const base = sign * 2n ** power;
      for (const delta of [-3n, -2n, -1n, 0n, 1n, 2n, 3n, 2n ** (power - 53n), 3n * 2n ** (power - 53n)])
        edges.push(base + delta);
    }
  }
  const int64 = fc.oneof(
    fc.bigInt(keyMin, keyMax),
    fc.constantFrom(...edges.filter((key) => key >= keyMin && key <= keyMax)),
    // A random high half over a low half at or next to a rounding tie of its magnitude.
    fc
      .tuple(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: -1, max: 1 }),
      )
      .map(([high, bits, nudge]) => {
        const key = BigInt(high) * 2n ** 32n + 2n ** BigInt(bits) + BigInt(nudge);
        return key < keyMin ? keyMin : key > keyMax ? keyMax : key;
      }),
  );

  it('equal Number(key) for every int64, ties included, read through a view at an offset', () => {
    const seed = fcSeed();
    fc.assert(
      fc.property(fc.array(int64, { maxLength: 64 }), fc.integer({ min: 0, max: 3 }), (keys, offset) => {
        // A key column is a view into a larger buffer (a segment file): start it `offset` keys in.
        const backing = new BigInt64Array(keys.length + offset + 1).fill(0x7ff0_0000_0000_0001n);
        backing.set(keys, offset);
        const view = backing.subarray(offset, offset + keys.length);
        const xs = doublesOfKeys(view);
        expect(xs.length).toBe(keys.length);
        for (let i = 0; i < keys.length; i++) expect(Object.is(xs[i], Number(keys[i]!))).toBe(true);
      }),
      { seed, numRuns: 2000 },
    );
  });

  it('round the known ties to even', () => {
    // 2^53 + 1 lies halfway between 2^53 and 2^53 + 2: even mantissa is 2^53. 2^53 + 3 halfway
    // between 2^53 + 2 and 2^53 + 4: even is 2^53 + 4.
    const keys = BigInt64Array.of(2n ** 53n + 1n, 2n ** 53n + 3n, -(2n ** 53n) - 1n, keyMax, keyMin);
    expect(Array.from(doublesOfKeys(keys))).toEqual([2 ** 53, 2 ** 53 + 4, -(2 ** 53), 2 ** 63, -(2 ** 63)]);
  });
});

describe('RMI index: a wrong model never gives a wrong answer', () => {
  const keys = BigInt64Array.from({ length: 5000 }, (_, i) => BigInt(i) * 1000n + BigInt((i * 7919) % 997));

  function expectExact(model: RmiModel): number {
    const index = rmiIndexFromModel(keys, model);
    for (let i = 0; i < keys.length; i += 13) {
      expect(index.lowerBound(keys[i]!)).toBe(i);
      expect(index.lowerBound(keys[i]! - 1n)).toBe(lowerBoundIn(keys, keys[i]! - 1n));
    }
    return index.stats().modelMisses ?? -1;
  }

  it('counts no miss for the model fitted to the keys', () => {
    expect(expectExact(buildRmiModel(keys))).toBe(0);
  });

  it('searches everything, and counts a miss, when the fitted numbers are wrong', () => {
    const model = buildRmiModel(keys, { leaves: 8 });
    for (const tamper of [
      (leaves: Float64Array) => leaves.fill(300, 3, 5), // error bounds of leaf 0 shifted 300 positions
      (leaves: Float64Array) => leaves.fill(1e6, 2, 3), // a slope a million times too steep
      (leaves: Float64Array) => leaves.fill(Number.NaN), // every number NaN
      (leaves: Float64Array) => leaves.fill(-1e9, 1, 2), // a leaf's positions far off
    ]) {
      const leaves = Float64Array.from(model.leaves);
      tamper(leaves);
      expect(expectExact({ ...model, leaves })).toBeGreaterThan(0);
    }
    // A root that routes everything to leaf 0.
    expect(
      expectExact({ ...model, root: { ...model.root, slope: 0, jMean: 0, errorMin: 0, errorMax: 0 } }),
    ).toBeGreaterThan(0);
  });

  it('refuses the model of another key column of the same length', () => {
    const other = keys.map((key) => key + 1n);
    expect(() => rmiIndexFromModel(keys, buildRmiModel(other))).toThrow(/RMI model does not match/);
    const model = buildRmiModel(keys, { leaves: 4 });
    const xs = Float64Array.from(model.xs);
    xs[model.starts[2]!]! += 1;
    expect(() => rmiIndexFromModel(keys, { ...model, xs })).toThrow(/RMI model does not match/);
    const starts = Int32Array.from(model.starts);
    starts[1] = -5;
    expect(() => rmiIndexFromModel(keys, { ...model, starts })).toThrow(/RMI model does not match/);
  });
});
