import { describe, expect, it } from 'vitest';
import { leastSquares } from '../../../src/scenario-support/soak/least-squares.ts';

describe('leastSquares', () => {
  it('recovers an exact line with R² 1', () => {
    const fit = leastSquares([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(fit).toEqual({ n: 4, slope: 2, intercept: 1, r2: 1 });
  });

  it('gives the textbook slope and R² of scattered samples', () => {
    // mean x 3, mean y 4: Sxy 6, Sxx 10, Syy 6, so slope 0.6, intercept 2.2, R² 36/60 = 0.6.
    const fit = leastSquares([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    expect(fit?.slope).toBeCloseTo(0.6, 12);
    expect(fit?.intercept).toBeCloseTo(2.2, 12);
    expect(fit?.r2).toBeCloseTo(0.6, 12);
  });

  it('says a flat series has slope 0 and explains nothing (R² 0)', () => {
    expect(leastSquares([0, 1, 2], [5, 5, 5])).toEqual({ n: 3, slope: 0, intercept: 5, r2: 0 });
  });

  it('has a low R² for a sawtooth however steep its swings', () => {
    const xs = Array.from({ length: 40 }, (_, i) => i);
    const ys = xs.map((x) => (x % 2 === 0 ? 0 : 500));
    const fit = leastSquares(xs, ys);
    expect(Math.abs(fit?.slope ?? 1)).toBeLessThan(1);
    expect(fit?.r2).toBeLessThan(0.01);
  });

  it('keeps its precision on byte counts far from zero (hours since start, bytes)', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 1_000 + i / 6);
    const ys = xs.map((x) => 4e9 + 1e6 * x);
    const fit = leastSquares(xs, ys);
    expect(fit?.slope).toBeCloseTo(1e6, 3);
    expect(fit?.r2).toBeCloseTo(1, 9);
  });

  it('determines no line from fewer than two samples or a single x', () => {
    expect(leastSquares([], [])).toBeNull();
    expect(leastSquares([1], [2])).toBeNull();
    expect(leastSquares([2, 2, 2], [1, 2, 3])).toBeNull();
  });

  it('refuses x and y of different lengths', () => {
    expect(() => leastSquares([1, 2], [1])).toThrow(/invariant violated/);
  });
});
