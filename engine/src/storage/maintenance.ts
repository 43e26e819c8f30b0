import { assert, isOmenDbError, OmenDbError } from '../errors.ts';
import {
  compactionInputBytesMax,
  segmentWriteSyncBytes,
  memtableTombstonesMax,
  segmentJobSnapshotSlicePointsMax,
  walCheckpointFactor,
} from '../limits.ts';
import type { EngineState } from './engine-state.ts';
import type { CheckpointedFiles } from './engine-types.ts';
import { LoadedSegment } from './layer.ts';
import {
  type Manifest,
  type SegmentRecord,
  segmentFileName,
  writeFileAtomic,
  writeManifest,
} from './manifest.ts';
import { isSharedColumn, Memtable, type RawSeriesColumns, rawSeriesView } from './memtable.ts';
import type { SegmentJobExecutor } from './segment-job-runner.ts';
import { type BuiltSegment, type CompactionInput, exclusiveBytes } from './segment-jobs.ts';
import { walFileName } from './wal-writer.ts';

/**
 * Flush and compaction: when to run them (after a group commit fills the memtable or the WAL),
 * checkpoints (memtable to segment, manifest commit, WAL trim) and compactions (oldest segments
 * merged), each under its own lock, and the manifest commit both of them publish through.
 */
export class Maintenance {
  /** Background checkpoints and compactions in flight: close() waits for them. */
  readonly running = new Set<Promise<unknown>>();

  constructor(private readonly state: EngineState) {}

  /** Called after each group commit: starts a checkpoint once the memtable or the WAL is full. */
  maybeSchedule(): void {
    const state = this.state;
    if (!state.options.autoMaintenance || state.closing || state.failure !== undefined) return;
    const full =
      state.active.bytes >= state.options.memtableBytesMax ||
      state.active.tombstones >= memtableTombstonesMax ||
      this.walBytesSinceFreeze() >= state.options.memtableBytesMax * walCheckpointFactor;
    if (full && !state.checkpointLock.locked) {
      this.track(this.checkpoint());
    }
  }

