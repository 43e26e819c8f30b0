import { assert, isOmenDbError, OmenDbError } from '../errors.ts';
import { fsErrorCode, type FileSystem } from '../fs/file-system.ts';
import { NodeFileSystem } from '../fs/node-file-system.ts';
import { keyIndexFactories, keyIndexFromModel } from '../index/index-factories.ts';
import type { KeyIndexFactory } from '../index/key-index.ts';
import type { Table } from 'apache-arrow';
import {
  compactionInputBytesMax,
  groupCommitBytesMax,
  groupCommitRecordsMax,
  memtableFlushBacklogFactor,
  memtableTombstonesMax,
  walCheckpointFactor,
  rangeLimitDefault,
  rangeLimitMax,
  segmentJobInThreadPointsMax,
  segmentJobSnapshotSlicePointsMax,
  seriesCountMax,
  writeBatchPointsMax,
  writeQueueRecordsMax,
} from '../limits.ts';
import { aggregateLayers } from '../query/aggregate.ts';
import {
  type AggregateOptions,
  type AggregateResult,
  parseAggregateOptions,
} from '../query/aggregate-options.ts';
import { type ArrowInput, arrowBatches, pointsTable, readArrowPoints } from '../query/arrow-io.ts';
import { Mutex } from '../util/mutex.ts';
import { acquireDirLock, type DirLock } from './dir-lock.ts';
import { keyMax, toKey, toRange, validateSeriesName, validateValue } from './keys.ts';
import { type Layer, LoadedSegment, memtableLayer } from './layer.ts';
import {
  emptyManifest,
  type Manifest,
  readManifest,
  type SegmentRecord,
  segmentFileName,
  segmentFilePattern,
  writeFileAtomic,
  writeManifest,
} from './manifest.ts';
import { Memtable, type RawSeriesColumns, rawSeriesView } from './memtable.ts';
import { type EngineOptions, type ResolvedOptions, resolveOptions } from './options.ts';
import { getPoint, type RangePage, rangePoints } from './read-path.ts';
import { decodeSegment } from './segment-file.ts';
import {
  inThreadSegmentJobs,
  type SegmentJobExecutor,
  type SegmentJobRunner,
  splitSegmentJobs,
} from './segment-job-runner.ts';
import { type BuiltSegment, type CompactionInput, exclusiveBytes } from './segment-jobs.ts';
import { SegmentWorkerClient } from './segment-worker-client.ts';
import { type WalRecoveryResult, recoverWal } from './wal-recovery.ts';
import { encodeWalRecord, putViews, type WalOperation, walFileHeaderBytes } from './wal-record.ts';
import { walFileName, WalWriter } from './wal-writer.ts';

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

/** What a backup reads: the data directory, its file system, and the manifest of one checkpoint. */
export interface CheckpointedFiles {
  readonly dir: string;
  readonly fs: FileSystem;
  readonly manifest: Manifest;
}

export interface EngineStats {
  sync: string;
  series: number;
  memtablePoints: number;
  memtableBytes: number;
  segments: number;
  segmentPoints: number;
  segmentBytes: number;
  walBytesWritten: number;
  walFile: string;
  lastSeq: string;
  checkpointSeq: string;
  writes: number;
  pointsWritten: number;
  groupCommits: number;
  fsyncs: number;
  flushes: number;
  compactions: number;
  /** Epoch ms of the last checkpoint since open (a flush that advanced the WAL position); 0: none yet. */
  lastCheckpointMs: number;
  failed: string | null;
  recovery: RecoveryStats;
  index: IndexStats;
}

/** The key indexes of all sealed segments, summed: what the learned index costs and how well it fits. */
export interface IndexStats {
  kind: string;
  runs: number;
  keys: number;
  leaves: number;
  /** Mean window over all indexed keys (positions searched after a prediction). */
  windowMean: number;
  windowMax: number;
  bytes: number;
}

export interface RecoveryStats {
  durationMs: number;
  replayedRecords: number;
  skippedRecords: number;
  tornTail: { file: string; offset: number; bytesDropped: number } | null;
  corruptionDropped: { file: string; offset: number; bytesDropped: number } | null;
  orphanFilesRemoved: number;
}

