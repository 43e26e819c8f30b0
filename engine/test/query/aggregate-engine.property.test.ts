import { tableFromArrays } from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import type { KeyIndexKind } from '../../src/index/key-index.ts';
import { aggregateBlockPointsMax } from '../../src/limits.ts';
import { aggregateLayers } from '../../src/query/aggregate.ts';
import { aggregateFns, parseAggregateOptions } from '../../src/query/aggregate-options.ts';
import { type Engine, openEngine } from '../../src/engine.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import type { Layer, LayerSeries } from '../../src/storage/layer.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import { createPrng } from '../../src/util/prng.ts';
import { MapModel, type ModelOp } from '../../src/testing/map-model.ts';
import { fcSeed } from '../support/seeds.ts';
import { expectAgrees, naiveBuckets } from './naive-aggregate.ts';

/**
 * The engine end to end, with the real block size: bulk writes long enough to fill whole
 * summary blocks, overwrites and deletes on top, checkpoints, compactions and reopens, then
 * aggregates through the public API against the reference over a Map model.
 */
const seriesArb = fc.constantFrom('a', 'b');
const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt(-3000n, 6000n) },
  { weight: 1, arbitrary: fc.constantFrom(keyMin, keyMin + 1n, keyMax - 1n, keyMax) },
  { weight: 1, arbitrary: fc.bigInt(keyMin, keyMax) },
);

type Step =
  | { kind: 'bulk'; series: string; start: bigint; step: bigint; count: number; seed: number; arrow: boolean }
  | { kind: 'put'; series: string; points: [bigint, number][] }
  | { kind: 'deleteRange'; series: string; a: bigint; b: bigint }
  | { kind: 'dropSeries'; series: string }
  | { kind: 'checkpoint' | 'compact' | 'reopen' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('bulk' as const),
      series: seriesArb,
      start: fc.oneof(fc.bigInt(-3000n, 3000n), fc.constantFrom(keyMin, keyMax - 5000n)),
      step: fc.bigInt(1n, 3n),
      count: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1100, max: 3000 })),
      seed: fc.integer(),
      arrow: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      series: seriesArb,
      points: fc.array(
        fc.tuple(keyArb, fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 })),
        {
          maxLength: 10,
        },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deleteRange' as const),
      series: seriesArb,
      a: keyArb,
      b: keyArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropSeries' as const), series: seriesArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('checkpoint' as const, 'compact' as const, 'reopen' as const),
    }),
  },
);

const queryArb = fc.record({
  series: seriesArb,
  a: fc.option(keyArb, { nil: undefined, freq: 2 }),
  b: fc.option(keyArb, { nil: undefined, freq: 2 }),
  bucket: fc.option(
    fc.oneof(fc.bigInt(1n, 5000n), fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(1n << 40n, keyMax)),
    { nil: undefined },
  ),
  fns: fc.option(fc.subarray([...aggregateFns]), { nil: undefined }),
});

function bulkPoints(step: Extract<Step, { kind: 'bulk' }>): [bigint, number][] {
  const prng = createPrng(step.seed);
  const points: [bigint, number][] = [];
  for (let i = 0; i < step.count; i++) {
    const key = step.start + BigInt(i) * step.step;
    if (key > keyMax) break;
    points.push([key, (prng.next() - 0.5) * 10 ** (prng.int(30) - 10)]);
  }
  return points;
}

async function apply(
  engine: Engine,
  model: MapModel,
  step: Step,
  open: () => Promise<Engine>,
): Promise<Engine> {
  let op: ModelOp | undefined;
  switch (step.kind) {
    case 'bulk': {
      const points = bulkPoints(step);
      const keys = BigInt64Array.from(points, ([key]) => key);
      const values = Float64Array.from(points, ([, value]) => value);
      if (step.arrow) await engine.writeArrow(step.series, tableFromArrays({ key: keys, value: values }));
      else await engine.writeColumns(step.series, keys, values);
      op = { kind: 'put', series: step.series, points };
      break;
    }
    case 'put':
      await engine.write(step.series, step.points);
      op = step;
      break;
    case 'deleteRange': {
      const [from, to] = step.a < step.b ? [step.a, step.b] : [step.b, step.a];
      await engine.deleteRange(step.series, from, to);
      op = { kind: 'deleteRange', series: step.series, from, to };
      break;
    }
    case 'dropSeries':
      await engine.dropSeries(step.series);
      op = step;
      break;
    case 'checkpoint':
      await engine.checkpoint();
      break;
    case 'compact':
      await engine.compact();
      break;
    case 'reopen':
      await engine.close();
      return open();
  }
  if (op !== undefined) model.apply(op);
  return engine;
}

/** The first position in keys whose key is >= key. */
function lowerBound(keys: BigInt64Array, key: bigint): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function holdsKeyIn(entry: LayerSeries, from: bigint, to: bigint): boolean {
  const at = lowerBound(entry.keys, from);
  return at < entry.keys.length && entry.keys[at]! <= to;
}

/** floor(key / width) * width, for any int64 key and positive width. */
function bucketOf(key: bigint, width: bigint): bigint {
  const rest = key % width;
  return rest < 0n ? key - rest - width : key - rest;
}

