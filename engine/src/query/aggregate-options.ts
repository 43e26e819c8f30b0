import { OmenDbError } from '../errors.ts';
import { keyMax } from '../storage/keys.ts';

export const aggregateFns = ['count', 'sum', 'min', 'max', 'mean', 'first', 'last'] as const;

export type AggregateFn = (typeof aggregateFns)[number];

export interface AggregateOptions {
  /**
   * Bucket width (a positive integer up to 2^63-1, bigint or safe-integer number): one result
   * per non-empty bucket, buckets aligned to multiples of the width. Omitted: one result over
   * the whole range.
   */
  bucket?: bigint | number;
  /** The aggregates to compute; default all. `count` is always returned. */
  fns?: readonly AggregateFn[];
}

/** One bucket's aggregates; only the requested ones are present. */
export interface AggregateBucket {
  /**
   * floor(key / width) * width for every key in the bucket (exact; for the lowest bucket it may
   * lie below -2^63); for a whole-range aggregate, the range's `from`.
   */
  start: bigint;
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  mean?: number;
  /** The value at the smallest key in the bucket. */
  first?: number;
  /** The value at the largest key in the bucket. */
  last?: number;
}

export interface AggregateResult {
  /** Non-empty buckets in ascending start order (at most one for a whole-range aggregate). */
  buckets: AggregateBucket[];
}

/** Validated aggregate options. */
export interface AggregateSpec {
  readonly fns: ReadonlySet<AggregateFn>;
  readonly bucket: bigint | undefined;
}

const knownFns: ReadonlySet<string> = new Set(aggregateFns);

function invalid(message: string, details: Record<string, unknown>): OmenDbError {
  return new OmenDbError('OMENDB_ERR_INPUT_AGGREGATE', message, details);
}

export function parseAggregateOptions(options: unknown): AggregateSpec {
  if (options === undefined) return { fns: knownFns as ReadonlySet<AggregateFn>, bucket: undefined };
  if (typeof options !== 'object' || options === null) {
    throw invalid('aggregate options must be an object', { options: typeof options });
  }
  const { fns, bucket } = options as { fns?: unknown; bucket?: unknown };
  return { fns: parseFns(fns), bucket: bucket === undefined ? undefined : parseBucketWidth(bucket) };
}

function parseFns(fns: unknown): ReadonlySet<AggregateFn> {
  if (fns === undefined) return knownFns as ReadonlySet<AggregateFn>;
  if (!Array.isArray(fns)) throw invalid('fns must be an array of aggregate names', { fns: typeof fns });
  for (const fn of fns) {
    if (typeof fn !== 'string' || !knownFns.has(fn)) {
      throw invalid(`unknown aggregate ${String(fn)}; known: ${aggregateFns.join(', ')}`, {
        fn: String(fn),
      });
    }
  }
  return new Set(fns as AggregateFn[]);
}

function parseBucketWidth(bucket: unknown): bigint {
  const width =
    typeof bucket === 'bigint' ? bucket : Number.isSafeInteger(bucket) ? BigInt(bucket as number) : undefined;
  if (width === undefined || width < 1n || width > keyMax) {
    throw invalid('bucket must be a positive integer up to 2^63-1 (a bigint or safe-integer number)', {
      bucket: String(bucket),
    });
  }
  return width;
}

/** floor(key / width) * width, flooring toward -infinity (bigint division truncates toward zero). */
export function bucketStartOf(key: bigint, width: bigint): bigint {
  const remainder = key % width;
  return remainder < 0n ? key - remainder - width : key - remainder;
}