interface QueuedWrite {
  readonly seq: bigint;
  readonly op: WalOperation;
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
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

export class Engine {
  private manifest: Manifest = emptyManifest;
  private nextSegmentId = 1;
  private segments: LoadedSegment[] = [];
  private active = new Memtable();
  private frozen: Memtable | undefined;
  private readonly liveSeries = new Set<string>();
  private layerCache: {
    active: Memtable | undefined;
    frozen: Memtable | undefined;
    segments: readonly LoadedSegment[] | undefined;
    layers: Layer[];
  } = { active: undefined, frozen: undefined, segments: undefined, layers: [] };
  private wal: WalWriter | undefined;
  /** wal.bytesWritten when the memtable was last frozen: what a checkpoint will let go of. */
  private walBytesAtFreeze = 0;
  private nextSeq = 1n;
  private appliedSeq = 0n;
  private readonly queue: QueuedWrite[] = [];
  private readonly queueSpaceWaiters: (() => void)[] = [];
  private flusherRunning = false;
  private failure: OmenDbError | undefined;
  private closing = false;
  private closed = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly walLock = new Mutex();
  private readonly checkpointLock = new Mutex();
  private readonly compactionLock = new Mutex();
  private readonly manifestLock = new Mutex();
  private readonly maintenance = new Set<Promise<unknown>>();
  private readonly indexFactory: KeyIndexFactory;
  private readonly counters = {
    writes: 0,
    pointsWritten: 0,
    groupCommits: 0,
    fsyncs: 0,
    flushes: 0,
    compactions: 0,
    /** Wall-clock time (epoch ms) of the last manifest commit that advanced the checkpoint; 0: none since open. */
    lastCheckpointMs: 0,
  };
  private recoveryStats: RecoveryStats = {
    durationMs: 0,
    replayedRecords: 0,
    skippedRecords: 0,
    tornTail: null,
    corruptionDropped: null,
    orphanFilesRemoved: 0,
  };

  /** @internal use openEngine */
  constructor(
    private readonly fs: FileSystem,
    private readonly options: ResolvedOptions,
    private readonly lock: DirLock,
    private readonly segmentJobs: SegmentJobRunner = inThreadSegmentJobs,
  ) {
    this.indexFactory = keyIndexFactories[options.index];
  }

  private get walDir(): string {
    return `${this.options.dir}/wal`;
  }

  private get segmentDir(): string {
    return `${this.options.dir}/segments`;
  }

  // ---------------------------------------------------------------- recovery

  /** @internal called once by openEngine */
  async recover(): Promise<void> {
    const started = performance.now();
    const existing = await readManifest(this.fs, this.options.dir);
    if (existing === undefined) {
      await this.refuseSegmentsWithoutManifest();
      await writeManifest(this.fs, this.options.dir, emptyManifest);
    }
    this.manifest = existing ?? emptyManifest;
    this.nextSegmentId = this.manifest.nextSegmentId;
    for (const record of this.manifest.segments) {
      const bytes = await this.fs.readFile(`${this.segmentDir}/${record.file}`).catch((error: unknown) => {
        if (fsErrorCode(error) === 'ENOENT') {
          throw new OmenDbError(
            'OMENDB_ERR_SEGMENT_CORRUPT',
            `segment ${record.file} listed in the manifest is missing`,
            {
              file: record.file,
            },
          );
        }
        throw error;
      });
      this.segments.push(new LoadedSegment(record, decodeSegment(bytes, record), this.indexFactory));
    }
    const orphans = await this.removeOrphanSegments();
    const result = await recoverWal(
      this.fs,
      this.walDir,
      this.manifest.checkpointSeq,
      this.options.recovery,
      (record) => this.apply(record.op),
    );
    await this.cleanUpWal(result);
    this.appliedSeq = result.lastSeq;
    this.nextSeq = result.lastSeq + 1n;
    this.wal = await WalWriter.create(this.fs, this.walDir, this.nextSeq);
    this.rebuildLiveSeries();
    this.recoveryStats = {
      durationMs: performance.now() - started,
      replayedRecords: result.replayedRecords,
      skippedRecords: result.skippedRecords,
      tornTail: result.tornTail ?? null,
      corruptionDropped: result.corruptionDropped ?? null,
      orphanFilesRemoved: orphans,
    };
    this.logRecovery(result);
    if (this.options.sync === 'interval') this.startSyncTimer();
  }

