import { afterEach, describe, expect, it } from 'vitest';
import { SimFileSystem } from '../src/fs/sim-file-system.ts';
import type { KeyIndexKind } from '../src/index/key-index.ts';
import { aggregateBucketsMax } from '../src/limits.ts';
import type { AggregateFn, AggregateOptions } from '../src/query/aggregate-options.ts';
import { type Engine, openEngine } from '../src/engine.ts';
import { keyMax, keyMin } from '../src/storage/keys.ts';
import { silentLogger } from '../src/storage/logger.ts';
import { createPrng } from '../src/util/prng.ts';
import { expectAgrees, naiveBuckets } from './query/naive-aggregate.ts';
import { codeOf } from './support/codes.ts';
import { MapModel } from '../src/testing/map-model.ts';

const dir = '/db';
const engines: Engine[] = [];

async function open(fs: SimFileSystem, index?: KeyIndexKind): Promise<Engine> {
  const engine = await openEngine({
    dir,
    fs,
    logger: silentLogger,
    autoMaintenance: false,
    ...(index === undefined ? {} : { index }),
  });
  engines.push(engine);
  return engine;
}

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

/** Writes columns to the engine and the model alike. */
async function put(engine: Engine, model: MapModel, series: string, keys: bigint[], values: number[]) {
  await engine.writeColumns(series, BigInt64Array.from(keys), Float64Array.from(values));
  model.apply({ kind: 'put', series, points: keys.map((key, i) => [key, values[i]!]) });
}

async function deleteRange(engine: Engine, model: MapModel, series: string, from: bigint, to: bigint) {
  await engine.deleteRange(series, from, to);
  model.apply({ kind: 'deleteRange', series, from, to });
}

/** Keys every `step` from `start`, with values of mixed magnitudes from a seeded generator. */
function columns(start: bigint, step: bigint, count: number, seed: number): [bigint[], number[]] {
  const prng = createPrng(seed);
  const keys = Array.from({ length: count }, (_, i) => start + BigInt(i) * step);
  const values = keys.map(() => (prng.next() - 0.5) * 10 ** (prng.int(24) - 8));
  return [keys, values];
}

const queries: { from?: bigint; to?: bigint; options?: AggregateOptions }[] = [
  {},
  { from: 0n, to: 1_000_000n },
  { from: 12_345n, to: 2_345_678n },
  { options: { bucket: 60_000n } },
  { options: { bucket: 60_000 } },
  { from: -5_000_000n, to: 0n, options: { bucket: 7_000n } },
  { options: { bucket: 1_048_576n, fns: ['sum', 'mean'] } },
  { options: { bucket: keyMax } },
  { options: { bucket: 1n << 40n, fns: ['first', 'last', 'count'] } },
  { from: 999_000n, to: 999_000n },
];

/** Every query agrees with the reference over the model. */
async function expectAllAgree(engine: Engine, model: MapModel, series: readonly string[]) {
  for (const name of series) {
    for (const query of queries) {
      const from = query.from ?? keyMin;
      const to = query.to ?? keyMax;
      const result = await engine.aggregate(name, query.from, query.to, query.options);
      const width = query.options?.bucket === undefined ? undefined : BigInt(query.options.bucket);
      expectAgrees(
        result.buckets,
        naiveBuckets(model.range(name, from, to), from, width),
        query.options?.fns,
      );
    }
  }
}

