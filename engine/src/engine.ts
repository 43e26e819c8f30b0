import type { Table } from 'apache-arrow';
import { OmenDbError } from './errors.ts';
import type { FileSystem } from './fs/file-system.ts';
import { NodeFileSystem } from './fs/node-file-system.ts';
import { keyIndexFactories, keyIndexFromModel } from './index/index-factories.ts';
import {
  rangeLimitDefault,
  rangeLimitMax,
  segmentJobInThreadPointsMax,
  seriesCountMax,
  writeBatchPointsMax,
} from './limits.ts';
import { aggregateLayers } from './query/aggregate.ts';
import {
  type AggregateOptions,
  type AggregateResult,
  parseAggregateOptions,
} from './query/aggregate-options.ts';
import { type ArrowInput, arrowBatches, pointsTable, readArrowPoints } from './query/arrow-io.ts';
import { loadArrow } from './query/arrow-module.ts';
import { acquireDirLock, type DirLock } from './storage/dir-lock.ts';
import { EngineState } from './storage/engine-state.ts';
import { engineStats } from './storage/engine-stats.ts';
import type { CheckpointedFiles, EngineStats } from './storage/engine-types.ts';
import { toKey, toRange, validateSeriesName, validateValue } from './storage/keys.ts';
import { Maintenance } from './storage/maintenance.ts';
import { type EngineOptions, type ResolvedOptions, resolveOptions } from './storage/options.ts';
import { getPoint, type RangePage, rangePoints } from './storage/read-path.ts';
import { Recovery } from './storage/recovery.ts';
import {
  inThreadSegmentJobs,
  type SegmentJobRunner,
  splitSegmentJobs,
} from './storage/segment-job-runner.ts';
import { SegmentWorkerClient } from './storage/segment-worker-client.ts';
import { WritePath } from './storage/write-path.ts';

export type Point = readonly [key: bigint | number, value: number];

export interface RangeOptions {
  /** Page size: 1 to rangeLimitMax, default rangeLimitDefault. */
  limit?: number;
  /** Cursor: return only keys strictly greater than this (the `next` of the previous page). */
  after?: bigint | number;
}

export interface RangeResult {
  points: [bigint, number][];
  /** Pass as `after` to get the next page; null when this page reached the end. */
  next: bigint | null;
}

export interface RangeArrowResult {
  /** Columns `key` (Int64) and `value` (Float64), ascending by key. */
  table: Table;
  /** Pass as `after` to get the next page; null when this page reached the end. */
  next: bigint | null;
}

/** Seams for tests, not options: where flush and compaction jobs run. */
export interface EngineInternals {
  /** Default: the segment worker (jobs over segmentJobInThreadPointsMax) on node:fs, the calling thread otherwise. */
  readonly segmentJobs?: SegmentJobRunner;
}

/**
 * Opens (creating if needed) an engine over a data directory: takes the directory lock, loads
 * the manifest and its verified segments, replays the WAL after the checkpoint, and starts a new
 * WAL file. A failure releases the lock.
 */
export async function openEngine(options: EngineOptions, internals: EngineInternals = {}): Promise<Engine> {
  const resolved = resolveOptions(options);
  const fs = options.fs ?? new NodeFileSystem();
  await fs.mkdir(`${resolved.dir}/wal`);
  await fs.mkdir(`${resolved.dir}/segments`);
  const lock = await acquireDirLock(fs, resolved.dir);
  const segmentJobs = internals.segmentJobs ?? defaultSegmentJobs(fs);
  try {
    const engine = new Engine(fs, resolved, lock, segmentJobs);
    await engine.recover();
    return engine;
  } catch (error) {
    await segmentJobs.close().catch(() => undefined);
    await lock.release().catch(() => undefined);
    throw error;
  }
}

/**
 * On node:fs, large jobs go to a worker thread (created on the first one). On any other file
 * system (the simulated one of the crash tests) every job runs on the calling thread: a worker's
 * timing would change how flushes interleave with writes, and a crash seed would no longer
 * replay the same I/O steps.
 */
function defaultSegmentJobs(fs: FileSystem): SegmentJobRunner {
  if (!(fs instanceof NodeFileSystem)) return inThreadSegmentJobs;
  return splitSegmentJobs(new SegmentWorkerClient(), segmentJobInThreadPointsMax);
}

/**
 * The public API over one data directory. It validates every call and composes the parts below
 * it: the write path (storage/write-path.ts), flushes and compactions (storage/maintenance.ts),
 * recovery (storage/recovery.ts), the read path over the layers, and the query module's
 * aggregates and Arrow IO. Methods that only forward return the part's promise as it is (they are
 * not async), so no call adds a step to the order in which I/O interleaves.
 */
export class Engine {
  private readonly state: EngineState;
  private readonly maintenance: Maintenance;
  private readonly writes: WritePath;

  /** @internal use openEngine */
  constructor(
    fs: FileSystem,
    options: ResolvedOptions,
    private readonly lock: DirLock,
    segmentJobs: SegmentJobRunner = inThreadSegmentJobs,
  ) {
    this.state = new EngineState(fs, options, segmentJobs, {
      factory: keyIndexFactories[options.index],
      fromModel: keyIndexFromModel,
    });
    this.maintenance = new Maintenance(this.state);
    this.writes = new WritePath(this.state, this.maintenance);
  }