  /** WAL bytes appended since the memtable was last frozen for a checkpoint (all of them before the first). */
  private walBytesSinceFreeze(): number {
    return (this.state.wal?.bytesWritten ?? 0) - this.state.walBytesAtFreeze;
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => {
      if (!isOmenDbError(error, 'OMENDB_ERR_ENGINE_CLOSED')) {
        this.state.options.logger.warn({ error: String(error) }, 'background maintenance failed');
      }
    });
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }

  /** Engine.checkpoint(): a flush of the memtable under the checkpoint lock. */
  async checkpoint(): Promise<void> {
    this.state.checkWritable();
    await this.state.checkpointLock.run(() => this.runCheckpoint());
  }

  /** The checkpoint itself; the caller holds the checkpoint lock. */
  async runCheckpoint(): Promise<void> {
    const state = this.state;
    if (state.failure !== undefined) return;
    try {
      await this.flushMemtable();
    } catch (error) {
      state.fail(maintenanceFailure('checkpoint failed', error));
      throw error;
    }
    if (state.options.autoMaintenance && state.segments.length >= state.options.compactionSegmentsTrigger) {
      if (!state.compactionLock.locked) this.track(this.compact());
    }
  }

  private async flushMemtable(): Promise<void> {
    const state = this.state;
    let frozen: Memtable | undefined;
    let coveredSeq = 0n;
    await state.walLock.run(async () => {
      if (state.active.isEmpty && state.appliedSeq === state.manifest.checkpointSeq) return;
      // Under the WAL lock no group is half applied: everything appended is in the memtable.
      frozen = state.active;
      state.active = new Memtable();
      state.frozen = frozen;
      coveredSeq = state.appliedSeq;
      state.walBytesAtFreeze = state.requireWal().bytesWritten;
      await state.requireWal().rotate(coveredSeq + 1n);
    });
    if (frozen === undefined) return;
    const segment = frozen.isEmpty ? undefined : await this.flushToSegment(frozen);
    await state.manifestLock.run(async () => {
      const segments = segment === undefined ? state.segments : [...state.segments, segment];
      await this.commitManifest(segments, coveredSeq);
      state.segments = segments;
      state.frozen = undefined;
    });
    state.counters.flushes++;
    await this.deleteWalFilesBefore(coveredSeq + 1n);
  }

  private async commitManifest(segments: readonly LoadedSegment[], checkpointSeq: bigint): Promise<void> {
    const state = this.state;
    const next: Manifest = {
      checkpointSeq,
      nextSegmentId: state.nextSegmentId,
      segments: segments.map((s) => s.record),
    };
    await writeManifest(state.fs, state.options.dir, next);
    if (checkpointSeq > state.manifest.checkpointSeq) state.counters.lastCheckpointMs = Date.now();
    state.manifest = next;
  }

  /**
   * The frozen memtable as a new segment: its series go to a segment job (sorted, encoded,
   * checksummed, decoded again and indexed there), and this thread only writes the bytes. The
   * frozen memtable stays in layers() meanwhile, so reads see its points until the caller
   * publishes the segment.
   */
  private async flushToSegment(frozen: Memtable): Promise<LoadedSegment> {
    const id = this.state.nextSegmentId++;
    const file = segmentFileName(id);
    let points = 0;
    for (const table of frozen.series.values()) points += table.length;
    const executor = this.state.segmentJobs.executorFor(points);
    const series = await frozenSeries(frozen, executor);
    const built = await executor.run({ kind: 'flush', file, index: this.state.options.index, series });
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
    await writeFileAtomic(
      this.state.fs,
      this.state.segmentDir,
      `${file}.tmp`,
      file,
      built.bytes,
      segmentWriteSyncBytes,
    );
    assert(built.models.length === built.series.length, 'a built segment has one index model per series');
    const indexes = this.state.indexes;
    return new LoadedSegment(record, built.series, (keys, position) =>
      indexes.fromModel(keys, built.models[position]!),
    );
  }

  private async deleteWalFilesBefore(firstLiveSeq: bigint): Promise<void> {
    const { fs, walDir } = this.state;
    const keep = walFileName(firstLiveSeq);
    let removed = 0;
    for (const name of await fs.list(walDir)) {
      if (name.startsWith('wal-') && name < keep) {
        await fs.unlink(`${walDir}/${name}`);
        removed++;
      }
    }
    if (removed > 0) await fs.syncDir(walDir);
  }

  /**
   * Merges the oldest segments (up to compactionInputBytesMax of them) into one, applying
   * overwrites and deletes. Reads and writes go on meanwhile: the merge runs as a segment job (in
   * the worker thread, or on this thread in slices for small runs and the simulated file system),
   * and the new segment replaces the old ones in one step after the manifest is durable.
   */
  async compact(): Promise<void> {
    this.state.checkWritable();
    await this.state.compactionLock.run(() => this.runCompaction());
  }

  private async runCompaction(): Promise<void> {
    const state = this.state;
    if (state.failure !== undefined) return;
    const run: LoadedSegment[] = [];
    let bytes = 0;
    for (const segment of state.segments) {
      if (run.length > 0 && bytes + segment.record.bytes > compactionInputBytesMax) break;
      run.push(segment);
      bytes += segment.record.bytes;
    }
    if (run.length === 0 || (run.length === 1 && !run[0]!.hasTombstones)) return;
    try {
      const id = state.nextSegmentId++;
      const file = segmentFileName(id);
      const executor = state.segmentJobs.executorFor(run.reduce((sum, segment) => sum + segment.points, 0));
      const inputs = await this.compactionInputs(run, executor);
      const built = await executor.run({ kind: 'compact', file, index: state.options.index, inputs });
      const output = built === undefined ? undefined : await this.writeSegment(id, file, built);
      await state.manifestLock.run(async () => {
        // Checkpoints only append, and only compaction removes: the run is still the oldest prefix.
        assert(
          run.every((segment, i) => state.segments[i] === segment),
          'compacted segments must still be the oldest prefix',
        );
        const segments = [...(output === undefined ? [] : [output]), ...state.segments.slice(run.length)];
        await this.commitManifest(segments, state.manifest.checkpointSeq);
        state.segments = segments;
      });
      for (const segment of run) await state.fs.unlink(`${state.segmentDir}/${segment.record.file}`);
      await state.fs.syncDir(state.segmentDir);
    } catch (error) {
      state.fail(maintenanceFailure('compaction failed', error));
      throw error;
    }
    state.counters.compactions++;
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
      const bytes = await this.state.fs.readFile(`${this.state.segmentDir}/${segment.record.file}`);
      inputs.push({ kind: 'bytes', bytes: exclusiveBytes(bytes), expected: segment.record });
    }
    return inputs;
  }

  /**
   * Runs `copy` over a consistent, sealed view of the database: a checkpoint first (every write
   * acknowledged before this call is then in a segment the manifest lists, and a batch is never
   * torn, since groups are applied whole under the WAL lock), with compaction held off until `copy`
   * settles, so no listed segment is deleted while it is read. Writes go on meanwhile, into the WAL
   * and the memtable; later checkpoints only add segments and rewrite MANIFEST, which is why `copy`
   * gets the manifest as it was, not the file.
   */
  async withCheckpointedFiles<T>(copy: (view: CheckpointedFiles) => Promise<T>): Promise<T> {
    const state = this.state;
    state.checkWritable();
    return state.compactionLock.run(async () => {
      await state.checkpointLock.run(() => this.runCheckpoint());
      state.checkWritable();
      return copy({ dir: state.options.dir, fs: state.fs, manifest: state.manifest });
    });
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

/**
 * The frozen memtable's series for a flush job. On this thread the job reads views of its arrays.
 * For the worker, columns on shared memory (every big series: memtable.ts) go as they are: the
 * worker only reads them, sorting into new arrays, and a frozen memtable is never written again.
 * Plain columns (small series) are copied, since posting would detach or clone them anyway;
 * segmentJobSnapshotSlicePointsMax points at a time with a yield to the event loop after each
 * slice, so that requests wait for one slice, never for the whole memtable.
 */
async function frozenSeries(memtable: Memtable, executor: SegmentJobExecutor): Promise<RawSeriesColumns[]> {
  const views = [...memtable.series].map(([name, table]) => rawSeriesView(name, table));
  if (executor.inThread) return views;
  const copies: RawSeriesColumns[] = [];
  let sliceLeft = segmentJobSnapshotSlicePointsMax;
  for (const view of views) {
    if (isSharedColumn(view.keys) && isSharedColumn(view.values)) {
      copies.push({ ...view, tombstones: view.tombstones.slice() });
      continue;
    }
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