describe.each<{ label: string; index: KeyIndexKind | undefined }>([
  { label: 'default rmi', index: undefined },
  { label: 'binary', index: 'binary' },
])('engine.aggregate (index: $label)', ({ index }) => {
  it('agrees with the reference across memtable, segments, compaction and reopen', async () => {
    const fs = new SimFileSystem();
    const model = new MapModel();
    let engine = await open(fs, index);
    // Segment 1: 5000 points a second apart (in ms), negative and positive keys.
    await put(engine, model, 'cpu', ...columns(-2_000_000n, 1000n, 5000, 1));
    await put(engine, model, 'mem', ...columns(0n, 1n, 3000, 2));
    await engine.checkpoint();
    // Segment 2: overwrites, a delete and new points interleaved with segment 1.
    await put(engine, model, 'cpu', ...columns(-500_500n, 1000n, 800, 3));
    await deleteRange(engine, model, 'cpu', 1_000_000n, 1_200_000n);
    await put(engine, model, 'cpu', [keyMin, keyMax], [1.5, -2.5]);
    await engine.checkpoint();
    // Memtable: more overwrites and deletes on top.
    await put(engine, model, 'cpu', ...columns(2_000_000n, 3000n, 400, 4));
    await deleteRange(engine, model, 'mem', 100n, 199n);
    await deleteRange(engine, model, 'cpu', -1_000_000n, -999_000n);
    await expectAllAgree(engine, model, ['cpu', 'mem', 'none']);

    await engine.compact();
    expect(engine.stats().segments).toBe(1);
    await expectAllAgree(engine, model, ['cpu', 'mem']);

    await engine.close();
    engine = await open(fs, index);
    await expectAllAgree(engine, model, ['cpu', 'mem']);
    await engine.dropSeries('mem');
    model.apply({ kind: 'dropSeries', series: 'mem' });
    expect((await engine.aggregate('mem')).buckets).toEqual([]);
    await expectAllAgree(engine, model, ['cpu', 'mem']);
  });

  it('aggregates an hour of 1-second keys into 1-minute buckets', async () => {
    const engine = await open(new SimFileSystem(), index);
    const keys = Array.from({ length: 3600 }, (_, i) => 1_700_000_000_000n + BigInt(i) * 1000n);
    await engine.writeColumns(
      'h',
      BigInt64Array.from(keys),
      Float64Array.from(keys, (_, i) => i),
    );
    await engine.checkpoint();
    const { buckets } = await engine.aggregate('h', undefined, undefined, { bucket: 60_000 });
    // 1_700_000_000_000 is 20 s past a minute: 40 points, 59 full minutes, then 20 points.
    expect(buckets.length).toBe(61);
    expect(buckets[60]).toMatchObject({ start: 1_700_003_580_000n, count: 20, first: 3580, last: 3599 });
    expect(buckets[0]).toEqual({
      start: 1_699_999_980_000n,
      count: 40,
      sum: 780,
      min: 0,
      max: 39,
      mean: 19.5,
      first: 0,
      last: 39,
    });
    expect(buckets[1]).toMatchObject({ start: 1_700_000_040_000n, count: 60, first: 40, last: 99 });
    const whole = await engine.aggregate('h', 1_700_000_000_000n);
    expect(whole.buckets).toEqual([
      {
        start: 1_700_000_000_000n,
        count: 3600,
        sum: 6_478_200,
        min: 0,
        max: 3599,
        mean: 1799.5,
        first: 0,
        last: 3599,
      },
    ]);
  });
});

describe('engine.aggregate edge cases', () => {
  it('returns an empty list for no points and only the requested fields', async () => {
    const engine = await open(new SimFileSystem());
    expect(await engine.aggregate('s')).toEqual({ buckets: [] });
    await engine.write('s', [
      [-3n, 2],
      [4n, -1],
    ]);
    expect((await engine.aggregate('s', 5n)).buckets).toEqual([]);
    const fns: AggregateFn[] = ['max'];
    expect(await engine.aggregate('s', -10, 10, { fns })).toEqual({
      buckets: [{ start: -10n, count: 2, max: 2 }],
    });
    expect(await engine.aggregate('s', undefined, undefined, { fns: [], bucket: 5 })).toEqual({
      buckets: [
        { start: -5n, count: 1 },
        { start: 0n, count: 1 },
      ],
    });
  });

  it('puts the int64 extremes into buckets whose bounds pass the int64 range', async () => {
    const engine = await open(new SimFileSystem());
    await engine.write('s', [
      [keyMin, 1],
      [keyMax, 2],
    ]);
    const { buckets } = await engine.aggregate('s', undefined, undefined, { bucket: 10n, fns: ['sum'] });
    expect(buckets).toEqual([
      { start: -9_223_372_036_854_775_810n, count: 1, sum: 1 },
      { start: 9_223_372_036_854_775_800n, count: 1, sum: 2 },
    ]);
  });

  it(`refuses more than ${aggregateBucketsMax} buckets with a registry code, never truncating`, async () => {
    const engine = await open(new SimFileSystem());
    const keys = new BigInt64Array(aggregateBucketsMax + 1);
    for (let i = 0; i < keys.length; i++) keys[i] = BigInt(i);
    await engine.writeColumns('s', keys, new Float64Array(keys.length).fill(1));
    expect(await codeOf(engine.aggregate('s', undefined, undefined, { bucket: 1 }))).toBe(
      'OMENDB_ERR_LIMIT_AGGREGATE_BUCKETS',
    );
    expect((await engine.aggregate('s', 1n, undefined, { bucket: 1 })).buckets.length).toBe(
      aggregateBucketsMax,
    );
    expect((await engine.aggregate('s', undefined, undefined, { bucket: 2 })).buckets.length).toBe(
      aggregateBucketsMax / 2 + 1,
    );
  });

  it('validates its input with registry codes', async () => {
    const engine = await open(new SimFileSystem());
    expect(await codeOf(engine.aggregate('bad name'))).toBe('OMENDB_ERR_INPUT_SERIES_NAME');
    expect(await codeOf(engine.aggregate('s', 2, 1))).toBe('OMENDB_ERR_INPUT_RANGE');
    expect(await codeOf(engine.aggregate('s', 1.5))).toBe('OMENDB_ERR_INPUT_KEY');
    expect(await codeOf(engine.aggregate('s', 0, 1, { bucket: 0 }))).toBe('OMENDB_ERR_INPUT_AGGREGATE');
    expect(await codeOf(engine.aggregate('s', 0, 1, { fns: ['median'] as unknown as AggregateFn[] }))).toBe(
      'OMENDB_ERR_INPUT_AGGREGATE',
    );
    await engine.close();
    expect(await codeOf(engine.aggregate('s'))).toBe('OMENDB_ERR_ENGINE_CLOSED');
  });
});
