import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateFns, bucketStartOf, parseAggregateOptions } from '../../src/query/aggregate-options.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { codeOfCall } from '../support/codes.ts';
import { fcSeed } from '../support/seeds.ts';
import { floorDiv } from './naive-aggregate.ts';

describe('parseAggregateOptions', () => {
  it('defaults to every function over the whole range', () => {
    for (const options of [undefined, {}]) {
      const spec = parseAggregateOptions(options);
      expect([...spec.fns]).toEqual([...aggregateFns]);
      expect(spec.bucket).toBeUndefined();
    }
  });

  it('takes a subset of functions, duplicates or none', () => {
    expect([...parseAggregateOptions({ fns: ['max', 'count', 'max'] }).fns]).toEqual(['max', 'count']);
    expect(parseAggregateOptions({ fns: [] }).fns.size).toBe(0);
  });

  it('takes a bucket width as a bigint or a safe-integer number, up to 2^63-1', () => {
    expect(parseAggregateOptions({ bucket: 60 }).bucket).toBe(60n);
    expect(parseAggregateOptions({ bucket: 1n }).bucket).toBe(1n);
    expect(parseAggregateOptions({ bucket: keyMax }).bucket).toBe(keyMax);
    expect(parseAggregateOptions({ bucket: Number.MAX_SAFE_INTEGER }).bucket).toBe(
      BigInt(Number.MAX_SAFE_INTEGER),
    );
  });

  it.each([
    ['options that are not an object', 'yes'],
    ['options null', null],
    ['fns not an array', { fns: 'sum' }],
    ['an unknown function', { fns: ['sum', 'median'] }],
    ['a function that is not a string', { fns: [1] }],
    ['a zero width', { bucket: 0 }],
    ['a negative width', { bucket: -5n }],
    ['a fractional width', { bucket: 1.5 }],
    ['an unsafe number width', { bucket: 2 ** 60 }],
    ['a width past 2^63-1', { bucket: keyMax + 1n }],
    ['a width of the wrong type', { bucket: '60' }],
    ['a NaN width', { bucket: Number.NaN }],
  ])('refuses %s with OMENDB_ERR_INPUT_AGGREGATE', (_, options) => {
    expect(codeOfCall(() => parseAggregateOptions(options))).toBe('OMENDB_ERR_INPUT_AGGREGATE');
  });
});

describe('bucketStartOf', () => {
  it('floors toward -infinity', () => {
    expect(bucketStartOf(7n, 5n)).toBe(5n);
    expect(bucketStartOf(5n, 5n)).toBe(5n);
    expect(bucketStartOf(0n, 5n)).toBe(0n);
    expect(bucketStartOf(-1n, 5n)).toBe(-5n);
    expect(bucketStartOf(-5n, 5n)).toBe(-5n);
    expect(bucketStartOf(-6n, 5n)).toBe(-10n);
    expect(bucketStartOf(keyMin, 10n)).toBe(-9_223_372_036_854_775_810n);
    expect(bucketStartOf(keyMin, keyMax)).toBe(-2n * keyMax);
    expect(bucketStartOf(keyMax, keyMax)).toBe(keyMax);
    expect(bucketStartOf(keyMax - 1n, keyMax)).toBe(0n);
  });

  it('is the largest multiple of the width at or below the key, for any int64 and width', () => {
    const widthArb = fc.oneof(fc.bigInt(1n, 100n), fc.bigInt(1n, keyMax));
    fc.assert(
      fc.property(fc.bigInt(keyMin, keyMax), widthArb, (key, width) => {
        const start = bucketStartOf(key, width);
        expect(start).toBe(floorDiv(key, width) * width);
        expect(start <= key && key < start + width).toBe(true);
      }),
      { seed: fcSeed(), numRuns: 1000 },
    );
  });
});
