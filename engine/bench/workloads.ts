/** The shapes of the measured work, shared by every contender. */

/** The one series every engine holds (the SQLite baseline has one table). */
export const seriesName = 'bench';

/** Points per write batch: one engine writeColumns, one SQLite transaction, one raw append + fsync. */
export const ingestBatchPoints = 10_000;

/** Points per range scan: engine.range limit and SQL LIMIT. */
export const rangeScanPoints = 1000;

/** Points an aggregate reads: the whole data set, or a window of this many consecutive keys. */
export const aggregatePointsMax = 1_000_000;

/** Bucket width of the bucketed aggregate: one minute of millisecond timestamps. */
export const aggregateBucketMs = 60_000;
