import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { aggregateLayers } from '../../src/query/aggregate.ts';
import { aggregateFns, parseAggregateOptions } from '../../src/query/aggregate-options.ts';
import { keyMax, keyMin } from '../../src/storage/keys.ts';
import { fcSeed } from '../support/seeds.ts';
import { buildStack, keyArb, series, stackArb } from './layers.ts';
import { expectAgrees, naiveBuckets } from './naive-aggregate.ts';

/**
 * Aggregates over random stacks of memtables and segments (overwrites, range deletes, drops,
 * compaction, int64 extremes, tiny summary blocks so that ranges cover many whole blocks)
 * agree with the reference over the Map model: with block summaries and without them.
 */
const boundArb = fc.option(keyArb, { nil: undefined });
const widthArb = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt(1n, 12n) },
  { weight: 1, arbitrary: fc.constantFrom(40n, 1000n, 2n ** 62n, keyMax) },
  { weight: 1, arbitrary: fc.bigInt(1n, keyMax) },
);
const queryArb = fc.record({
  series: fc.constantFrom(...series),
  a: boundArb,
  b: boundArb,
  bucket: fc.option(
    fc.oneof(
      widthArb,
      widthArb.map((width) => Number(width % 1000n) + 1),
    ),
    { nil: undefined },
  ),
  fns: fc.option(fc.subarray([...aggregateFns]), { nil: undefined }),
});

let queriesRun = 0;
let runsWithBlocks = 0;
let runsWithMerges = 0;

describe('aggregateLayers against the reference', () => {
  afterAll(() => {
    console.log(
      `${queriesRun} queries: block summaries used in ${runsWithBlocks}, several runs merged in ${runsWithMerges}`,
    );
    // The properties must have exercised the block fast path and multi-layer merges, not just scans.
    expect(runsWithBlocks).toBeGreaterThan(50);
    expect(runsWithMerges).toBeGreaterThan(50);
  });

  it('agrees on every bucket, with and without block summaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        stackArb,
        fc.array(queryArb, { minLength: 1, maxLength: 4 }),
        async (spec, queries) => {
          const { layers, model } = await buildStack(spec);
          for (const query of queries) {
            let from = query.a ?? keyMin;
            let to = query.b ?? keyMax;
            if (from > to) [from, to] = [to, from];
            const parsed = parseAggregateOptions({ bucket: query.bucket, fns: query.fns });
            const width = parsed.bucket;
            const expected = naiveBuckets(model.range(query.series, from, to), from, width);
            const fast = aggregateLayers(layers, query.series, from, to, parsed);
            const slow = aggregateLayers(layers, query.series, from, to, parsed, false);
            expectAgrees(fast.result.buckets, expected, query.fns);
            expectAgrees(slow.result.buckets, expected, query.fns);
            expect(slow.work.blocks).toBe(0);
            queriesRun++;
            if (fast.work.blocks > 0) runsWithBlocks++;
            if (fast.work.runs > 1) runsWithMerges++;
          }
        },
      ),
      { seed: fcSeed(), numRuns: 500 },
    );
  });
});