  /**
   * The first MANIFEST is written before any segment exists, and every later one replaces it
   * atomically, so segments without a MANIFEST mean it was deleted or lost: starting afresh would
   * take every segment for an orphan and delete the data. Refuse, and leave the files as they are.
   */
  private async refuseSegmentsWithoutManifest(): Promise<void> {
    const names = (await this.fs.exists(this.segmentDir)) ? await this.fs.list(this.segmentDir) : [];
    const sealed = names.filter((name) => segmentFilePattern.test(name));
    if (sealed.length > 0)
      throw new OmenDbError(
        'OMENDB_ERR_MANIFEST_CORRUPT',
        `MANIFEST is missing but ${sealed.length} segment files exist: restore MANIFEST or a backup`,
        { segments: sealed.length },
      );
  }

  private logRecovery(result: WalRecoveryResult): void {
    const log = this.options.logger;
    if (result.tornTail !== undefined) {
      log.warn(
        { ...result.tornTail, dir: this.options.dir },
        'WAL torn tail truncated (a crash during an append)',
      );
    }
    if (result.corruptionDropped !== undefined) {
      log.error(
        { ...result.corruptionDropped, dir: this.options.dir },
        "WAL mid-log corruption: recovery 'truncate' kept the valid prefix and dropped the rest",
      );
    }
    log.info({ ...this.recoveryStats, dir: this.options.dir }, 'recovery finished');
  }

  /** Segment files not in the manifest are left by a crash between writing one and committing it. */
  private async removeOrphanSegments(): Promise<number> {
    const live = new Set(this.manifest.segments.map((s) => s.file));
    let removed = 0;
    for (const name of await this.fs.list(this.segmentDir)) {
      const base = name.endsWith('.tmp') ? name.slice(0, -4) : name;
      if (!segmentFilePattern.test(base) || live.has(name)) continue;
      await this.fs.unlink(`${this.segmentDir}/${name}`);
      removed++;
    }
    if (removed > 0) await this.fs.syncDir(this.segmentDir);
    return removed;
  }

  /**
   * Makes the cut durable before anything new is written: the bad tail is truncated and fsynced
   * and later files deleted, so a future recovery never sees stale bytes followed by new records.
   */
  private async cleanUpWal(result: WalRecoveryResult): Promise<void> {
    const cut = result.tornTail ?? result.corruptionDropped;
    const toDelete = [...result.obsoleteFiles, ...result.filesAfterCut];
    if (cut !== undefined) {
      const path = `${this.walDir}/${cut.file}`;
      if (cut.offset < walFileHeaderBytes) {
        toDelete.push(cut.file);
      } else {
        const handle = await this.fs.open(path, 'write');
        try {
          await handle.truncate(cut.offset);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
    }
    // The new WAL file is named after the next sequence number; a leftover file of that name can
    // only hold no records (any record in it would have a number past the last one recovered).
    const nextName = walFileName(result.lastSeq + 1n);
    if (!toDelete.includes(nextName) && (await this.fs.exists(`${this.walDir}/${nextName}`)))
      toDelete.push(nextName);
    for (const name of toDelete) await this.fs.unlink(`${this.walDir}/${name}`);
    if (toDelete.length > 0) await this.fs.syncDir(this.walDir);
  }

  private rebuildLiveSeries(): void {
    const names = new Set<string>();
    for (const layer of this.layers()) for (const name of layer.seriesNames()) names.add(name);
    for (const name of names) if (this.hasVisiblePoint(name)) this.liveSeries.add(name);
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
      this.checkWritable();
      return 0;
    }
    if (!this.liveSeries.has(series) && this.liveSeries.size >= seriesCountMax) {
      throw new OmenDbError('OMENDB_ERR_LIMIT_SERIES_COUNT', `at most ${seriesCountMax} series`, {
        limit: seriesCountMax,
      });
    }
    await this.submit({ kind: 'put', series, keys, values });
    return keys.length;
  }

  /** Deletes every point with from <= key <= to (bounds default to the int64 extremes). */
  async deleteRange(series: string, from?: bigint | number, to?: bigint | number): Promise<void> {
    validateSeriesName(series);
    const range = toRange(from, to);
    await this.submit({ kind: 'deleteRange', series, from: range.from, to: range.to });
  }

  /** Removes a series and all its points; writing to it later starts it afresh. */
  async dropSeries(series: string): Promise<void> {
    validateSeriesName(series);
    await this.submit({ kind: 'dropSeries', series });
  }

  private checkWritable(): void {
    if (this.closing || this.closed) throw new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'engine is closed');
    if (this.failure !== undefined) {
      throw new OmenDbError('OMENDB_ERR_ENGINE_FAILED', `engine failed earlier: ${this.failure.message}`, {
        cause: this.failure.code,
      });
    }
  }

