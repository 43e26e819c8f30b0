import { assert, OmenDbError } from '../errors.ts';
import type { FileSystem } from '../fs/file-system.ts';
import type { KeyIndexModel } from '../index/index-factories.ts';
import type { KeyIndex, KeyIndexFactory } from '../index/key-index.ts';
import { Mutex } from '../util/mutex.ts';
import type { RecoveryStats } from './engine-types.ts';
import { keyMax } from './keys.ts';
import { type Layer, type LoadedSegment, memtableLayer } from './layer.ts';
import { emptyManifest, type Manifest } from './manifest.ts';
import { Memtable } from './memtable.ts';
import type { ResolvedOptions } from './options.ts';
import { rangePoints } from './read-path.ts';
import type { SegmentJobRunner } from './segment-job-runner.ts';
import type { WalWriter } from './wal-writer.ts';

/**
 * How segments get their key indexes: given by the facade (which picks them by the `index`
 * option), so that storage does not reach up into the index module for them.
 */
export interface SegmentIndexes {
  /** Builds the index of a series run loaded from a segment file. */
  readonly factory: KeyIndexFactory;
  /** Restores an index from the model a segment job built with the segment. */
  readonly fromModel: (keys: BigInt64Array, model: KeyIndexModel) => KeyIndex;
}

/**
 * What the write path, maintenance, recovery and the facade share: the memtables, the segment
 * list, the manifest, the WAL and its sequence numbers, the locks and the counters. One object,
 * so that each part reads the current value (a flush replaces `active` and `segments`).
 */
export class EngineState {
  manifest: Manifest = emptyManifest;
  nextSegmentId = 1;
  segments: LoadedSegment[] = [];
  active = new Memtable();
  frozen: Memtable | undefined;
  readonly liveSeries = new Set<string>();
  private layerCache: {
    active: Memtable | undefined;
    frozen: Memtable | undefined;
    segments: readonly LoadedSegment[] | undefined;
    layers: Layer[];
  } = { active: undefined, frozen: undefined, segments: undefined, layers: [] };
  wal: WalWriter | undefined;
  /** wal.bytesWritten when the memtable was last frozen: what a checkpoint will let go of. */
  walBytesAtFreeze = 0;
  nextSeq = 1n;
  appliedSeq = 0n;
  failure: OmenDbError | undefined;
  closing = false;
  closed = false;
  readonly walLock = new Mutex();
  readonly checkpointLock = new Mutex();
  readonly compactionLock = new Mutex();
  readonly manifestLock = new Mutex();
  readonly counters = {
    writes: 0,
    pointsWritten: 0,
    groupCommits: 0,
    fsyncs: 0,
    flushes: 0,
    compactions: 0,
    /** Wall-clock time (epoch ms) of the last manifest commit that advanced the checkpoint; 0: none since open. */
    lastCheckpointMs: 0,
  };
  recoveryStats: RecoveryStats = {
    durationMs: 0,
    replayedRecords: 0,
    skippedRecords: 0,
    tornTail: null,
    corruptionDropped: null,
    orphanFilesRemoved: 0,
  };

  constructor(
    readonly fs: FileSystem,
    readonly options: ResolvedOptions,
    readonly segmentJobs: SegmentJobRunner,
    readonly indexes: SegmentIndexes,
  ) {}

  get walDir(): string {
    return `${this.options.dir}/wal`;
  }

  get segmentDir(): string {
    return `${this.options.dir}/segments`;
  }

  /** Newest first: the active memtable, the one being flushed, then segments newest to oldest. */
  layers(): Layer[] {
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

  hasVisiblePoint(series: string): boolean {
    return rangePoints(this.layers(), series, -(2n ** 63n), keyMax, 1).keys.length > 0;
  }

  checkWritable(): void {
    if (this.closing || this.closed) throw new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'engine is closed');
    if (this.failure !== undefined) {
      throw new OmenDbError('OMENDB_ERR_ENGINE_FAILED', `engine failed earlier: ${this.failure.message}`, {
        cause: this.failure.code,
      });
    }
  }

  checkReadable(): void {
    if (this.closed) throw new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'engine is closed');
  }

  requireWal(): WalWriter {
    assert(this.wal !== undefined, 'WAL writer used before recovery');
    return this.wal;
  }

  /**
   * After an I/O failure nothing written since the last successful fsync can be trusted to be on
   * disk (a failed fsync may have dropped dirty pages), so the engine stops accepting writes.
   * Reads keep working; reopening recovers from what is durable.
   */
  fail(error: OmenDbError): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.options.logger.error(
      { code: error.code, cause: String(error.cause) },
      'engine failed; writes are refused until reopen',
    );
  }
}
