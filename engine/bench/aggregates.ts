import type { AggregateBucket } from '../src/query/aggregate-options.ts';
import type { Engine } from '../src/engine.ts';
import type { SqliteQueries } from './sqlite-baseline.ts';
import { aggregateBucketMs, seriesName } from './workloads.ts';

/**
 * Aggregates over one window of keys: count, sum, min, max and mean over the whole window, and
 * the same per bucket of aggregateBucketMs. Each query answers with its total count, which every
 * contender must agree on; verifyAggregates checks the figures themselves once before timing.
 */

export interface AggregateWindow {
  readonly from: bigint;
  readonly to: bigint;
  readonly points: number;
}

export type AggregateOp = () => number | Promise<number>;

const wholeFns = ['count', 'sum', 'min', 'max', 'mean'] as const;

/** Whether the engine has aggregate() (it is being added while this benchmark is written). */
export function engineHasAggregate(engine: Engine): boolean {
  return typeof (engine as Partial<Pick<Engine, 'aggregate'>>).aggregate === 'function';
}

export function engineWhole(engine: Engine, window: AggregateWindow): AggregateOp {
  return async () => {
    const { buckets } = await engine.aggregate(seriesName, window.from, window.to, { fns: wholeFns });
    return buckets[0]?.count ?? 0;
  };
}

export function sqliteWhole(queries: SqliteQueries, window: AggregateWindow): AggregateOp {
  const aggregate = queries.aggregate;
  return () => Number(aggregate.get(window.from, window.to)?.[0] ?? 0);
}

export function engineBuckets(engine: Engine, window: AggregateWindow): AggregateOp {
  const bucket = BigInt(aggregateBucketMs);
  return async () => {
    const { buckets } = await engine.aggregate(seriesName, window.from, window.to, { bucket, fns: wholeFns });
    let count = 0;
    for (const entry of buckets) count += entry.count;
    return count;
  };
}

export function sqliteBuckets(queries: SqliteQueries, window: AggregateWindow): AggregateOp {
  const buckets = queries.buckets;
  return () => {
    let count = 0;
    for (const row of buckets.all(window.from, window.to)) count += Number(row[1]);
    return count;
  };
}

/** Relative difference allowed between compensated (engine) and SQLite's sums and means. */
const sumTolerance = 1e-9;

function close(a: number | undefined, b: number, scale: number): boolean {
  return a !== undefined && Math.abs(a - b) <= sumTolerance * Math.max(1, scale);
}

/**
 * Checks once, before anything is timed, that the engine and SQLite compute the same aggregates:
 * equal counts, minima, maxima and bucket starts, sums and means equal up to rounding.
 */
export async function verifyAggregates(
  engine: Engine,
  queries: SqliteQueries,
  window: AggregateWindow,
  bucketed: boolean,
): Promise<void> {
  const whole = await engine.aggregate(seriesName, window.from, window.to, { fns: wholeFns });
  const row = queries.aggregate.get(window.from, window.to);
  if (row === undefined) throw new Error('SQLite returned no aggregate row');
  compare('whole range', whole.buckets[0], row[0], row.slice(1) as number[], undefined);
  if (!bucketed) return;
  const { buckets } = await engine.aggregate(seriesName, window.from, window.to, {
    bucket: BigInt(aggregateBucketMs),
    fns: wholeFns,
  });
  const rows = queries.buckets.all(window.from, window.to);
  if (buckets.length !== rows.length)
    throw new Error(`bucket counts differ: engine ${buckets.length}, SQLite ${rows.length}`);
  for (let i = 0; i < rows.length; i++) {
    const [start, count, ...figures] = rows[i]!;
    compare(`bucket ${i}`, buckets[i], count, figures, start);
  }
}

function compare(
  what: string,
  bucket: AggregateBucket | undefined,
  count: bigint,
  [sum, min, max, mean]: number[],
  start: bigint | undefined,
): void {
  const scale = Math.abs(sum!);
  const agrees =
    bucket !== undefined &&
    BigInt(bucket.count) === count &&
    (start === undefined || bucket.start === start) &&
    bucket.min === min &&
    bucket.max === max &&
    close(bucket.sum, sum!, scale) &&
    close(bucket.mean, mean!, Math.abs(mean!));
  if (!agrees) {
    throw new Error(
      `aggregate ${what} differs: engine ${JSON.stringify(bucket, (_, v) => (typeof v === 'bigint' ? String(v) : v))}, ` +
        `SQLite ${[start, count, sum, min, max, mean].map(String).join(' ')}`,
    );
  }
}
