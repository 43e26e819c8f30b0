import { createPrng, seedFromEnv } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { EngineAdapter } from '../../../src/adapter.ts';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { realClock } from '../../../src/runner/clock.ts';
import { aggregateChecks, expectedBuckets } from '../../../src/scenario-support/scale/aggregate-checks.ts';
import { PointGenerator } from '../../../src/scenario-support/scale/point-generator.ts';
import { loadedModel, recorder, WrongSum } from './scale-fakes.ts';

const seed = seedFromEnv();
console.log(`scale aggregates seed ${seed} (replay: OMENDB_SEED=${seed})`);

const generator = new PointGenerator(seed, 'many', 3_000, 5);

function checks(adapter: EngineAdapter, count: number, spanPoints = 100, bucketWidth = 7_000) {
  return aggregateChecks({
    adapter,
    generator,
    prng: createPrng(seed),
    count,
    spanPoints,
    bucketWidth,
    clock: realClock,
    latency: recorder(),
  });
}

describe('the scale aggregate checks', () => {
  it('match the engine bucket by bucket, sums exactly, on a correct engine', async () => {
    const { model } = await loadedModel(generator);
    const result = await checks(model, 30, 1_000);
    expect(result.tally.toJSON()).toEqual({ checked: 30, mismatches: 0, examples: [] });
    expect(result.buckets).toBeGreaterThan(30 * 50);
  });

  it('catch a sum off by the smallest step, and buckets missing', async () => {
    const { model: wrong } = await loadedModel(generator, (inner) => new WrongSum(inner));
    const off = await checks(wrong, 10, 50, 10_000);
    expect(off.tally.mismatches).toBe(10);
    expect(off.tally.toJSON().examples[0]).toMatch(/bucket 0: /);
    const empty = new ModelAdapter();
    await empty.open();
    const missing = await checks(empty, 3);
    expect(missing.tally.toJSON().examples[0]).toMatch(/0 buckets, expected /);
  });

  it('refuses a span whose sums could be inexact', async () => {
    const { model } = await loadedModel(generator);
    await expect(checks(model, 1, 2 ** 23)).rejects.toThrow(/invariant/);
  });

  it('computes the expected buckets from the generator', () => {
    const buckets = expectedBuckets(generator, 1, 0, 100, 10_000);
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(100);
    for (const b of buckets) {
      expect(b.start % 10_000).toBe(0);
      expect(b.min).toBeLessThanOrEqual(b.max);
    }
  });
});
