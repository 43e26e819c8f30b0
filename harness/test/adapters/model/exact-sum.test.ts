import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactSum, fromScaled, toScaled } from '../../../src/adapters/model/exact-sum.ts';

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`exact-sum fast-check seed ${seed} (replay: FC_SEED=${seed})`);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

describe('exactSum', () => {
  it('round-trips every finite double through its scaled bigint', () => {
    for (const x of [
      0,
      5e-324,
      -5e-324,
      2.2250738585072014e-308,
      1,
      -0.1,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
    ]) {
      expect(fromScaled(toScaled(x))).toBe(x === 0 ? 0 : x);
    }
    expect(toScaled(5e-324)).toBe(1n);
    expect(toScaled(1)).toBe(2n ** 1074n);
    fc.assert(
      fc.property(finite, (x) => Object.is(fromScaled(toScaled(x)), x === 0 ? 0 : x)),
      { seed, numRuns: 2_000 },
    );
  });

  it('equals IEEE addition for two values (it is correctly rounded too)', () => {
    fc.assert(
      fc.property(finite, finite, (a, b) => {
        const sum = a + b;
        return !Number.isFinite(sum) || sum === 0 || exactSum([a, b]) === sum;
      }),
      { seed, numRuns: 2_000 },
    );
  });

  it('is exact where plain summation is not, and independent of order', () => {
    expect(exactSum([1e16, 1, -1e16])).toBe(1);
    expect([1e16, 1, -1e16].reduce((a, b) => a + b)).toBe(0);
    expect(exactSum([0.1, 0.2, 0.3])).toBe(0.6);
    expect(exactSum([2 ** 53, 1])).toBe(2 ** 53); // a tie rounds to even
    expect(exactSum([2 ** 53, 1, 1e-10])).toBe(2 ** 53 + 2); // the sticky bit breaks the tie
    expect(exactSum([Number.MAX_VALUE, Number.MAX_VALUE])).toBe(Number.POSITIVE_INFINITY);
    expect(exactSum([-Number.MAX_VALUE, -Number.MAX_VALUE])).toBe(Number.NEGATIVE_INFINITY);
    expect(exactSum([Number.MAX_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE])).toBe(Number.MAX_VALUE);
    expect(exactSum([])).toBe(0);
    fc.assert(
      fc.property(fc.array(finite, { maxLength: 20 }), (values) => {
        return Object.is(exactSum(values), exactSum([...values].reverse()));
      }),
      { seed, numRuns: 500 },
    );
  });
});
