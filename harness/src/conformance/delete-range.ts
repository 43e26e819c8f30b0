import assert from 'node:assert/strict';
import { keyMax, keyMin } from '@omendb/engine';
import type { EngineAdapter, Point } from '../adapter.ts';
import { readAll } from './assertions.ts';
import type { ConformanceCase } from './conformance-case.ts';

const series = 'conf.delete';

async function writeKeys(adapter: EngineAdapter, keys: readonly bigint[]): Promise<void> {
  await adapter.write(
    series,
    keys.map((key): Point => [key, 1]),
  );
}

async function keys(adapter: EngineAdapter): Promise<bigint[]> {
  return (await readAll(adapter, series)).map(([key]) => key);
}

const oneToTen = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n];

export const deleteRangeCases: readonly ConformanceCase[] = [
  {
    name: 'deleteRange: both bounds are inclusive',
    async run(adapter) {
      await writeKeys(adapter, oneToTen);
      await adapter.deleteRange(series, 3n, 7n);
      assert.deepEqual(await keys(adapter), [1n, 2n, 8n, 9n, 10n]);
    },
  },
  {
    name: 'deleteRange: an omitted bound is the int64 extreme',
    async run(adapter) {
      await writeKeys(adapter, [keyMin, -5n, 0n, 5n, 10n, keyMax]);
      await adapter.deleteRange(series, undefined, -1n);
      assert.deepEqual(await keys(adapter), [0n, 5n, 10n, keyMax]);
      await adapter.deleteRange(series, 10n);
      assert.deepEqual(await keys(adapter), [0n, 5n]);
      await adapter.deleteRange(series);
      assert.deepEqual(await keys(adapter), []);
    },
  },
  {
    name: 'deleteRange: deleted points stay deleted while other keys are written',
    async run(adapter) {
      await writeKeys(adapter, oneToTen);
      await adapter.deleteRange(series, 3n, 7n);
      await writeKeys(adapter, [1n, 2n, 8n, 11n, 12n]);
      await adapter.deleteRange(series, 20n, 30n);
      assert.deepEqual(await keys(adapter), [1n, 2n, 8n, 9n, 10n, 11n, 12n]);
      for (const key of [3n, 5n, 7n])
        assert.equal(await adapter.get(series, key), undefined, `deleted ${key}`);
    },
  },
  {
    name: 'deleteRange: a key written again after its delete is visible with its new value',
    async run(adapter) {
      await adapter.write(series, [
        [5n, 1],
        [6n, 1],
      ]);
      await adapter.deleteRange(series, 5n, 6n);
      await adapter.write(series, [[5n, 2]]);
      assert.equal(await adapter.get(series, 5n), 2);
      assert.deepEqual(await readAll(adapter, series), [[5n, 2]]);
    },
  },
  {
    name: 'deleteRange: deleting every point takes the series out of listSeries',
    async run(adapter) {
      await writeKeys(adapter, [1n, 2n]);
      await adapter.write('conf.delete-kept', [[1n, 1]]);
      await adapter.deleteRange(series, 0n, 10n);
      assert.deepEqual(await adapter.listSeries(), ['conf.delete-kept']);
    },
  },
  {
    name: 'deleteRange: a range without points, or an absent series, is acknowledged',
    async run(adapter) {
      await adapter.deleteRange('conf.delete-absent', 1n, 2n);
      await writeKeys(adapter, [1n, 10n]);
      await adapter.deleteRange(series, 2n, 9n);
      assert.deepEqual(await keys(adapter), [1n, 10n]);
      assert.deepEqual(await adapter.listSeries(), [series]);
    },
  },
  {
    name: 'deleteRange: the int64 extremes can be deleted alone',
    async run(adapter) {
      await writeKeys(adapter, [keyMin, keyMin + 1n, 0n, keyMax - 1n, keyMax]);
      await adapter.deleteRange(series, keyMin, keyMin);
      await adapter.deleteRange(series, keyMax, keyMax);
      assert.deepEqual(await keys(adapter), [keyMin + 1n, 0n, keyMax - 1n]);
    },
  },
];
