import type { FileSystem } from '../fs/file-system.ts';
import type { Manifest } from './manifest.ts';

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
  /**
   * Keys of runs whose learned model is not in place yet: built on a run's first lookup (in the
   * segment worker for large runs, lookups binary searching meanwhile). Not counted in `keys`.
   */
  pendingKeys: number;
  /** Runs whose model job failed since open: they binary search (an optimisation lost, no data). */
  modelFailures: number;
}

export interface RecoveryStats {
  durationMs: number;
  replayedRecords: number;
  skippedRecords: number;
  tornTail: { file: string; offset: number; bytesDropped: number } | null;
  corruptionDropped: { file: string; offset: number; bytesDropped: number } | null;
  orphanFilesRemoved: number;
}
