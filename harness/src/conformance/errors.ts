import assert from 'node:assert/strict';
import { limits } from '@omendb/engine';
import type { AggregateQuery, EngineAdapter, Point, RangeOptions } from '../adapter.ts';
import { rejectsWithCode } from './assertions.ts';
import type { ConformanceCase } from './conformance-case.ts';

// Bad input reaches the adapter through `unknown` casts, as it would from untyped callers.

const series = 'conf.errors';
const tooHigh = 2n ** 63n;
const tooLow = -(2n ** 63n) - 1n;

/** Every call that refused bad input must have stored nothing. */
async function assertNothingStored(adapter: EngineAdapter): Promise<void> {
  assert.deepEqual(await adapter.listSeries(), [], 'a refused call stored something');
}

export const errorCases: readonly ConformanceCase[] = [
  {
    name: 'errors: a bad series name is OMENDB_ERR_INPUT_SERIES_NAME in every operation',
    async run(adapter) {
      const code = 'OMENDB_ERR_INPUT_SERIES_NAME';
      const names: unknown[] = ['', ' ', 'a b', 'a/b', '../x', 'ü', 'a\n', 'x'.repeat(129), 123, undefined];
      for (const value of names) {
        const name = value as string;
        const what = `series ${JSON.stringify(value)}`;
        await rejectsWithCode(() => adapter.write(name, [[1n, 1]]), code, `write, ${what}`);
        await rejectsWithCode(() => adapter.get(name, 1n), code, `get, ${what}`);
        await rejectsWithCode(() => adapter.range(name), code, `range, ${what}`);
        await rejectsWithCode(() => adapter.deleteRange(name), code, `deleteRange, ${what}`);
        await rejectsWithCode(() => adapter.dropSeries(name), code, `dropSeries, ${what}`);
        if (adapter.capabilities.aggregates)
          await rejectsWithCode(() => adapter.aggregate(name), code, `aggregate, ${what}`);
      }
      await assertNothingStored(adapter);
    },
  },
  {
    name: 'errors: a key outside int64, or not a bigint, is OMENDB_ERR_INPUT_KEY',
    async run(adapter) {
      const code = 'OMENDB_ERR_INPUT_KEY';
      for (const value of [tooHigh, tooLow, 1, '1', undefined] as unknown[]) {
        const key = value as bigint;
        const what = `key ${String(value)}`;
        await rejectsWithCode(() => adapter.write(series, [[key, 1]]), code, `write, ${what}`);
        await rejectsWithCode(() => adapter.get(series, key), code, `get, ${what}`);
        if (value === undefined) continue; // an omitted bound or cursor is allowed
        await rejectsWithCode(() => adapter.range(series, key), code, `range from, ${what}`);
        await rejectsWithCode(() => adapter.range(series, undefined, key), code, `range to, ${what}`);
        await rejectsWithCode(
          () => adapter.range(series, undefined, undefined, { after: key }),
          code,
          `range after, ${what}`,
        );
        await rejectsWithCode(() => adapter.deleteRange(series, key), code, `deleteRange from, ${what}`);
        await rejectsWithCode(
          () => adapter.deleteRange(series, undefined, key),
          code,
          `deleteRange to, ${what}`,
        );
        if (adapter.capabilities.aggregates)
          await rejectsWithCode(() => adapter.aggregate(series, key), code, `aggregate from, ${what}`);
      }
      await assertNothingStored(adapter);
    },
  },
  {
    name: 'errors: a value that is not a finite number is OMENDB_ERR_INPUT_VALUE',
    async run(adapter) {
      const values: unknown[] = [
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        '1',
        null,
        undefined,
        1n,
      ];
      for (const value of values) {
        await rejectsWithCode(
          () => adapter.write(series, [[1n, value as number]]),
          'OMENDB_ERR_INPUT_VALUE',
          `value ${String(value)}`,
        );
      }
      await assertNothingStored(adapter);
    },
  },
  {
    name: 'errors: malformed points are OMENDB_ERR_INPUT_POINTS',
    async run(adapter) {
      const batches: unknown[] = ['points', {}, null, [[]], [[1n]], [[1n, 1, 1]], ['ab'], [null]];
      for (const batch of batches) {
        await rejectsWithCode(
          () => adapter.write(series, batch as Point[]),
          'OMENDB_ERR_INPUT_POINTS',
          `points ${JSON.stringify(batch, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`,
        );
      }
      await assertNothingStored(adapter);
    },
  },
  {
    name: 'errors: from > to is OMENDB_ERR_INPUT_RANGE in every ranged operation',
    async run(adapter) {
      const code = 'OMENDB_ERR_INPUT_RANGE';
      await adapter.write(series, [[1n, 1]]);
      await rejectsWithCode(() => adapter.range(series, 2n, 1n), code, 'range');
      await rejectsWithCode(() => adapter.deleteRange(series, 2n, 1n), code, 'deleteRange');
      if (adapter.capabilities.aggregates)
        await rejectsWithCode(() => adapter.aggregate(series, 2n, 1n), code, 'aggregate');
      assert.equal(await adapter.get(series, 1n), 1, 'a refused deleteRange deleted nothing');
    },
  },
  {
    name: 'errors: a limit that is not an integer from 1 to rangeLimitMax is OMENDB_ERR_INPUT_RANGE',
    async run(adapter) {
      for (const limit of [0, -1, 1.5, Number.NaN, limits.rangeLimitMax + 1, '10'] as unknown[]) {
        await rejectsWithCode(
          () => adapter.range(series, undefined, undefined, { limit } as RangeOptions),
          'OMENDB_ERR_INPUT_RANGE',
          `limit ${String(limit)}`,
        );
      }
    },
  },
  {
    name: 'errors: a bad bucket width or fn is OMENDB_ERR_INPUT_AGGREGATE',
    requires: ['aggregates'],
    async run(adapter) {
      await adapter.write(series, [[1n, 1]]);
      const queries: unknown[] = [
        { bucket: 0n },
        { bucket: -10n },
        { bucket: tooHigh },
        { bucket: 10 },
        { fns: ['median'] },
        { fns: 'sum' },
      ];
      for (const query of queries) {
        await rejectsWithCode(
          () => adapter.aggregate(series, undefined, undefined, query as AggregateQuery),
          'OMENDB_ERR_INPUT_AGGREGATE',
          `query ${String(Object.entries(query as object))}`,
        );
      }
    },
  },
];
