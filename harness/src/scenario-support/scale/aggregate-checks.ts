import type { AggregateResult, Prng } from '@omendb/engine';
import type { EngineAdapter } from '../../adapter.ts';
import type { Clock, LatencyRecorder } from '../../runner/scenario.ts';
import type { PointGenerator } from './point-generator.ts';
import { LoopYield } from './loop-yield.ts';
import { QueryTally } from './query-tally.ts';

/**
 * Bucketed aggregates (count, sum, min, max) over `spanPoints` consecutive points of a random
 * series, compared bucket by bucket with what the generator says. The sums are compared exactly:
 * the generator's values are dyadic (see point-generator.ts), so any order of addition gives the
 * same float64 for spans up to 2^22 points.
 */

export const aggregateSpanPointsMax = 2 ** 22;

export interface AggregateCheckOptions {
  readonly adapter: EngineAdapter;
  readonly generator: PointGenerator;
  readonly prng: Prng;
  readonly count: number;
  readonly spanPoints: number;
  /** Bucket width in key units (microseconds). */
  readonly bucketWidth: number;
  readonly clock: Clock;
  readonly latency: LatencyRecorder;
}

export interface AggregateCheckTally {
  readonly tally: QueryTally;
  readonly buckets: number;
}

interface ExpectedBucket {
  readonly start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** The buckets of points first .. first + span - 1 of series s, in key order. */
export function expectedBuckets(
  generator: PointGenerator,
  s: number,
  first: number,
  span: number,
  width: number,
): ExpectedBucket[] {
  const buckets: ExpectedBucket[] = [];
  for (let i = first; i < first + span; i++) {
    const key = generator.keyNumber(s, i);
    const value = generator.value(s, i);
    const start = key - (key % width); // keys are positive: the floor of key / width, times width
    const last = buckets.at(-1);
    if (last !== undefined && last.start === start) {
      last.count++;
      last.sum += value;
      last.min = Math.min(last.min, value);
      last.max = Math.max(last.max, value);
    } else buckets.push({ start, count: 1, sum: value, min: value, max: value });
  }
  return buckets;
}

function compareBuckets(got: AggregateResult, expected: readonly ExpectedBucket[]): string | undefined {
  if (got.buckets.length !== expected.length)
    return `${got.buckets.length} buckets, expected ${expected.length}`;
  for (let b = 0; b < expected.length; b++) {
    const want = expected[b]!;
    const have = got.buckets[b]!;
    const same =
      have.start === BigInt(want.start) &&
      have.count === want.count &&
      have.sum === want.sum &&
      have.min === want.min &&
      have.max === want.max;
    if (!same)
      return `bucket ${b}: ${JSON.stringify({ ...have, start: String(have.start) })}, expected ${JSON.stringify(want)}`;
  }
  return undefined;
}

export async function aggregateChecks(options: AggregateCheckOptions): Promise<AggregateCheckTally> {
  const { adapter, generator, prng, count, bucketWidth, clock } = options;
  if (options.spanPoints > aggregateSpanPointsMax)
    throw new Error(`OmenDB harness invariant violated: aggregate span above ${aggregateSpanPointsMax}`);
  const tally = new QueryTally();
  let buckets = 0;
  const loop = new LoopYield();
  for (let n = 0; n < count; n++) {
    const { s, series, first, span, from, to } = generator.randomSpan(prng, options.spanPoints);
    const sent = clock.now();
    const got = await adapter.aggregate(series, from, to, {
      bucket: BigInt(bucketWidth),
      fns: ['count', 'sum', 'min', 'max'],
    });
    options.latency.record(clock.now() - sent);
    buckets += got.buckets.length;
    const problem = compareBuckets(got, expectedBuckets(generator, s, first, span, bucketWidth));
    tally.record(problem === undefined ? undefined : `aggregate ${series} [${from}, ${to}]: ${problem}`);
    await loop.yieldNow();
  }
  return { tally, buckets };
}