  /** @internal called once by openEngine */
  recover(): Promise<void> {
    return new Recovery(this.state, this.writes).recover();
  }

  // ---------------------------------------------------------------- writes

  /**
   * Writes a batch of [key, value] points to one series, atomically: after a crash either the
   * whole batch is there or none of it. An existing key's value is replaced; within one batch
   * the last occurrence of a key wins.
   */
  async write(series: string, points: readonly Point[]): Promise<number> {
    validateSeriesName(series);
    if (!Array.isArray(points))
      throw new OmenDbError('OMENDB_ERR_INPUT_POINTS', 'points must be an array of [key, value]');
    this.checkBatchSize(points.length);
    const keys = new BigInt64Array(points.length);
    const values = new Float64Array(points.length);
    for (let i = 0; i < points.length; i++) {
      const point = points[i];
      if (!Array.isArray(point) || point.length !== 2) {
        throw new OmenDbError('OMENDB_ERR_INPUT_POINTS', `point ${i} is not a [key, value] pair`, {
          index: i,
        });
      }
      keys[i] = toKey(point[0]);
      values[i] = validateValue(point[1]);
    }
    return this.writeValidated(series, keys, values);
  }

  /** Columnar write: the fast path for bulk loads (and Arrow input). Same semantics as write(). */
  async writeColumns(series: string, keys: BigInt64Array, values: Float64Array): Promise<number> {
    validateSeriesName(series);
    if (
      !(keys instanceof BigInt64Array) ||
      !(values instanceof Float64Array) ||
      keys.length !== values.length
    ) {
      throw new OmenDbError(
        'OMENDB_ERR_INPUT_POINTS',
        'keys must be a BigInt64Array and values a Float64Array of equal length',
      );
    }
    this.checkBatchSize(keys.length);
    for (let i = 0; i < values.length; i++) validateValue(values[i]);
    // No copy here: submit() encodes the batch into its WAL record at once, and the memtable is
    // fed from views of that record, so a caller reusing its arrays cannot change the batch.
    return this.writeValidated(series, keys, values);
  }

  private checkBatchSize(count: number): void {
    if (count > writeBatchPointsMax) {
      throw new OmenDbError(
        'OMENDB_ERR_LIMIT_BATCH_POINTS',
        `a batch holds at most ${writeBatchPointsMax} points`,
        {
          points: count,
          limit: writeBatchPointsMax,
        },
      );
    }
  }

  private async writeValidated(series: string, keys: BigInt64Array, values: Float64Array): Promise<number> {
    if (keys.length === 0) {
      this.state.checkWritable();
      return 0;
    }
    const liveSeries = this.state.liveSeries;
    if (!liveSeries.has(series) && liveSeries.size >= seriesCountMax) {
      throw new OmenDbError('OMENDB_ERR_LIMIT_SERIES_COUNT', `at most ${seriesCountMax} series`, {
        limit: seriesCountMax,
      });
    }
    await this.writes.submit({ kind: 'put', series, keys, values });
    return keys.length;
  }

  /** Deletes every point with from <= key <= to (bounds default to the int64 extremes). */
  async deleteRange(series: string, from?: bigint | number, to?: bigint | number): Promise<void> {
    validateSeriesName(series);
    const range = toRange(from, to);
    await this.writes.submit({ kind: 'deleteRange', series, from: range.from, to: range.to });
  }

  /** Removes a series and all its points; writing to it later starts it afresh. */
  async dropSeries(series: string): Promise<void> {
    validateSeriesName(series);
    await this.writes.submit({ kind: 'dropSeries', series });
  }

  /**
   * Writes an Arrow Table, or Arrow IPC stream or file bytes, with columns `key` (Int64, or
   * Timestamp of any unit, whose integer value is the key) and `value` (Float64), no nulls.
   * The whole input is validated before anything is written, so invalid input writes nothing.
   * It is written with writeColumns in batches of at most writeBatchPointsMax points: each
   * batch is one atomic WAL record, so a table larger than one batch is written as several
   * atomic batches, and a crash or I/O failure part way through may keep the first ones only.
   */
  async writeArrow(series: string, input: ArrowInput): Promise<number> {
    validateSeriesName(series);
    const points = readArrowPoints(input);
    if (points.rows === 0) return this.writeColumns(series, new BigInt64Array(0), new Float64Array(0));
    let written = 0;
    for (const batch of arrowBatches(points, writeBatchPointsMax)) {
      written += await this.writeColumns(series, batch.keys, batch.values);
    }
    return written;
  }

  // ---------------------------------------------------------------- reads

  async get(series: string, key: bigint | number): Promise<number | undefined> {
    // A live series name was validated when it was written; only unknown names pay for the check.
    if (!this.state.liveSeries.has(series)) validateSeriesName(series);
    const exact = toKey(key);
    this.state.checkReadable();
    return getPoint(this.state.layers(), series, exact);
  }

