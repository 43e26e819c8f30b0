import assert from 'node:assert/strict';
import { keyMax, keyMin } from '@omendb/engine';
import type { EngineAdapter, Point } from '../adapter.ts';
import { readState } from './assertions.ts';
import type { ConformanceCase } from './conformance-case.ts';

/**
 * A small workload of every kind of change (extreme keys, an overwrite, a delete, a drop, a
 * rewrite after a delete), and the state it must leave, written out by hand.
 */
async function writeFixture(adapter: EngineAdapter): Promise<[string, Point[]][]> {
  await adapter.write('dur.a', [
    [keyMin, 1],
    [-1n, 2],
    [0n, 3],
    [5n, 4],
    [keyMax, 5],
  ]);
  await adapter.write('dur.a', [[0n, 30]]);
  await adapter.deleteRange('dur.a', 1n, 10n);
  await adapter.write('dur.b', [[1n, 1]]);
  await adapter.dropSeries('dur.b');
  await adapter.write('dur.c', [
    [7n, 7],
    [8n, 8],
  ]);
  await adapter.deleteRange('dur.c');
  await adapter.write('dur.c', [[8n, 0.5]]);
  return [
    [
      'dur.a',
      [
        [keyMin, 1],
        [-1n, 2],
        [0n, 30],
        [keyMax, 5],
      ],
    ],
    ['dur.c', [[8n, 0.5]]],
  ];
}

/** A write after a crash or restart (a key above the fixture's in dur.c), and the state it leaves. */
async function writeMore(
  adapter: EngineAdapter,
  expected: [string, Point[]][],
  key = 9n,
): Promise<[string, Point[]][]> {
  await adapter.write('dur.c', [[key, Number(key)]]);
  return expected.map(([series, points]) => [
    series,
    series === 'dur.c' ? [...points, [key, Number(key)]] : points,
  ]);
}

export const durabilityCases: readonly ConformanceCase[] = [
  {
    name: 'durability: restart keeps every acknowledged write, overwrite, delete and drop',
    requires: ['restartable'],
    async run(adapter) {
      const expected = await writeFixture(adapter);
      assert.deepEqual(await readState(adapter), expected, 'before restart');
      await adapter.restart();
      assert.deepEqual(await readState(adapter), expected, 'after restart');
      const more = await writeMore(adapter, expected);
      await adapter.restart();
      assert.deepEqual(await readState(adapter), more, 'after a second restart');
    },
  },
  {
    name: 'durability: kill then restart keeps every acknowledged write',
    requires: ['killable', 'restartable'],
    async run(adapter) {
      const expected = await writeFixture(adapter);
      await adapter.kill();
      await adapter.restart();
      assert.deepEqual(await readState(adapter), expected, 'after kill and restart');
      const more = await writeMore(adapter, expected);
      await adapter.kill();
      await adapter.restart();
      assert.deepEqual(await readState(adapter), more, 'after a second kill');
    },
  },
  {
    name: 'durability: after a checkpoint every point reads the same, and later changes shadow it',
    requires: ['checkpoint'],
    async run(adapter) {
      const expected = await writeFixture(adapter);
      await adapter.checkpoint();
      assert.deepEqual(await readState(adapter), expected, 'after checkpoint');
      // Changes newer than the checkpoint must win over what it flushed.
      await adapter.write('dur.a', [[-1n, 20]]);
      await adapter.deleteRange('dur.a', keyMax, keyMax);
      await adapter.dropSeries('dur.c');
      const changed: [string, Point[]][] = [
        [
          'dur.a',
          [
            [keyMin, 1],
            [-1n, 20],
            [0n, 30],
          ],
        ],
      ];
      assert.deepEqual(await readState(adapter), changed, 'changes after the checkpoint');
      await adapter.checkpoint();
      assert.deepEqual(await readState(adapter), changed, 'after a second checkpoint');
    },
  },
  {
    name: 'durability: a checkpoint then a restart keeps every acknowledged write',
    requires: ['checkpoint', 'restartable'],
    async run(adapter) {
      const expected = await writeFixture(adapter);
      await adapter.checkpoint();
      const more = await writeMore(adapter, expected);
      await adapter.restart();
      assert.deepEqual(await readState(adapter), more);
    },
  },
  {
    name: 'durability: a simulated power loss keeps every acknowledged write',
    requires: ['simulatedPowerLoss', 'durable'],
    async run(adapter) {
      let expected = await writeFixture(adapter);
      // Fixed seeds: each draws another survival of the unsynced data; none may lose an acknowledged write.
      for (const seed of [1, 2, 3]) {
        await adapter.powerLoss(seed);
        assert.deepEqual(await readState(adapter), expected, `after power loss ${seed}`);
        expected = await writeMore(adapter, expected, BigInt(10 + seed));
      }
    },
  },
];