  private async submit(op: WalOperation): Promise<void> {
    this.checkWritable();
    while (this.queue.length >= writeQueueRecordsMax) {
      await new Promise<void>((resolve) => this.queueSpaceWaiters.push(resolve));
      this.checkWritable();
    }
    if (op.kind === 'put') this.liveSeries.add(op.series);
    const seq = this.nextSeq++;
    const bytes = encodeWalRecord(seq, op);
    const applied: WalOperation =
      op.kind === 'put' ? { ...op, ...putViews(bytes, op.series, op.keys.length) } : op;
    const done = new Promise<void>((resolve, reject) =>
      this.queue.push({ seq, op: applied, bytes, resolve, reject }),
    );
    void this.runFlusher();
    return done;
  }

  /**
   * The group-commit loop: takes every queued record (up to the group limits), appends them in
   * one write, fsyncs once for all of them, then applies them to the memtable in sequence order
   * and acknowledges them. Writers arriving during an fsync form the next group.
   */
  private async runFlusher(): Promise<void> {
    if (this.flusherRunning) return;
    this.flusherRunning = true;
    try {
      while (this.queue.length > 0 && this.failure === undefined) {
        await this.waitForMemtableRoom();
        const group = this.takeGroup();
        try {
          await this.walLock.run(() => this.commitGroup(group));
        } catch (error) {
          this.fail(new OmenDbError('OMENDB_ERR_WAL_IO', 'WAL append or fsync failed', {}, { cause: error }));
          for (const write of group) write.reject(this.failure);
          break;
        }
        for (const write of group) write.resolve();
        this.maybeScheduleMaintenance();
      }
    } finally {
      this.flusherRunning = false;
      if (this.failure !== undefined) this.rejectQueued();
    }
  }

  /**
   * Back-pressure: while a flush runs, writes go on into a new memtable; if that one too fills
   * up (memtableFlushBacklogFactor times the limit), writers wait for the flush rather than let
   * memory grow without bound.
   */
  private async waitForMemtableRoom(): Promise<void> {
    const full = this.active.bytes >= this.options.memtableBytesMax * memtableFlushBacklogFactor;
    if (full && this.checkpointLock.locked) await this.checkpointLock.run(async () => undefined);
  }

  private takeGroup(): QueuedWrite[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < groupCommitRecordsMax) {
      const next = this.queue[count]!;
      if (count > 0 && bytes + next.bytes.length > groupCommitBytesMax) break;
      bytes += next.bytes.length;
      count++;
    }
    const group = this.queue.splice(0, count);
    for (const wake of this.queueSpaceWaiters.splice(0)) wake();
    return group;
  }

  private async commitGroup(group: QueuedWrite[]): Promise<void> {
    const wal = this.requireWal();
    const bytes = group.length === 1 ? group[0]!.bytes : concatRecords(group);
    await wal.append(bytes, group[0]!.seq);
    if (this.options.sync === 'commit') await this.syncWal(wal);
    this.counters.groupCommits++;
    this.options.observer.groupCommit(group.length, bytes.length);
    for (const write of group) {
      assert(write.seq === this.appliedSeq + 1n, 'WAL records must be applied in sequence order');
      this.apply(write.op);
      this.appliedSeq = write.seq;
      this.counters.writes++;
      if (write.op.kind === 'put') this.counters.pointsWritten += write.op.keys.length;
    }
  }

  private async syncWal(wal: WalWriter): Promise<void> {
    const started = performance.now();
    await wal.sync();
    this.counters.fsyncs++;
    this.options.observer.walFsync((performance.now() - started) / 1000);
  }

  private apply(op: WalOperation): void {
    switch (op.kind) {
      case 'put':
        this.active.put(op.series, op.keys, op.values);
        this.liveSeries.add(op.series);
        break;
      case 'deleteRange':
        this.active.deleteRange(op.series, op.from, op.to);
        break;
      case 'dropSeries':
        this.active.drop(op.series);
        this.liveSeries.delete(op.series);
        break;
    }
  }

  private requireWal(): WalWriter {
    assert(this.wal !== undefined, 'WAL writer used before recovery');
    return this.wal;
  }

