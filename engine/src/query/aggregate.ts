import { int64Words } from '../util/int64-words.ts';
import { OmenDbError } from '../errors.ts';
import { aggregateBucketsMax } from '../limits.ts';
import type { Layer } from '../storage/layer.ts';
import { gallopLowerBound, type VisibleRun, visibleRuns } from '../storage/read-path.ts';
import { Accumulator } from './accumulator.ts';
import type { BlockSummaries } from './block-summaries.ts';
import { firstSmallKeyAbove, smallBucketStartOf, smallKeyAt, smallKeyMagnitudeMax } from './small-keys.ts';
import {
  type AggregateBucket,
  type AggregateResult,
  type AggregateSpec,
  bucketStartOf,
} from './aggregate-options.ts';

/** What an aggregate touched: how much came from block summaries and how much was scanned. */
export interface AggregateWork {
  /** Stretches of one layer's visible points (see visibleRuns). */
  runs: number;
  /** Whole blocks taken from block summaries. */
  blocks: number;
  /** Values read one by one. */
  pointsScanned: number;
}

export interface AggregateOutcome {
  readonly result: AggregateResult;
  readonly work: AggregateWork;
}

/**
 * Aggregates the visible points of `series` with from <= key <= to over layers captured at the
 * start of the call (newest first), synchronously like every read.
 *
 * The merge yields runs: stretches of one layer with no other layer's points or tombstones
 * among them. A run from a sealed segment covers whole blocks of its series run wherever no
 * newer layer shadows it, and those blocks come from the run's precomputed block summaries;
 * only the partial blocks at the edges of a run (or of a bucket inside it) are scanned. Bucket
 * edges inside a run are found by galloping over the keys, so values are summed in tight loops
 * without reading a key per point. With useBlockSummaries false every value is scanned (the
 * fallback, kept for tests and measurements). Over 1M points in one segment the summaries made
 * a whole-range aggregate about 300 times faster than the scan (0.01 ms against 3 ms) and 1-hour
 * buckets of 1-second keys 3 times; 1-minute buckets (60 points, under a block) scan either way.
 */
export function aggregateLayers(
  layers: readonly Layer[],
  series: string,
  from: bigint,
  to: bigint,
  spec: AggregateSpec,
  useBlockSummaries = true,
): AggregateOutcome {
  const folder = new RunFolder(spec, useBlockSummaries);
  if (spec.bucket === undefined) {
    const accumulator = new Accumulator();
    for (const run of visibleRuns(layers, series, from, to))
      folder.fold(accumulator, run, run.start, run.end);
    const buckets = accumulator.count === 0 ? [] : [finish(accumulator, from, fieldsOf(spec))];
    return { result: { buckets }, work: folder.work };
  }
  const buckets = new BucketCollector(fieldsOf(spec), spec.bucket);
  for (const run of visibleRuns(layers, series, from, to)) buckets.add(folder, run);
  return { result: { buckets: buckets.finish() }, work: folder.work };
}

/** Folds positions of a run into an accumulator, taking whole blocks from summaries. */
class RunFolder {
  readonly work: AggregateWork = { runs: 0, blocks: 0, pointsScanned: 0 };
  private readonly needValues: boolean;
  private lastRun: VisibleRun | undefined;
  private lastSummaries: BlockSummaries | undefined;

  constructor(
    spec: AggregateSpec,
    private readonly useBlockSummaries: boolean,
  ) {
    const { fns } = spec;
    // count, first and last need only the run's ends.
    this.needValues = fns.has('sum') || fns.has('mean') || fns.has('min') || fns.has('max');
  }

  fold(accumulator: Accumulator, run: VisibleRun, start: number, end: number): void {
    if (run !== this.lastRun) {
      this.lastRun = run;
      this.lastSummaries = this.useBlockSummaries ? run.entry.blockSummaries?.() : undefined;
      this.work.runs++;
    }
    const { values } = run.entry;
    accumulator.addEnds(values, start, end);
    if (!this.needValues) return;
    const summaries = this.lastSummaries;
    if (summaries === undefined || end - start < summaries.blockPoints) {
      this.scan(accumulator, values, start, end);
      return;
    }
    const { blockPoints } = summaries;
    const blocks = summaries.sums.length;
    const firstBlock = Math.ceil(start / blockPoints);
    // The run's last block may be short; it is whole when the range reaches the run's end.
    const endBlock = end === values.length ? blocks : Math.floor(end / blockPoints);
    if (endBlock <= firstBlock) {
      this.scan(accumulator, values, start, end);
      return;
    }
    this.scan(accumulator, values, start, firstBlock * blockPoints);
    for (let block = firstBlock; block < endBlock; block++) {
      accumulator.addSummary(
        summaries.sums[block]!,
        summaries.compensations[block]!,
        summaries.mins[block]!,
        summaries.maxs[block]!,
      );
    }
    this.work.blocks += endBlock - firstBlock;
    this.scan(accumulator, values, Math.min(endBlock * blockPoints, end), end);
  }

