import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPrng, seedFromEnv } from '../../src/util/prng.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

function draw(seed: number, count: number): number[] {
  const prng = createPrng(seed);
  return Array.from({ length: count }, () => prng.next());
}

describe('createPrng', () => {
  it('replays the same sequence from the same seed', () => {
    expect(draw(12345, 100)).toEqual(draw(12345, 100));
    expect(createPrng(7).seed).toBe(7);
  });

  it('gives different sequences for different seeds', () => {
    expect(draw(1, 10)).not.toEqual(draw(2, 10));
    expect(draw(0, 10)).not.toEqual(draw(2 ** 32 - 1, 10));
  });

  it('treats seeds modulo 2^32', () => {
    expect(draw(-1, 10)).toEqual(draw(2 ** 32 - 1, 10));
    expect(draw(2 ** 32 + 5, 10)).toEqual(draw(5, 10));
  });

  it('is pinned: a printed seed replays the same draws in every later build', () => {
    const prng = createPrng(42);
    expect([0, 1, 2, 3, 4].map(() => prng.int(1000))).toEqual([910, 364, 782, 883, 459]);
    expect(createPrng(0).next()).toBe(0.1080503910779953);
  });

  it('draws floats in [0, 1) that spread over the interval', () => {
    const prng = createPrng(99);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 10_000; i++) {
      const value = prng.next();
      if (!(value >= 0 && value < 1)) outside++;
      else buckets[Math.floor(value * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(count).toBeGreaterThan(800);
  });

  it('draws integers in [0, bound) and reaches both ends', () => {
    const prng = createPrng(3);
    for (const bound of [1, 2, 7, 1000, 2 ** 32]) {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      let fractional = 0;
      for (let i = 0; i < 2000; i++) {
        const value = prng.int(bound);
        if (!Number.isInteger(value)) fractional++;
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      expect(fractional).toBe(0);
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThan(bound);
      if (bound <= 7) {
        expect(min).toBe(0);
        expect(max).toBe(bound - 1);
      }
    }
    expect(prng.int(1)).toBe(0);
  });

  it('rejects a bound that is not a positive integer', () => {
    const prng = createPrng(3);
    for (const bound of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => prng.int(bound)).toThrow(RangeError);
    }
  });

  it('picks every item of a list, and only those', () => {
    const prng = createPrng(5);
    const items = ['a', 'b', 'c'] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const item = prng.pick(items);
      expect(items).toContain(item);
      seen.add(item);
    }
    expect(seen).toEqual(new Set(items));
    expect(prng.pick([42])).toBe(42);
    expect(() => prng.pick([])).toThrow(RangeError);
  });

  it('decides chance(p) with probability p', () => {
    const prng = createPrng(11);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (prng.chance(0.25)) hits++;
    expect(hits).toBeGreaterThan(2200);
    expect(hits).toBeLessThan(2800);
    let wrong = 0;
    for (let i = 0; i < 1000; i++) if (prng.chance(0) || !prng.chance(1)) wrong++;
    expect(wrong).toBe(0);
  });
});

describe('seedFromEnv', () => {
  it('reads OMENDB_SEED', () => {
    vi.stubEnv('OMENDB_SEED', '42');
    expect(seedFromEnv()).toBe(42);
  });

  it('reads another variable by name', () => {
    vi.stubEnv('OMENDB_SEED', '1');
    vi.stubEnv('OMENDB_OTHER_SEED', '77');
    expect(seedFromEnv('OMENDB_OTHER_SEED')).toBe(77);
  });

  it('maps the seed into 32 bits', () => {
    vi.stubEnv('OMENDB_SEED', '-1');
    expect(seedFromEnv()).toBe(2 ** 32 - 1);
    vi.stubEnv('OMENDB_SEED', String(2 ** 32 + 3));
    expect(seedFromEnv()).toBe(3);
  });

  it('rejects a value that is not an integer', () => {
    for (const raw of ['1.5', 'abc', '12abc', 'NaN', 'Infinity']) {
      vi.stubEnv('OMENDB_SEED', raw);
      expect(() => seedFromEnv(), raw).toThrow(RangeError);
    }
  });

  it('draws a fresh 32-bit seed when unset or empty', () => {
    vi.stubEnv('OMENDB_SEED', undefined);
    const seeds = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const seed = seedFromEnv();
      expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
      seeds.add(seed);
    }
    expect(seeds.size).toBeGreaterThan(1);
    vi.stubEnv('OMENDB_SEED', '');
    const empty = seedFromEnv();
    expect(Number.isInteger(empty) && empty >= 0 && empty < 2 ** 32).toBe(true);
  });
});