/**
 * Whether a query must use block summaries, and whether it may, worked out from the layers
 * without the aggregate code. It must when some sealed run holds a whole full-size block whose
 * keys all lie inside the range and inside one bucket, and no other layer of the series holds a
 * key among them or (when newer) a tombstone over them: the merge then hands that block over
 * whole. It may only when some sealed run has a block's worth of keys inside the range. Either
 * way only when a value is needed (count, first and last come from the run's ends).
 */
function blockExpectation(
  layers: readonly Layer[],
  series: string,
  lo: bigint,
  hi: bigint,
  width: bigint | undefined,
  fns: readonly string[] | undefined,
): { must: boolean; may: boolean } {
  const needValues = fns === undefined || fns.some((fn) => ['sum', 'mean', 'min', 'max'].includes(fn));
  const entries: LayerSeries[] = [];
  for (const layer of layers) {
    const entry = layer.series(series);
    if (entry === undefined) continue;
    entries.push(entry);
    if (entry.dropped) break;
  }
  let must = false;
  let may = false;
  if (!needValues) return { must, may };
  const blockPoints = aggregateBlockPointsMax;
  entries.forEach((entry, newer) => {
    if (entry.blockSummaries === undefined) return;
    const inRange = lowerBound(entry.keys, hi + 1n) - lowerBound(entry.keys, lo);
    may ||= inRange >= blockPoints;
    for (let start = 0; start + blockPoints <= entry.keys.length && !must; start += blockPoints) {
      const first = entry.keys[start]!;
      const last = entry.keys[start + blockPoints - 1]!;
      if (first < lo || last > hi) continue;
      if (width !== undefined && bucketOf(first, width) !== bucketOf(last, width)) continue;
      const shadowed = entries.some(
        (other, index) =>
          other !== entry &&
          (holdsKeyIn(other, first, last) ||
            (index < newer && other.tombstones.some((t) => t.from <= last && t.to >= first))),
      );
      must = !shadowed;
    }
  });
  return { must, may };
}

let queriesWithBlocks = 0;
let queriesThatMust = 0;
let queriesThatMay = 0;
let queriesRun = 0;

describe('engine.aggregate against the reference', () => {
  afterAll(() => {
    console.log(
      `block summaries used in ${queriesWithBlocks} of ${queriesRun} queries; a whole visible block in ${queriesThatMust}, a block's worth of sealed keys in ${queriesThatMay}`,
    );
    // Per query: used whenever a whole block was visible, and only where a block could be.
    expect(queriesWithBlocks).toBeGreaterThanOrEqual(queriesThatMust);
    expect(queriesWithBlocks).toBeLessThanOrEqual(queriesThatMay);
    // At least the explicit example below (a checkpointed 3000-point run, aggregated whole).
    expect(queriesThatMust).toBeGreaterThan(0);
  });

  it('agrees after any writes, deletes, checkpoints, compactions and reopens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { maxLength: 8 }),
        fc.array(queryArb, { minLength: 1, maxLength: 4 }),
        fc.constantFrom<KeyIndexKind>('rmi', 'binary'),
        fc.boolean(),
        async (steps, queries, index, checkpointLast) => {
          const fs = new SimFileSystem();
          const open = () =>
            openEngine({ dir: '/db', fs, index, logger: silentLogger, autoMaintenance: false, sync: 'none' });
          const model = new MapModel();
          let engine = await open();
          try {
            for (const step of steps) engine = await apply(engine, model, step, open);
            if (checkpointLast) await engine.checkpoint();
            for (const query of queries) {
              const from =
                query.a === undefined || query.b === undefined || query.a <= query.b ? query.a : query.b;
              const to = from === query.a ? query.b : query.a;
              const options = { bucket: query.bucket, fns: query.fns };
              const result = await engine.aggregate(query.series, from, to, options);
              const lo = from ?? keyMin;
              const hi = to ?? keyMax;
              const width = query.bucket === undefined ? undefined : BigInt(query.bucket);
              expectAgrees(
                result.buckets,
                naiveBuckets(model.range(query.series, lo, hi), lo, width),
                query.fns,
              );
              // The same query on the engine's layers, to see whether block summaries were used.
              const layers = (engine as unknown as { state: { layers(): Layer[] } }).state.layers();
              const { work } = aggregateLayers(layers, query.series, lo, hi, parseAggregateOptions(options));
              queriesRun++;
              if (work.blocks > 0) queriesWithBlocks++;
              const expected = blockExpectation(layers, query.series, lo, hi, width, query.fns);
              if (expected.must) queriesThatMust++;
              if (expected.may) queriesThatMay++;
              if (expected.must)
                expect(work.blocks, 'a whole block was visible in one bucket').toBeGreaterThan(0);
              if (work.blocks > 0)
                expect(expected.may, 'blocks used without a sealed block in range').toBe(true);
              expect(work.pointsScanned).toBeLessThanOrEqual(model.range(query.series, lo, hi).length);
            }
          } finally {
            await engine.close();
          }
        },
      ),
      {
        seed: fcSeed(),
        numRuns: 500,
        // A run that must use summaries, whatever the seed: the bound above never rests on luck.
        examples: [
          [
            [
              { kind: 'bulk', series: 'a', start: 0n, step: 1n, count: 3000, seed: 1, arrow: false },
              { kind: 'checkpoint' },
            ],
            [{ series: 'a', a: undefined, b: undefined, bucket: undefined, fns: undefined }],
            'rmi',
            false,
          ],
        ],
      },
    );
    expect(aggregateBlockPointsMax).toBe(1024);
  });
});
