import assert from 'node:assert/strict';
import { keyMax, keyMin } from '@omendb/engine';
import type { ConformanceCase } from './conformance-case.ts';

const series = 'conf.get';

export const getCases: readonly ConformanceCase[] = [
  {
    name: 'get: an absent key is undefined, never 0',
    async run(adapter) {
      assert.equal(await adapter.get(series, 0n), undefined, 'a series never written');
      // Zero values next to absent keys: a placeholder 0 would be indistinguishable from them.
      await adapter.write(series, [
        [1n, 0],
        [3n, 0],
      ]);
      assert.equal(await adapter.get(series, 1n), 0);
      for (const key of [0n, 2n, 4n, keyMin, keyMax]) {
        assert.equal(await adapter.get(series, key), undefined, `absent key ${key}`);
      }
      assert.equal(await adapter.get('conf.get-other', 1n), undefined, 'another series');
    },
  },
  {
    name: 'get: a present key returns its value',
    async run(adapter) {
      await adapter.write(series, [
        [-5n, -5.5],
        [5n, 5.5],
        [keyMax, 7],
      ]);
      assert.equal(await adapter.get(series, -5n), -5.5);
      assert.equal(await adapter.get(series, 5n), 5.5);
      assert.equal(await adapter.get(series, keyMax), 7);
    },
  },
  {
    name: 'get: a deleted key or a dropped series is absent',
    async run(adapter) {
      await adapter.write(series, [
        [1n, 1],
        [2n, 2],
      ]);
      await adapter.deleteRange(series, 1n, 1n);
      assert.equal(await adapter.get(series, 1n), undefined);
      assert.equal(await adapter.get(series, 2n), 2);
      await adapter.dropSeries(series);
      assert.equal(await adapter.get(series, 2n), undefined);
    },
  },
];
