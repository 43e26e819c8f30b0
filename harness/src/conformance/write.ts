import assert from 'node:assert/strict';
import { keyMax, keyMin } from '@omendb/engine';
import type { Point } from '../adapter.ts';
import { readAll, rejectsWithCode } from './assertions.ts';
import type { ConformanceCase } from './conformance-case.ts';

const series = 'conf.write';

/** Points per batch of the large-batch case: above the embedded adapter's columnar threshold. */
const largeBatchPoints = 5_000;

export const writeCases: readonly ConformanceCase[] = [
  {
    name: 'write: an acknowledged batch is readable, in key order whatever its order',
    async run(adapter) {
      await adapter.write(series, [
        [3n, 0.3],
        [1n, 0.1],
        [2n, 0.2],
      ]);
      assert.deepEqual(await readAll(adapter, series), [
        [1n, 0.1],
        [2n, 0.2],
        [3n, 0.3],
      ]);
      assert.equal(await adapter.get(series, 2n), 0.2);
    },
  },
  {
    name: 'write: writing an existing key replaces its value',
    async run(adapter) {
      await adapter.write(series, [
        [1n, 1],
        [2n, 2],
      ]);
      await adapter.write(series, [[1n, -1]]);
      assert.equal(await adapter.get(series, 1n), -1);
      assert.deepEqual(await readAll(adapter, series), [
        [1n, -1],
        [2n, 2],
      ]);
    },
  },
  {
    name: 'write: inside a batch the last occurrence of a key wins',
    async run(adapter) {
      await adapter.write(series, [
        [5n, 1],
        [6n, 0.5],
        [5n, 2],
        [5n, 3],
        [6n, 0.25],
      ]);
      assert.equal(await adapter.get(series, 5n), 3);
      assert.deepEqual(await readAll(adapter, series), [
        [5n, 3],
        [6n, 0.25],
      ]);
    },
  },
  {
    name: 'write: int64 extreme keys round-trip exactly',
    async run(adapter) {
      // Beyond 2^53 neighbouring keys share a double: they must still be told apart.
      const keys = [keyMin, keyMin + 1n, -(2n ** 53n) - 1n, -1n, 0n, 1n, 2n ** 53n + 1n, keyMax - 1n, keyMax];
      const points: Point[] = keys.map((key, i) => [key, i + 0.5]);
      await adapter.write(series, [...points].reverse());
      assert.deepEqual(await readAll(adapter, series), points);
      for (const [key, value] of points) assert.equal(await adapter.get(series, key), value, `get ${key}`);
      assert.deepEqual((await adapter.range(series, keyMin, keyMin)).points, [[keyMin, 0.5]]);
      assert.deepEqual((await adapter.range(series, keyMax, keyMax)).points, [[keyMax, 8.5]]);
      assert.equal(await adapter.get(series, 2n ** 53n), undefined, '2^53 is not 2^53+1');
    },
  },
  {
    name: 'write: values round-trip as exact float64s',
    async run(adapter) {
      const values = [
        0,
        0.1,
        -2.5,
        1 / 3,
        Math.PI,
        1e-300,
        Number.MIN_VALUE,
        Number.MAX_VALUE,
        -Number.MAX_VALUE,
        2 ** 53 + 2,
        123456789.12345678,
      ];
      const points: Point[] = values.map((value, i) => [BigInt(i), value]);
      await adapter.write(series, points);
      assert.deepEqual(await readAll(adapter, series), points);
    },
  },
  {
    name: 'write: a batch with one bad point stores nothing of it',
    async run(adapter) {
      await adapter.write(series, [[1n, 1]]);
      await rejectsWithCode(
        () =>
          adapter.write(series, [
            [2n, 2],
            [3n, Number.NaN],
          ]),
        'OMENDB_ERR_INPUT_VALUE',
        'a NaN after a good point',
      );
      await rejectsWithCode(
        () =>
          adapter.write(series, [
            [4n, 4],
            [2n ** 63n, 1],
          ]),
        'OMENDB_ERR_INPUT_KEY',
        'a key past 2^63-1 after a good point',
      );
      await rejectsWithCode(
        () => adapter.write(series, [[5n, 5], [6n] as unknown as Point]),
        'OMENDB_ERR_INPUT_POINTS',
        'a point without a value after a good point',
      );
      await rejectsWithCode(
        () =>
          adapter.write('conf.write-new', [
            [1n, 1],
            [2n, Number.POSITIVE_INFINITY],
          ]),
        'OMENDB_ERR_INPUT_VALUE',
        'Infinity in the first batch of a series',
      );
      assert.deepEqual(await readAll(adapter, series), [[1n, 1]]);
      assert.deepEqual(await adapter.listSeries(), [series]);
    },
  },
  {
    name: 'write: an empty batch is acknowledged and writes nothing',
    async run(adapter) {
      await adapter.write(series, []);
      assert.deepEqual(await adapter.listSeries(), []);
      assert.deepEqual(await readAll(adapter, series), []);
      await adapter.write('conf.write-other', [[1n, 1]]);
      await adapter.write('conf.write-other', []);
      assert.deepEqual(await readAll(adapter, 'conf.write-other'), [[1n, 1]]);
      assert.deepEqual(await adapter.listSeries(), ['conf.write-other']);
    },
  },
  {
    name: 'write: a large batch is stored whole',
    async run(adapter) {
      const points: Point[] = Array.from({ length: largeBatchPoints }, (_, i) => [
        BigInt(i * 3 - 7_500),
        i / 4,
      ]);
      await adapter.write(series, points);
      assert.deepEqual(await readAll(adapter, series, undefined, undefined, 1_000), points);
      assert.equal(await adapter.get(series, -7_500n), 0);
      assert.equal(await adapter.get(series, -7_499n), undefined);
    },
  },
  {
    name: 'write: series are independent',
    async run(adapter) {
      await adapter.write('conf.write-a', [
        [1n, 1],
        [2n, 2],
      ]);
      await adapter.write('conf.write-b', [[1n, 10]]);
      assert.equal(await adapter.get('conf.write-a', 1n), 1);
      assert.equal(await adapter.get('conf.write-b', 1n), 10);
      assert.equal(await adapter.get('conf.write-b', 2n), undefined);
      assert.deepEqual(await readAll(adapter, 'conf.write-b'), [[1n, 10]]);
    },
  },
];