  /** Points with from <= key <= to, ascending, one page at a time. */
  async range(
    series: string,
    from?: bigint | number,
    to?: bigint | number,
    options: RangeOptions = {},
  ): Promise<RangeResult> {
    const { page, next } = this.readPage(series, from, to, options);
    const points: [bigint, number][] = new Array(page.keys.length);
    for (let i = 0; i < page.keys.length; i++) points[i] = [page.keys[i]!, page.values[i]!];
    return { points, next };
  }

  /** range() as an Arrow Table (`key` Int64, `value` Float64) built over the page's own arrays. */
  async rangeArrow(
    series: string,
    from?: bigint | number,
    to?: bigint | number,
    options: RangeOptions = {},
  ): Promise<RangeArrowResult> {
    // rangePoints returns fresh arrays (slices or merge output), so the table may own them.
    const { page, next } = this.readPage(series, from, to, options);
    // The Table goes to the caller, who may hand it to apache-arrow's own functions: it must be
    // of the ESM build they import (arrow-module.ts), loaded here once if nothing loaded it yet.
    await loadArrow();
    return { table: pointsTable(page.keys, page.values), next };
  }

  /** The validated page behind range() and rangeArrow(): fresh arrays, and the cursor for the next page. */
  private readPage(
    series: string,
    from: bigint | number | undefined,
    to: bigint | number | undefined,
    options: RangeOptions,
  ): { page: RangePage; next: bigint | null } {
    validateSeriesName(series);
    const bounds = toRange(from, to);
    const limit = options.limit ?? rangeLimitDefault;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > rangeLimitMax) {
      throw new OmenDbError('OMENDB_ERR_INPUT_RANGE', `limit must be an integer from 1 to ${rangeLimitMax}`, {
        limit,
      });
    }
    let lo = bounds.from;
    if (options.after !== undefined) {
      const after = toKey(options.after, 'after');
      if (after >= bounds.to) {
        return { page: { keys: new BigInt64Array(0), values: new Float64Array(0), more: false }, next: null };
      }
      if (after + 1n > lo) lo = after + 1n;
    }
    this.state.checkReadable();
    const page = rangePoints(this.state.layers(), series, lo, bounds.to, limit);
    const last = page.keys[page.keys.length - 1];
    return { page, next: page.more && last !== undefined ? last : null };
  }

  /** Series that hold at least one point, sorted by name. */
  async listSeries(): Promise<string[]> {
    this.state.checkReadable();
    return [...this.state.liveSeries].filter((name) => this.state.hasVisiblePoint(name)).sort();
  }

  /**
   * count, sum, min, max, mean, first and last of the points with from <= key <= to (bounds
   * default to the int64 extremes): over the whole range, or per non-empty bucket of
   * `options.bucket` keys aligned to multiples of the width. Sums are compensated. Whole blocks
   * of sealed segments that no newer layer shadows come from precomputed block summaries.
   */
  async aggregate(
    series: string,
    from?: bigint | number,
    to?: bigint | number,
    options?: AggregateOptions,
  ): Promise<AggregateResult> {
    validateSeriesName(series);
    const bounds = toRange(from, to);
    const spec = parseAggregateOptions(options);
    this.state.checkReadable();
    return aggregateLayers(this.state.layers(), series, bounds.from, bounds.to, spec).result;
  }

  // ---------------------------------------------------------------- maintenance and backups

  /**
   * Flushes the memtable to a new segment and records in the manifest that the WAL up to here
   * is covered, then deletes the WAL files that only hold covered records.
   */
  checkpoint(): Promise<void> {
    return this.maintenance.checkpoint();
  }

  /** Merges the oldest segments into one, applying overwrites and deletes; reads and writes go on meanwhile. */
  compact(): Promise<void> {
    return this.maintenance.compact();
  }

  /**
   * Runs `copy` over a consistent, sealed view of the database (a checkpoint first, compaction
   * held off until `copy` settles) while writes go on: see Maintenance.withCheckpointedFiles.
   */
  withCheckpointedFiles<T>(copy: (view: CheckpointedFiles) => Promise<T>): Promise<T> {
    return this.maintenance.withCheckpointedFiles(copy);
  }

  // ---------------------------------------------------------------- stats and close

  stats(): EngineStats {
    return engineStats(this.state);
  }

  /**
   * Stops accepting writes, lets queued writes and running maintenance finish, flushes the
   * memtable (so the next open replays nothing), and releases the directory lock.
   */
  async close(): Promise<void> {
    const state = this.state;
    if (state.closing || state.closed) return;
    state.closing = true;
    try {
      while (this.writes.pending) await this.writes.runFlusherToEnd();
      await Promise.allSettled([...this.maintenance.running]);
      if (state.failure === undefined) await state.checkpointLock.run(() => this.maintenance.runCheckpoint());
    } finally {
      this.writes.stopSyncTimer();
      await state.segmentJobs.close().catch(() => undefined);
      await state.wal?.close().catch(() => undefined);
      state.closed = true;
      await this.lock.release();
    }
  }
}
