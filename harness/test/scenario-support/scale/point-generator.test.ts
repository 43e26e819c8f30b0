import { createPrng, isOmenDbError, seedFromEnv } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import {
  absentOffset,
  jitterSpan,
  keyBase,
  keyStep,
  PointGenerator,
} from '../../../src/scenario-support/scale/point-generator.ts';

const seed = seedFromEnv();
console.log(`point-generator seed ${seed} (replay: OMENDB_SEED=${seed})`);

describe('the scale point generator', () => {
  it('gives the same points for the same seed, others for another', () => {
    const a = new PointGenerator(seed, 'many', 1_000, 10);
    const b = new PointGenerator(seed, 'many', 1_000, 10);
    const c = new PointGenerator((seed + 1) >>> 0, 'many', 1_000, 10);
    expect(b.pointsOf(3, 0, 50)).toEqual(a.pointsOf(3, 0, 50));
    expect(c.pointsOf(3, 0, 50)).not.toEqual(a.pointsOf(3, 0, 50));
    expect(a.pointsOf(4, 0, 50)).not.toEqual(a.pointsOf(3, 0, 50));
  });

  it('makes irregular, strictly increasing keys with jitter in [0, 500)', () => {
    const g = new PointGenerator(seed, 'one', 10_000, 1);
    const gaps = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const jitter = g.keyNumber(0, i) - keyBase - i * keyStep;
      expect(jitter).toBeGreaterThanOrEqual(0);
      expect(jitter).toBeLessThan(jitterSpan);
      if (i > 0) gaps.add(g.keyNumber(0, i) - g.keyNumber(0, i - 1));
    }
    expect(Math.min(...gaps)).toBeGreaterThan(keyStep - jitterSpan);
    expect(Math.max(...gaps)).toBeLessThan(keyStep + jitterSpan);
    // Irregular: hundreds of distinct gaps, not one step.
    expect(gaps.size).toBeGreaterThan(500);
  });

  it('never makes an absent key equal to a present one', () => {
    const g = new PointGenerator(seed, 'many', 5_000, 7);
    const prng = createPrng(seed);
    for (let s = 0; s < g.seriesCount; s++) {
      const n = g.seriesPoints(s);
      const present = new Set(Array.from({ length: n }, (_, i) => g.key(s, i)));
      for (let i = 0; i < n; i++) {
        const between = g.absentBetween(s, i);
        expect(present.has(between)).toBe(false);
        expect(between).toBeGreaterThan(g.key(s, i));
        if (i + 1 < n) expect(between).toBeLessThan(g.key(s, i + 1));
      }
      for (let r = 0; r < 200; r++) {
        const draw = prng.int(0x7fff_ffff);
        const outside = g.absentOutside(s, draw);
        expect(present.has(outside)).toBe(false);
        if (draw % 2 === 0) expect(outside).toBeLessThan(g.key(s, 0));
        else expect(outside).toBeGreaterThan(g.key(s, n - 1));
      }
    }
    expect(absentOffset).toBe(500n);
  });

  it('makes dyadic values whose sums are exact in any order', () => {
    const g = new PointGenerator(seed, 'one', 4_096, 1);
    const values = Array.from({ length: 4_096 }, (_, i) => g.value(0, i));
    for (const v of values) {
      expect(Number.isInteger(v * 1024)).toBe(true);
      expect(Math.abs(v)).toBeLessThanOrEqual(2 ** 21);
    }
    const forward = values.reduce((a, v) => a + v, 0);
    const backward = values.toReversed().reduce((a, v) => a + v, 0);
    expect(backward).toBe(forward);
    expect(new Set(values).size).toBeGreaterThan(4_000);
  });

  it('spreads N points over the series evenly and yields them lazily in batches', () => {
    const g = new PointGenerator(seed, 'many', 1_003, 10);
    expect(g.seriesPoints(0)).toBe(101);
    expect(g.seriesPoints(2)).toBe(101);
    expect(g.seriesPoints(3)).toBe(100);
    expect(g.seriesName(7)).toBe('scale-many-000007');
    expect(new PointGenerator(seed, 'one', 5, 1).seriesName(0)).toBe('scale-one');
    expect(g.isShapeSeries('scale-many-000007')).toBe(true);
    expect(g.isShapeSeries('scale-one')).toBe(false);
    expect(new PointGenerator(seed, 'one', 5, 1).isShapeSeries('scale-one')).toBe(true);
    expect(new PointGenerator(seed, 'one', 5, 1).isShapeSeries('scale-many-000007')).toBe(false);
    const batches = [...g.batches(40)];
    expect(batches.length).toBe(g.batchCount(40));
    expect(batches.reduce((n, b) => n + b.points.length, 0)).toBe(1_003);
    expect(Math.max(...batches.map((b) => b.points.length))).toBe(40);
    const third = batches.filter((b) => b.seriesIndex === 3);
    expect(third.map((b) => [b.first, b.points.length])).toEqual([
      [0, 40],
      [40, 40],
      [80, 20],
    ]);
    expect(third[1]!.points[0]).toEqual([g.key(3, 40), g.value(3, 40)]);
    expect(third[0]!.series).toBe('scale-many-000003');
  });

  it('refuses shapes it cannot make', () => {
    const usage = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        return isOmenDbError(error, 'OMENDB_ERR_HARNESS_USAGE');
      }
      return false;
    };
    expect(usage(() => new PointGenerator(seed, 'many', 10, 11))).toBe(true);
    expect(usage(() => new PointGenerator(seed, 'one', 0, 1))).toBe(true);
    expect(usage(() => new PointGenerator(seed, 'many', 10, 0))).toBe(true);
    expect(() => new PointGenerator(seed, 'one', 10, 1).batches(0).next()).toThrow(/invariant/);
  });
});