  /**
   * After an I/O failure nothing written since the last successful fsync can be trusted to be on
   * disk (a failed fsync may have dropped dirty pages), so the engine stops accepting writes.
   * Reads keep working; reopening recovers from what is durable.
   */
  private fail(error: OmenDbError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.options.logger.error(
      { code: error.code, cause: String(error.cause) },
      'engine failed; writes are refused until reopen',
    );
  }

  private rejectQueued(): void {
    const error = new OmenDbError(
      'OMENDB_ERR_ENGINE_FAILED',
      'engine failed before this write was committed',
    );
    for (const write of this.queue.splice(0)) write.reject(error);
    for (const wake of this.queueSpaceWaiters.splice(0)) wake();
  }

  private startSyncTimer(): void {
    this.syncTimer = setInterval(() => {
      if (this.failure !== undefined || this.wal === undefined || !this.wal.needsSync) return;
      this.walLock
        .run(async () => {
          if (this.wal !== undefined) await this.syncWal(this.wal);
        })
        .catch((error: unknown) =>
          this.fail(new OmenDbError('OMENDB_ERR_WAL_IO', 'interval fsync failed', {}, { cause: error })),
        );
    }, this.options.syncIntervalMs);
    this.syncTimer.unref();
  }

  // ---------------------------------------------------------------- reads

  /** Newest first: the active memtable, the one being flushed, then segments newest to oldest. */
  private layers(): Layer[] {
    const cache = this.layerCache;
    // Rebuilt only when the active memtable, the frozen one or the segment list was replaced:
    // point reads are the hot path and should not allocate a list each.
    if (cache.active === this.active && cache.frozen === this.frozen && cache.segments === this.segments) {
      return cache.layers;
    }
    const layers: Layer[] = [memtableLayer(this.active)];
    if (this.frozen !== undefined) layers.push(memtableLayer(this.frozen));
    for (let i = this.segments.length - 1; i >= 0; i--) layers.push(this.segments[i]!);
    this.layerCache = { active: this.active, frozen: this.frozen, segments: this.segments, layers };
    return layers;
  }