  private scan(accumulator: Accumulator, values: Float64Array, start: number, end: number): void {
    if (end <= start) return;
    accumulator.addValues(values, start, end);
    this.work.pointsScanned += end - start;
  }
}

/** Splits runs at bucket edges, keeping one open bucket (keys arrive in ascending order). */
class BucketCollector {
  private readonly done: AggregateBucket[] = [];
  private current: Accumulator | undefined;
  private currentStart = 0n;
  /** The largest key of the open bucket (it may exceed the int64 range; bigint does not care). */
  private currentLast = 0n;
  /** The same as a double, when the bucket was opened by addSmall; currentLast is then stale. */
  private currentLastSmall: number | undefined;
  /** The width as a double when small-key arithmetic may be used with it. */
  private readonly smallWidth: number | undefined;

  constructor(
    private readonly fields: Fields,
    private readonly width: bigint,
  ) {
    this.smallWidth = width <= BigInt(smallKeyMagnitudeMax) ? Number(width) : undefined;
  }

  add(folder: RunFolder, run: VisibleRun): void {
    const { keys } = run.entry;
    const firstKey = keys[run.start]!;
    const lastKey = keys[run.end - 1]!;
    const small = BigInt(smallKeyMagnitudeMax);
    if (this.smallWidth !== undefined && run.end - run.start > 1 && firstKey >= -small && lastKey <= small) {
      const view = int64Words(keys);
      if (view !== undefined) {
        this.addSmall(folder, run, view, this.smallWidth);
        return;
      }
    }
    if (this.currentLastSmall !== undefined) {
      this.currentLast = BigInt(this.currentLastSmall);
      this.currentLastSmall = undefined;
    }
    let position = run.start;
    while (position < run.end) {
      const key = keys[position]!;
      const accumulator =
        this.current === undefined || key > this.currentLast ? this.open(key) : this.current;
      const end =
        this.currentLast >= lastKey
          ? run.end
          : gallopLowerBound(keys, this.currentLast + 1n, position + 1, run.end);
      folder.fold(accumulator, run, position, end);
      position = end;
    }
  }

  /** add() for a run whose keys lie within ±2^52, in double arithmetic (see small-keys.ts). */
  private addSmall(folder: RunFolder, run: VisibleRun, view: Int32Array, width: number): void {
    // Number() of a bucket end far outside ±2^52 may round, but never across the run's keys.
    let last =
      this.current === undefined
        ? Number.NEGATIVE_INFINITY
        : (this.currentLastSmall ?? Number(this.currentLast));
    let position = run.start;
    while (position < run.end) {
      const key = smallKeyAt(view, position);
      let accumulator = this.current;
      if (accumulator === undefined || key > last) {
        const start = smallBucketStartOf(key, width);
        last = start + width - 1;
        accumulator = this.openAt(BigInt(start), 0n);
        // Kept as a double; add() converts it if a later run needs the bigint.
        this.currentLastSmall = last;
      }
      const end = firstSmallKeyAbove(view, last, position + 1, run.end);
      folder.fold(accumulator, run, position, end);
      position = end;
    }
  }

  finish(): AggregateBucket[] {
    this.close();
    return this.done;
  }

  private open(key: bigint): Accumulator {
    const start = bucketStartOf(key, this.width);
    return this.openAt(start, start + this.width - 1n);
  }

  private openAt(start: bigint, last: bigint): Accumulator {
    this.close();
    if (this.done.length >= aggregateBucketsMax) {
      throw new OmenDbError(
        'OMENDB_ERR_LIMIT_AGGREGATE_BUCKETS',
        `an aggregate returns at most ${aggregateBucketsMax} non-empty buckets`,
        { limit: aggregateBucketsMax, bucket: this.width.toString() },
      );
    }
    this.currentStart = start;
    this.currentLast = last;
    this.currentLastSmall = undefined;
    this.current = new Accumulator();
    return this.current;
  }

  private close(): void {
    if (this.current === undefined) return;
    this.done.push(finish(this.current, this.currentStart, this.fields));
    this.current = undefined;
  }
}

/** Which fields a result carries, decided once per query rather than per bucket. */
interface Fields {
  readonly sum: boolean;
  readonly min: boolean;
  readonly max: boolean;
  readonly mean: boolean;
  readonly first: boolean;
  readonly last: boolean;
}

function fieldsOf(spec: AggregateSpec): Fields {
  const { fns } = spec;
  return {
    sum: fns.has('sum'),
    min: fns.has('min'),
    max: fns.has('max'),
    mean: fns.has('mean'),
    first: fns.has('first'),
    last: fns.has('last'),
  };
}

function finish(accumulator: Accumulator, start: bigint, fields: Fields): AggregateBucket {
  const bucket: AggregateBucket = { start, count: accumulator.count };
  if (fields.sum) bucket.sum = accumulator.total();
  if (fields.min) bucket.min = accumulator.min;
  if (fields.max) bucket.max = accumulator.max;
  if (fields.mean) bucket.mean = accumulator.total() / accumulator.count;
  if (fields.first) bucket.first = accumulator.first;
  if (fields.last) bucket.last = accumulator.last;
  return bucket;
}
