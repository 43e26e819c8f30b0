import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Accumulator } from '../../src/query/accumulator.ts';
import { buildBlockSummaries } from '../../src/query/block-summaries.ts';
import { fcSeed } from '../support/seeds.ts';
import { exactSum, scaledExact, withinRelative } from './naive-aggregate.ts';

const finiteArb = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 });

function accumulate(values: readonly number[]): Accumulator {
  const accumulator = new Accumulator();
  const array = Float64Array.from(values);
  if (array.length > 0) accumulator.addEnds(array, 0, array.length);
  accumulator.addValues(array, 0, array.length);
  return accumulator;
}

describe('the exact reference', () => {
  it('scales doubles to exact integers of 2^-1074', () => {
    expect(scaledExact(0)).toBe(0n);
    expect(scaledExact(-0)).toBe(0n);
    expect(scaledExact(1)).toBe(1n << 1074n);
    expect(scaledExact(-2.5)).toBe(-(5n << 1073n));
    expect(scaledExact(Number.MIN_VALUE)).toBe(1n);
    expect(scaledExact(-Number.MIN_VALUE * 3)).toBe(-3n);
    expect(scaledExact(Number.MAX_VALUE)).toBe(((1n << 53n) - 1n) << 2045n);
    expect(() => scaledExact(Number.NaN)).toThrow(RangeError);
  });

  it('sums exactly where doubles cannot', () => {
    const exact = exactSum([1e100, 1, -1e100]);
    expect(exact.sum).toBe(scaledExact(1));
    expect(exact.absSum).toBe(2n * scaledExact(1e100) + scaledExact(1));
    expect(withinRelative(1, exact)).toBe(true);
    expect(withinRelative(Number.POSITIVE_INFINITY, exact)).toBe(false);
  });
});

describe('Accumulator', () => {
  it('starts empty and records count, first and last', () => {
    const accumulator = new Accumulator();
    expect(accumulator.count).toBe(0);
    expect(accumulator.total()).toBe(0);
    const values = Float64Array.of(4, 5, 6, 7);
    accumulator.addEnds(values, 1, 3);
    accumulator.addEnds(values, 3, 4);
    expect([accumulator.count, accumulator.first, accumulator.last]).toEqual([3, 5, 7]);
  });

  it('keeps what plain summation loses: a million times 0.1', () => {
    const values = new Array<number>(1_000_000).fill(0.1);
    let naive = 0;
    for (const value of values) naive += value;
    const scaled = scaledExact(0.1) * BigInt(values.length);
    const exact = { sum: scaled, absSum: scaled };
    expect(withinRelative(naive, exact)).toBe(false);
    expect(withinRelative(accumulate(values).total(), exact)).toBe(true);
  });

  it('cancels large values exactly', () => {
    expect(accumulate([1e16, 1, -1e16]).total()).toBe(1);
    expect(accumulate([1, 1e100, 1, -1e100]).total()).toBe(2);
  });

  it('keeps the compensation of each summarized block', () => {
    const summaries = buildBlockSummaries(Float64Array.of(1e16, 1, -1e16, 2), 2);
    const folded = new Accumulator();
    for (let i = 0; i < summaries.sums.length; i++) {
      folded.addSummary(
        summaries.sums[i]!,
        summaries.compensations[i]!,
        summaries.mins[i]!,
        summaries.maxs[i]!,
      );
    }
    expect(folded.total()).toBe(3);
  });

  it('orders -0 below +0 for min and max, as Math.min and Math.max do', () => {
    expect(Object.is(accumulate([0, -0]).min, -0)).toBe(true);
    expect(Object.is(accumulate([-0, 0]).max, 0)).toBe(true);
  });

  it('returns the overflowed sum rather than NaN', () => {
    expect(accumulate([Number.MAX_VALUE, Number.MAX_VALUE]).total()).toBe(Number.POSITIVE_INFINITY);
    expect(accumulate([-Number.MAX_VALUE, -Number.MAX_VALUE, 1]).total()).toBe(Number.NEGATIVE_INFINITY);
  });

  it('is within 1e-12 of the exact sum for any values and any split into summaries', () => {
    fc.assert(
      fc.property(
        fc.array(finiteArb, { maxLength: 200 }),
        fc.integer({ min: 1, max: 40 }),
        (values, block) => {
          const whole = accumulate(values);
          const exact = exactSum(values);
          expect(withinRelative(whole.total(), exact)).toBe(true);
          // The same values folded block by block through summaries.
          const array = Float64Array.from(values);
          const summaries = buildBlockSummaries(array, block);
          const folded = new Accumulator();
          for (let i = 0; i < summaries.sums.length; i++) {
            folded.addSummary(
              summaries.sums[i]!,
              summaries.compensations[i]!,
              summaries.mins[i]!,
              summaries.maxs[i]!,
            );
          }
          expect(withinRelative(folded.total(), exact)).toBe(true);
          expect(folded.min).toBe(whole.min);
          expect(folded.max).toBe(whole.max);
        },
      ),
      { seed: fcSeed(), numRuns: 500 },
    );
  });
});

describe('buildBlockSummaries', () => {
  it('summarizes each block, the last one short', () => {
    const summaries = buildBlockSummaries(Float64Array.of(1, 2, 3, 4, 5, 6, 7), 3);
    expect(summaries.blockPoints).toBe(3);
    expect(Array.from(summaries.sums)).toEqual([6, 15, 7]);
    expect(Array.from(summaries.compensations)).toEqual([0, 0, 0]);
    expect(Array.from(summaries.mins)).toEqual([1, 4, 7]);
    expect(Array.from(summaries.maxs)).toEqual([3, 6, 7]);
    expect(buildBlockSummaries(new Float64Array(0), 4).sums.length).toBe(0);
  });

  it('refuses a block size that is not a positive integer', () => {
    expect(() => buildBlockSummaries(new Float64Array(1), 0)).toThrow(/invariant/);
    expect(() => buildBlockSummaries(new Float64Array(1), 1.5)).toThrow(/invariant/);
  });
});
