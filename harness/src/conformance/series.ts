import assert from 'node:assert/strict';
import { readAll } from './assertions.ts';
import type { ConformanceCase } from './conformance-case.ts';

export const seriesCases: readonly ConformanceCase[] = [
  {
    name: 'listSeries: a fresh engine has none',
    async run(adapter) {
      assert.deepEqual(await adapter.listSeries(), []);
    },
  },
  {
    name: 'listSeries: the names of the series that hold points, sorted',
    async run(adapter) {
      const names = ['b', 'a', 'a.b', 'A', 'Z9', '_x', '0', 'a-b', 'a:b', 'x'.repeat(128)];
      for (const name of names) await adapter.write(name, [[1n, 1]]);
      // Names are ASCII: code-unit order (JavaScript's sort) is byte order.
      assert.deepEqual(await adapter.listSeries(), [...names].sort());
    },
  },
  {
    name: 'listSeries: a series never written to, or emptied by deletes, is not listed',
    async run(adapter) {
      await adapter.write('conf.series-empty-batch', []);
      await adapter.write('conf.series-emptied', [[1n, 1]]);
      await adapter.deleteRange('conf.series-emptied', 0n, 1n);
      await adapter.write('conf.series-kept', [[1n, 1]]);
      assert.deepEqual(await adapter.listSeries(), ['conf.series-kept']);
    },
  },
  {
    name: 'dropSeries: removes the series and all its points, and only them',
    async run(adapter) {
      await adapter.write('conf.series-a', [
        [1n, 1],
        [2n, 2],
      ]);
      await adapter.write('conf.series-b', [[1n, 3]]);
      await adapter.dropSeries('conf.series-a');
      assert.deepEqual(await adapter.listSeries(), ['conf.series-b']);
      assert.deepEqual(await readAll(adapter, 'conf.series-a'), []);
      assert.equal(await adapter.get('conf.series-a', 1n), undefined);
      assert.deepEqual(await readAll(adapter, 'conf.series-b'), [[1n, 3]]);
    },
  },
  {
    name: 'dropSeries: writing again after a drop starts the series afresh',
    async run(adapter) {
      await adapter.write('conf.series-a', [
        [1n, 1],
        [2n, 2],
      ]);
      await adapter.dropSeries('conf.series-a');
      await adapter.write('conf.series-a', [[3n, 3]]);
      assert.deepEqual(await readAll(adapter, 'conf.series-a'), [[3n, 3]]);
      assert.deepEqual(await adapter.listSeries(), ['conf.series-a']);
    },
  },
  {
    name: 'dropSeries: an absent series is acknowledged',
    async run(adapter) {
      await adapter.dropSeries('conf.series-absent');
      assert.deepEqual(await adapter.listSeries(), []);
    },
  },
];
