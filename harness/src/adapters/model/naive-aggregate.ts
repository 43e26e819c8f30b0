import type { AggregateBucket, AggregateResult } from '@omendb/engine';
import { aggregateFns, limits, OmenDbError } from '@omendb/engine';
import type { AggregateQuery, Point } from '../../adapter.ts';
import { exactSum } from './exact-sum.ts';

/**
 * Aggregates the slow and obvious way, as the engine's README defines them: group the points by
 * bucket, then count, sum exactly, and take min, max, first and last of each group.
 *
 * The exact sum is the reference the engine's compensated sums are held to (within 1e-12 of it,
 * relative to the sum of absolute values). It differs in one corner beyond that bound: when a
 * running partial sum overflows, the engine answers ±Infinity even if the exact sum is finite.
 */

/** floor(a / b) for b > 0: bigint division truncates toward zero, so negative keys step down one. */
export function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a % b < 0n ? quotient - 1n : quotient;
}

/** `points` are those with from <= key <= to, in ascending key order. */
export function naiveAggregate(
  points: readonly Point[],
  from: bigint,
  query: AggregateQuery,
): AggregateResult {
  const groups = new Map<bigint, number[]>();
  for (const [key, value] of points) {
    const start = query.bucket === undefined ? from : floorDiv(key, query.bucket) * query.bucket;
    const group = groups.get(start);
    if (group === undefined) groups.set(start, [value]);
    else group.push(value);
  }
  if (groups.size > limits.aggregateBucketsMax) {
    throw new OmenDbError(
      'OMENDB_ERR_LIMIT_AGGREGATE_BUCKETS',
      `an aggregate returns at most ${limits.aggregateBucketsMax} non-empty buckets`,
    );
  }
  const fns = new Set(query.fns ?? aggregateFns);
  // Keys ascend, so bucket starts ascend in insertion order too.
  return { buckets: [...groups].map(([start, values]) => bucketOf(start, values, fns)) };
}

function bucketOf(start: bigint, values: readonly number[], fns: ReadonlySet<string>): AggregateBucket {
  const bucket: AggregateBucket = { start, count: values.length };
  const sum = exactSum(values);
  if (fns.has('sum')) bucket.sum = sum;
  // Math.min and Math.max order -0 below +0, as the engine does.
  if (fns.has('min')) bucket.min = values.reduce((a, b) => Math.min(a, b));
  if (fns.has('max')) bucket.max = values.reduce((a, b) => Math.max(a, b));
  if (fns.has('mean')) bucket.mean = sum / values.length;
  if (fns.has('first')) bucket.first = values[0]!;
  if (fns.has('last')) bucket.last = values[values.length - 1]!;
  return bucket;
}