  private checkReadable(): void {
    if (this.closed) throw new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'engine is closed');
  }

  async get(series: string, key: bigint | number): Promise<number | undefined> {
    // A live series name was validated when it was written; only unknown names pay for the check.
    if (!this.liveSeries.has(series)) validateSeriesName(series);
    const exact = toKey(key);
    this.checkReadable();
    return getPoint(this.layers(), series, exact);
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
    this.checkReadable();
    const page = rangePoints(this.layers(), series, lo, bounds.to, limit);
    const last = page.keys[page.keys.length - 1];
    return { page, next: page.more && last !== undefined ? last : null };
  }

  /** Series that hold at least one point, sorted by name. */
  async listSeries(): Promise<string[]> {
    this.checkReadable();
    return [...this.liveSeries].filter((name) => this.hasVisiblePoint(name)).sort();
  }

  private hasVisiblePoint(series: string): boolean {
    return rangePoints(this.layers(), series, -(2n ** 63n), keyMax, 1).keys.length > 0;
  }

  // ---------------------------------------------------------------- aggregates and Arrow IO

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
    this.checkReadable();
    return aggregateLayers(this.layers(), series, bounds.from, bounds.to, spec).result;
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

  /** range() as an Arrow Table (`key` Int64, `value` Float64) built over the page's own arrays. */
  async rangeArrow(
    series: string,
    from?: bigint | number,
    to?: bigint | number,
    options: RangeOptions = {},
  ): Promise<RangeArrowResult> {
    // rangePoints returns fresh arrays (slices or merge output), so the table may own them.
    const { page, next } = this.readPage(series, from, to, options);
    return { table: pointsTable(page.keys, page.values), next };
  }

  // ---------------------------------------------------------------- maintenance

  private maybeScheduleMaintenance(): void {
    if (!this.options.autoMaintenance || this.closing || this.failure !== undefined) return;
    const full =
      this.active.bytes >= this.options.memtableBytesMax ||
      this.active.tombstones >= memtableTombstonesMax ||
      this.walBytesSinceFreeze() >= this.options.memtableBytesMax * walCheckpointFactor;
    if (full && !this.checkpointLock.locked) {
      this.track(this.checkpoint());
    }
  }

  /** WAL bytes appended since the memtable was last frozen for a checkpoint (all of them before the first). */
  private walBytesSinceFreeze(): number {
    return (this.wal?.bytesWritten ?? 0) - this.walBytesAtFreeze;
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => {
      if (!isOmenDbError(error, 'OMENDB_ERR_ENGINE_CLOSED')) {
        this.options.logger.warn({ error: String(error) }, 'background maintenance failed');
      }
    });
    this.maintenance.add(tracked);
    void tracked.finally(() => this.maintenance.delete(tracked));
  }

  /**
   * Flushes the memtable to a new segment and records in the manifest that the WAL up to here
   * is covered, then deletes the WAL files that only hold covered records.
   */
  async checkpoint(): Promise<void> {
    this.checkWritable();
    await this.checkpointLock.run(() => this.runCheckpoint());
  }

  private async runCheckpoint(): Promise<void> {
    if (this.failure !== undefined) return;
    try {
      await this.flushMemtable();
    } catch (error) {
      this.fail(maintenanceFailure('checkpoint failed', error));
      throw error;
    }
    if (this.options.autoMaintenance && this.segments.length >= this.options.compactionSegmentsTrigger) {
      if (!this.compactionLock.locked) this.track(this.compact());
    }
  }

  private async flushMemtable(): Promise<void> {
    let frozen: Memtable | undefined;
    let coveredSeq = 0n;
    await this.walLock.run(async () => {
      if (this.active.isEmpty && this.appliedSeq === this.manifest.checkpointSeq) return;
      // Under the WAL lock no group is half applied: everything appended is in the memtable.
      frozen = this.active;
      this.active = new Memtable();
      this.frozen = frozen;
      coveredSeq = this.appliedSeq;
      this.walBytesAtFreeze = this.requireWal().bytesWritten;
      await this.requireWal().rotate(coveredSeq + 1n);
    });
    if (frozen === undefined) return;
    const segment = frozen.isEmpty ? undefined : await this.flushToSegment(frozen);
    await this.manifestLock.run(async () => {
      const segments = segment === undefined ? this.segments : [...this.segments, segment];
      await this.commitManifest(segments, coveredSeq);
      this.segments = segments;
      this.frozen = undefined;
    });
    this.counters.flushes++;
    await this.deleteWalFilesBefore(coveredSeq + 1n);
  }

  private async commitManifest(segments: readonly LoadedSegment[], checkpointSeq: bigint): Promise<void> {
    const next: Manifest = {
      checkpointSeq,
      nextSegmentId: this.nextSegmentId,
      segments: segments.map((s) => s.record),
    };
    await writeManifest(this.fs, this.options.dir, next);
    if (checkpointSeq > this.manifest.checkpointSeq) this.counters.lastCheckpointMs = Date.now();
    this.manifest = next;
  }

  /**
   * The frozen memtable as a new segment: its series go to a segment job (sorted, encoded,
   * checksummed, decoded again and indexed there), and this thread only writes the bytes. The
   * frozen memtable stays in layers() meanwhile, so reads see its points until the caller
   * publishes the segment.
   */
  private async flushToSegment(frozen: Memtable): Promise<LoadedSegment> {
    const id = this.nextSegmentId++;
    const file = segmentFileName(id);
    let points = 0;
    for (const table of frozen.series.values()) points += table.length;
    const executor = this.segmentJobs.executorFor(points);
    const series = await frozenSeries(frozen, executor);
    const built = await executor.run({ kind: 'flush', file, index: this.options.index, series });
    assert(built !== undefined, 'a flush job always builds a segment');
    return this.writeSegment(id, file, built);
  }

  /** Writes a built segment durably (file fsynced, then its directory) and loads it with its prebuilt indexes. */
  private async writeSegment(id: number, file: string, built: BuiltSegment): Promise<LoadedSegment> {
    const record: SegmentRecord = {
      id,
      file,
      bytes: built.bytes.length,
      crc32: built.crc32,
      points: built.points,
    };
    await writeFileAtomic(this.fs, this.segmentDir, `${file}.tmp`, file, built.bytes);
    assert(built.models.length === built.series.length, 'a built segment has one index model per series');
    return new LoadedSegment(record, built.series, (keys, position) =>
      keyIndexFromModel(keys, built.models[position]!),
    );
  }

  private async deleteWalFilesBefore(firstLiveSeq: bigint): Promise<void> {
    const keep = walFileName(firstLiveSeq);
    let removed = 0;
    for (const name of await this.fs.list(this.walDir)) {
      if (name.startsWith('wal-') && name < keep) {
        await this.fs.unlink(`${this.walDir}/${name}`);
        removed++;
      }
    }
    if (removed > 0) await this.fs.syncDir(this.walDir);
  }

  /**
   * Merges the oldest segments (up to compactionInputBytesMax of them) into one, applying
   * overwrites and deletes. Reads and writes go on meanwhile: the merge runs as a segment job (in
   * the worker thread, or on this thread in slices for small runs and the simulated file system),
   * and the new segment replaces the old ones in one step after the manifest is durable.
   */
  async compact(): Promise<void> {
    this.checkWritable();
    await this.compactionLock.run(() => this.runCompaction());
  }

  private async runCompaction(): Promise<void> {
    if (this.failure !== undefined) return;
    const run: LoadedSegment[] = [];
    let bytes = 0;
    for (const segment of this.segments) {
      if (run.length > 0 && bytes + segment.record.bytes > compactionInputBytesMax) break;
      run.push(segment);
      bytes += segment.record.bytes;
    }
    if (run.length === 0 || (run.length === 1 && !run[0]!.hasTombstones)) return;
    try {
      const id = this.nextSegmentId++;
      const file = segmentFileName(id);
      const executor = this.segmentJobs.executorFor(run.reduce((sum, segment) => sum + segment.points, 0));
      const inputs = await this.compactionInputs(run, executor);
      const built = await executor.run({ kind: 'compact', file, index: this.options.index, inputs });
      const output = built === undefined ? undefined : await this.writeSegment(id, file, built);
      await this.manifestLock.run(async () => {
        // Checkpoints only append, and only compaction removes: the run is still the oldest prefix.
        assert(
          run.every((segment, i) => this.segments[i] === segment),
          'compacted segments must still be the oldest prefix',
        );
        const segments = [...(output === undefined ? [] : [output]), ...this.segments.slice(run.length)];
        await this.commitManifest(segments, this.manifest.checkpointSeq);
        this.segments = segments;
      });
      for (const segment of run) await this.fs.unlink(`${this.segmentDir}/${segment.record.file}`);
      await this.fs.syncDir(this.segmentDir);
    } catch (error) {
      this.fail(maintenanceFailure('compaction failed', error));
      throw error;
    }
    this.counters.compactions++;
  }

  /**
   * What a compaction job merges: on this thread, the loaded series themselves; for the worker,
   * the segment files read again (asynchronous I/O, no copy on this thread; the job checks them
   * against the manifest's size and CRC32 before parsing).
   */
  private async compactionInputs(
    run: readonly LoadedSegment[],
    executor: SegmentJobExecutor,
  ): Promise<CompactionInput[]> {
    if (executor.inThread) return run.map((segment) => ({ kind: 'data', series: segment.seriesData() }));
    const inputs: CompactionInput[] = [];
    for (const segment of run) {
      const bytes = await this.fs.readFile(`${this.segmentDir}/${segment.record.file}`);
      inputs.push({ kind: 'bytes', bytes: exclusiveBytes(bytes), expected: segment.record });
    }
    return inputs;
  }

  // ---------------------------------------------------------------- backups

  /**
   * Runs `copy` over a consistent, sealed view of the database: a checkpoint first (every write
   * acknowledged before this call is then in a segment the manifest lists, and a batch is never
   * torn, since groups are applied whole under the WAL lock), with compaction held off until `copy`
   * settles, so no listed segment is deleted while it is read. Writes go on meanwhile, into the WAL
   * and the memtable; later checkpoints only add segments and rewrite MANIFEST, which is why `copy`
   * gets the manifest as it was, not the file.
   */
  async withCheckpointedFiles<T>(copy: (view: CheckpointedFiles) => Promise<T>): Promise<T> {
    this.checkWritable();
    return this.compactionLock.run(async () => {
      await this.checkpointLock.run(() => this.runCheckpoint());
      this.checkWritable();
      return copy({ dir: this.options.dir, fs: this.fs, manifest: this.manifest });
    });
  }

  // ---------------------------------------------------------------- stats and close

  stats(): EngineStats {
    let memtablePoints = 0;
    for (const memtable of [this.active, this.frozen]) {
      for (const table of memtable?.series.values() ?? []) memtablePoints += table.length;
    }
    return {
      sync: this.options.sync,
      series: this.liveSeries.size,
      memtablePoints,
      memtableBytes: this.active.bytes + (this.frozen?.bytes ?? 0),
      segments: this.segments.length,
      segmentPoints: this.segments.reduce((sum, s) => sum + s.points, 0),
      segmentBytes: this.segments.reduce((sum, s) => sum + s.record.bytes, 0),
      walBytesWritten: this.wal?.bytesWritten ?? 0,
      walFile: this.wal?.currentFile ?? '',
      lastSeq: this.appliedSeq.toString(),
      checkpointSeq: this.manifest.checkpointSeq.toString(),
      ...this.counters,
      failed: this.failure?.code ?? null,
      recovery: this.recoveryStats,
      index: this.indexStats(),
    };
  }

  private indexStats(): IndexStats {
    const total: IndexStats = {
      kind: this.options.index,
      runs: 0,
      keys: 0,
      leaves: 0,
      windowMean: 0,
      windowMax: 0,
      bytes: 0,
    };
    for (const segment of this.segments) {
      for (const stats of segment.indexStats()) {
        total.runs++;
        total.windowMean += stats.windowMean * stats.keys;
        total.keys += stats.keys;
        total.leaves += stats.leaves;
        total.windowMax = Math.max(total.windowMax, stats.windowMax);
        total.bytes += stats.bytes;
      }
    }
    if (total.keys > 0) total.windowMean /= total.keys;
    return total;
  }

  /**
   * Stops accepting writes, lets queued writes and running maintenance finish, flushes the
   * memtable (so the next open replays nothing), and releases the directory lock.
   */
  async close(): Promise<void> {
    if (this.closing || this.closed) return;
    this.closing = true;
    try {
      while (this.flusherRunning || this.queue.length > 0) await this.runFlusherToEnd();
      await Promise.allSettled([...this.maintenance]);
      if (this.failure === undefined) await this.checkpointLock.run(() => this.runCheckpoint());
    } finally {
      if (this.syncTimer !== undefined) clearInterval(this.syncTimer);
      await this.segmentJobs.close().catch(() => undefined);
      await this.wal?.close().catch(() => undefined);
      this.closed = true;
      await this.lock.release();
    }
  }

  private async runFlusherToEnd(): Promise<void> {
    if (!this.flusherRunning) {
      await this.runFlusher();
      return;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The failure a flush or compaction leaves the engine in: the segment worker's own code when the
 * thread died (an operator then looks at memory or the process, not the disk) and the segment's
 * when a file read back for a compaction is damaged; else an I/O failure.
 */
function maintenanceFailure(message: string, cause: unknown): OmenDbError {
  if (
    isOmenDbError(cause, 'OMENDB_ERR_SEGMENT_WORKER_FAILED') ||
    isOmenDbError(cause, 'OMENDB_ERR_SEGMENT_CORRUPT')
  )
    return cause;
  return new OmenDbError('OMENDB_ERR_WAL_IO', message, {}, { cause });
}

function concatRecords(group: readonly QueuedWrite[]): Uint8Array {
  const total = group.reduce((sum, write) => sum + write.bytes.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const write of group) {
    bytes.set(write.bytes, offset);
    offset += write.bytes.length;
  }
  return bytes;
}

/**
 * The frozen memtable's series for a flush job. On this thread the job reads views of its arrays;
 * for the worker they are copied (the memtable stays readable here until its segment is
 * published), segmentJobSnapshotSlicePointsMax points at a time with a yield to the event loop
 * after each slice, so that requests wait for one slice, never for the whole memtable.
 */
async function frozenSeries(memtable: Memtable, executor: SegmentJobExecutor): Promise<RawSeriesColumns[]> {
  const views = [...memtable.series].map(([name, table]) => rawSeriesView(name, table));
  if (executor.inThread) return views;
  const copies: RawSeriesColumns[] = [];
  let sliceLeft = segmentJobSnapshotSlicePointsMax;
  for (const view of views) {
    const keys = new BigInt64Array(view.keys.length);
    const values = new Float64Array(view.values.length);
    for (let at = 0; at < keys.length; ) {
      const end = Math.min(keys.length, at + sliceLeft);
      keys.set(view.keys.subarray(at, end), at);
      values.set(view.values.subarray(at, end), at);
      sliceLeft -= end - at;
      at = end;
      if (sliceLeft === 0) {
        sliceLeft = segmentJobSnapshotSlicePointsMax;
        await yieldToEventLoop();
      }
    }
    copies.push({ ...view, keys, values, tombstones: view.tombstones.slice() });
  }
  return copies;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
