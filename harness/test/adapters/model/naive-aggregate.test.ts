import { limits } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { Point } from '../../../src/adapter.ts';
import { floorDiv, naiveAggregate } from '../../../src/adapters/model/naive-aggregate.ts';

describe('floorDiv', () => {
  it('floors toward minus infinity, where bigint division truncates', () => {
    expect(floorDiv(7n, 10n)).toBe(0n);
    expect(floorDiv(-1n, 10n)).toBe(-1n);
    expect(floorDiv(-10n, 10n)).toBe(-1n);
    expect(floorDiv(-11n, 10n)).toBe(-2n);
    expect(floorDiv(-(2n ** 63n), 2n ** 63n - 1n)).toBe(-2n);
  });
});

describe('naiveAggregate', () => {
  const points: Point[] = [
    [-3n, 1],
    [2n, -0],
    [4n, 0],
  ];

  it('groups by bucket and computes only the asked fns', () => {
    expect(naiveAggregate(points, -10n, { bucket: 5n, fns: ['count', 'min'] })).toEqual({
      buckets: [
        { start: -5n, count: 1, min: 1 },
        { start: 0n, count: 2, min: -0 },
      ],
    });
    expect(naiveAggregate(points, -10n, {}).buckets).toEqual([
      { start: -10n, count: 3, sum: 1, min: -0, max: 1, mean: 1 / 3, first: 1, last: 0 },
    ]);
    expect(naiveAggregate([], 0n, {})).toEqual({ buckets: [] });
  });

  it('orders -0 below +0 for min and max, as the engine does', () => {
    expect(Object.is(naiveAggregate(points.slice(1), 0n, {}).buckets[0]!.min, -0)).toBe(true);
    expect(Object.is(naiveAggregate(points.slice(1), 0n, {}).buckets[0]!.max, 0)).toBe(true);
  });

  it(`refuses more than ${limits.aggregateBucketsMax} buckets with OMENDB_ERR_LIMIT_AGGREGATE_BUCKETS`, () => {
    const many: Point[] = Array.from({ length: limits.aggregateBucketsMax + 1 }, (_, i) => [BigInt(i), 1]);
    expect(() => naiveAggregate(many, 0n, { bucket: 1n })).toThrow(
      expect.objectContaining({ code: 'OMENDB_ERR_LIMIT_AGGREGATE_BUCKETS' }),
    );
    expect(naiveAggregate(many.slice(1), 0n, { bucket: 1n }).buckets).toHaveLength(
      limits.aggregateBucketsMax,
    );
  });
});
