import assert from 'node:assert/strict';
import { keyMax, keyMin } from '@omendb/engine';
import type { EngineAdapter, Point } from '../adapter.ts';
import { conformancePagesMax } from '../limits.ts';
import { readAll, rejectsWithCode } from './assertions.ts';
import type { ConformanceCase } from './conformance-case.ts';

const series = 'conf.range';

/** Writes keys first..last (step 1) with value = key / 2, and returns them. */
async function writeKeys(adapter: EngineAdapter, first: number, last: number): Promise<Point[]> {
  const points: Point[] = [];
  for (let key = first; key <= last; key++) points.push([BigInt(key), key / 2]);
  await adapter.write(series, points);
  return points;
}

function keysOf(points: readonly Point[]): bigint[] {
  return points.map(([key]) => key);
}

export const rangeCases: readonly ConformanceCase[] = [
  {
    name: 'range: both bounds are inclusive',
    async run(adapter) {
      await writeKeys(adapter, 1, 10);
      assert.deepEqual(keysOf((await adapter.range(series, 3n, 7n)).points), [3n, 4n, 5n, 6n, 7n]);
      assert.deepEqual((await adapter.range(series, 4n, 4n)).points, [[4n, 2]]);
    },
  },
  {
    name: 'range: an omitted bound is the int64 extreme',
    async run(adapter) {
      await adapter.write(series, [
        [keyMin, 1],
        [-1n, 2],
        [0n, 3],
        [keyMax, 4],
      ]);
      assert.deepEqual(keysOf((await adapter.range(series)).points), [keyMin, -1n, 0n, keyMax]);
      assert.deepEqual(keysOf((await adapter.range(series, undefined, 0n)).points), [keyMin, -1n, 0n]);
      assert.deepEqual(keysOf((await adapter.range(series, 0n)).points), [0n, keyMax]);
    },
  },
  {
    name: 'range: no points give an empty page with next null',
    async run(adapter) {
      assert.deepEqual(await adapter.range(series), { points: [], next: null });
      await adapter.write(series, [
        [1n, 1],
        [10n, 10],
      ]);
      assert.deepEqual(await adapter.range(series, 2n, 9n), { points: [], next: null });
      assert.deepEqual(await adapter.range(series, 11n, undefined, { limit: 1 }), { points: [], next: null });
    },
  },
  {
    name: 'range: pages of limit points, each next the last key, until next is null',
    async run(adapter) {
      const points = await writeKeys(adapter, -12, 12);
      const sizes: number[] = [];
      const seen: Point[] = [];
      let after: bigint | undefined;
      for (let page = 0; page < conformancePagesMax; page++) {
        const result = await adapter.range(series, undefined, undefined, {
          limit: 7,
          ...(after === undefined ? {} : { after }),
        });
        sizes.push(result.points.length);
        seen.push(...result.points);
        if (result.next === null) break;
        assert.equal(result.next, result.points[result.points.length - 1]?.[0]);
        after = result.next;
      }
      assert.deepEqual(sizes, [7, 7, 7, 4]);
      assert.deepEqual(seen, points);
    },
  },
  {
    name: 'range: a last page filled exactly ends with next null',
    async run(adapter) {
      await writeKeys(adapter, 1, 14);
      const first = await adapter.range(series, undefined, undefined, { limit: 7 });
      assert.equal(first.next, 7n);
      const second = await adapter.range(series, undefined, undefined, { limit: 7, after: 7n });
      assert.deepEqual(keysOf(second.points), [8n, 9n, 10n, 11n, 12n, 13n, 14n]);
      assert.equal(second.next, null);
      // The default limit holds a small series whole.
      assert.equal((await adapter.range(series)).next, null);
    },
  },
  {
    name: 'range: after resumes strictly after its key, within the bounds',
    async run(adapter) {
      await adapter.write(series, [
        [2n, 2],
        [4n, 4],
        [6n, 6],
        [8n, 8],
      ]);
      assert.deepEqual(keysOf((await adapter.range(series, undefined, undefined, { after: 4n })).points), [
        6n,
        8n,
      ]);
      assert.deepEqual(keysOf((await adapter.range(series, undefined, undefined, { after: 5n })).points), [
        6n,
        8n,
      ]);
      assert.deepEqual(keysOf((await adapter.range(series, 6n, undefined, { after: 1n })).points), [6n, 8n]);
      assert.deepEqual(keysOf((await adapter.range(series, undefined, 6n, { after: 2n })).points), [4n, 6n]);
      assert.deepEqual(await adapter.range(series, undefined, 6n, { after: 6n }), { points: [], next: null });
      assert.deepEqual(await adapter.range(series, undefined, undefined, { after: keyMax }), {
        points: [],
        next: null,
      });
    },
  },
  {
    name: 'range: limit 1 walks the int64 extremes',
    async run(adapter) {
      await adapter.write(series, [
        [keyMax, 2],
        [keyMin, 1],
      ]);
      const first = await adapter.range(series, undefined, undefined, { limit: 1 });
      assert.deepEqual(first, { points: [[keyMin, 1]], next: keyMin });
      const second = await adapter.range(series, undefined, undefined, { limit: 1, after: keyMin });
      assert.deepEqual(second, { points: [[keyMax, 2]], next: null });
      assert.deepEqual(await readAll(adapter, series, undefined, undefined, 1), [
        [keyMin, 1],
        [keyMax, 2],
      ]);
    },
  },
  {
    name: 'range: from > to is OMENDB_ERR_INPUT_RANGE',
    async run(adapter) {
      await writeKeys(adapter, 1, 3);
      await rejectsWithCode(() => adapter.range(series, 3n, 2n), 'OMENDB_ERR_INPUT_RANGE', 'range(3, 2)');
      await rejectsWithCode(
        () => adapter.range(series, keyMax, keyMin),
        'OMENDB_ERR_INPUT_RANGE',
        'range(max, min)',
      );
    },
  },
];
