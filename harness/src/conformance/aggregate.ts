import assert from 'node:assert/strict';
import type { AggregateBucket } from '@omendb/engine';
import { aggregateFns, keyMax, keyMin } from '@omendb/engine';
import type { EngineAdapter, Point } from '../adapter.ts';
import type { ConformanceCase } from './conformance-case.ts';

// Values are small multiples of 1/4, so every sum and mean here is exact in any summation order.

const series = 'conf.aggregate';

async function write(adapter: EngineAdapter, points: readonly Point[]): Promise<void> {
  await adapter.write(series, points);
}

/** The bucket of these points (given in key order) with every fn, as the README defines them. */
function bucket(start: bigint, values: readonly number[]): AggregateBucket {
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    start,
    count: values.length,
    sum,
    min: Math.min(...values),
    max: Math.max(...values),
    mean: sum / values.length,
    first: values[0]!,
    last: values[values.length - 1]!,
  };
}

export const aggregateCases: readonly ConformanceCase[] = [
  {
    name: 'aggregate: one result over the whole range, starting at from',
    requires: ['aggregates'],
    async run(adapter) {
      // first and last follow the keys, not the values.
      await write(adapter, [
        [10n, 3],
        [20n, 1],
        [30n, 4],
        [40n, 2],
      ]);
      assert.deepEqual(await adapter.aggregate(series), { buckets: [bucket(keyMin, [3, 1, 4, 2])] });
      assert.deepEqual(await adapter.aggregate(series, 15n, 35n), { buckets: [bucket(15n, [1, 4])] });
      assert.deepEqual(await adapter.aggregate(series, 20n, 20n), { buckets: [bucket(20n, [1])] });
    },
  },
  {
    name: 'aggregate: no points give no buckets',
    requires: ['aggregates'],
    async run(adapter) {
      assert.deepEqual(await adapter.aggregate(series), { buckets: [] });
      assert.deepEqual(await adapter.aggregate(series, undefined, undefined, { bucket: 10n }), {
        buckets: [],
      });
      await write(adapter, [[100n, 1]]);
      assert.deepEqual(await adapter.aggregate(series, 0n, 99n), { buckets: [] });
      assert.deepEqual(await adapter.aggregate(series, 0n, 99n, { bucket: 10n }), { buckets: [] });
    },
  },
  {
    name: 'aggregate: buckets start at multiples of the width, empty ones left out',
    requires: ['aggregates'],
    async run(adapter) {
      await write(adapter, [
        [3n, 1],
        [7n, 2],
        [10n, 3],
        [19n, 4],
        [25n, 5],
        [100n, 6],
      ]);
      assert.deepEqual(await adapter.aggregate(series, undefined, undefined, { bucket: 10n }), {
        buckets: [bucket(0n, [1, 2]), bucket(10n, [3, 4]), bucket(20n, [5]), bucket(100n, [6])],
      });
      assert.deepEqual(await adapter.aggregate(series, undefined, undefined, { bucket: 1000n }), {
        buckets: [bucket(0n, [1, 2, 3, 4, 5, 6])],
      });
    },
  },
  {
    name: 'aggregate: a negative key falls in the bucket below it (floor, not truncation)',
    requires: ['aggregates'],
    async run(adapter) {
      await write(adapter, [
        [-21n, 1],
        [-20n, 2],
        [-11n, 3],
        [-10n, 4],
        [-1n, 5],
        [0n, 6],
        [1n, 7],
      ]);
      assert.deepEqual(await adapter.aggregate(series, undefined, undefined, { bucket: 10n }), {
        buckets: [bucket(-30n, [1]), bucket(-20n, [2, 3]), bucket(-10n, [4, 5]), bucket(0n, [6, 7])],
      });
    },
  },
  {
    name: 'aggregate: each fn alone, count always, and no fns but count',
    requires: ['aggregates'],
    async run(adapter) {
      await write(adapter, [
        [1n, 2],
        [2n, -1],
        [12n, 0.5],
        [15n, 8],
      ]);
      const full = [bucket(0n, [2, -1]), bucket(10n, [0.5, 8])];
      for (const fn of aggregateFns) {
        const result = await adapter.aggregate(series, undefined, undefined, { bucket: 10n, fns: [fn] });
        const expected = full.map((b) => ({ start: b.start, count: b.count, [fn]: b[fn] }));
        assert.deepEqual(result, { buckets: expected }, `fns [${fn}]`);
      }
      assert.deepEqual(await adapter.aggregate(series, undefined, undefined, { bucket: 10n, fns: [] }), {
        buckets: full.map((b) => ({ start: b.start, count: b.count })),
      });
      assert.deepEqual(await adapter.aggregate(series, undefined, undefined, { fns: ['max', 'first'] }), {
        buckets: [{ start: keyMin, count: 4, max: 8, first: 2 }],
      });
    },
  },
  {
    name: 'aggregate: buckets at the int64 extremes start at exact multiples, even below -2^63',
    requires: ['aggregates'],
    async run(adapter) {
      await write(adapter, [
        [keyMin, 1],
        [keyMin + 1n, 2],
        [-1n, 3],
        [0n, 4],
        [keyMax - 1n, 5],
        [keyMax, 6],
      ]);
      // floor(-2^63 / 10) = -922337203685477581, times 10 = -9223372036854775810.
      assert.deepEqual(await adapter.aggregate(series, undefined, undefined, { bucket: 10n }), {
        buckets: [
          bucket(-9223372036854775810n, [1, 2]),
          bucket(-10n, [3]),
          bucket(0n, [4]),
          bucket(9223372036854775800n, [5, 6]),
        ],
      });
      // Width 2^63-1: -2^63 is in bucket -2 (start -2^64+2), -2^63+1 and -1 in bucket -1.
      assert.deepEqual(await adapter.aggregate(series, undefined, undefined, { bucket: keyMax }), {
        buckets: [
          bucket(-(2n ** 64n) + 2n, [1]),
          bucket(-keyMax, [2, 3]),
          bucket(0n, [4, 5]),
          bucket(keyMax, [6]),
        ],
      });
      const ones = await adapter.aggregate(series, undefined, undefined, { bucket: 1n, fns: ['first'] });
      assert.deepEqual(
        ones.buckets.map((b) => b.start),
        [keyMin, keyMin + 1n, -1n, 0n, keyMax - 1n, keyMax],
      );
    },
  },
  {
    name: 'aggregate: the range bounds cut the buckets at both ends',
    requires: ['aggregates'],
    async run(adapter) {
      const points: Point[] = Array.from({ length: 30 }, (_, i) => [BigInt(i), i]);
      await write(adapter, points);
      const values = (from: number, to: number) => points.slice(from, to + 1).map(([, value]) => value);
      assert.deepEqual(await adapter.aggregate(series, 5n, 24n, { bucket: 10n }), {
        buckets: [bucket(0n, values(5, 9)), bucket(10n, values(10, 19)), bucket(20n, values(20, 24))],
      });
    },
  },
  {
    name: 'aggregate: overwritten and deleted points count as a read sees them',
    requires: ['aggregates'],
    async run(adapter) {
      await write(adapter, [
        [1n, 1],
        [2n, 1],
        [3n, 1],
        [4n, 1],
        [5n, 1],
      ]);
      await write(adapter, [[3n, 10]]);
      await adapter.deleteRange(series, 5n, 5n);
      assert.deepEqual(await adapter.aggregate(series), { buckets: [bucket(keyMin, [1, 1, 10, 1])] });
    },
  },
];
