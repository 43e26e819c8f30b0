import { OmenDbError } from '../errors.ts';
import type { FileSystem } from '../fs/file-system.ts';
import type { KeyIndexKind } from '../index/key-index.ts';
import {
  compactionSegmentsTrigger,
  memtableBytesMax,
  syncIntervalMsDefault,
  syncIntervalMsMax,
  syncIntervalMsMin,
} from '../limits.ts';
import type { EngineLogger } from './logger.ts';
import { stderrLogger } from './logger.ts';
import type { RecoveryMode } from './wal-recovery.ts';

/**
 * Durability of an acknowledged write:
 * - 'commit' (default): the promise resolves after the batch's WAL record is fsynced; writers
 *   that arrive while an fsync runs share the next one (group commit).
 * - 'interval': fsync every syncIntervalMs; a crash loses at most that window of acknowledged writes.
 * - 'none': never fsync on the write path (the OS decides); a crash may lose any unflushed write.
 */
export type SyncMode = 'commit' | 'interval' | 'none';

/**
 * Events with a duration or a size, which counters in stats() cannot carry. Called on the write
 * path, so an implementation must be cheap and must not throw.
 */
export interface EngineObserver {
  /** One WAL fsync finished, taking this many seconds. */
  walFsync(seconds: number): void;
  /** One group commit appended this many write batches in this many bytes. */
  groupCommit(records: number, bytes: number): void;
}

export const silentObserver: EngineObserver = { walFsync() {}, groupCommit() {} };

export interface EngineOptions {
  /** The data directory; created if missing. */
  dir: string;
  sync?: SyncMode;
  syncIntervalMs?: number;
  /** 'strict' (default): mid-log WAL corruption fails open; 'truncate' keeps the valid prefix. */
  recovery?: RecoveryMode;
  index?: KeyIndexKind;
  logger?: EngineLogger;
  /** Timings the engine reports as they happen (the server turns them into histograms). */
  observer?: EngineObserver;
  /** The file-system seam; node:fs by default. Tests pass a simulated one. */
  fs?: FileSystem;
  /** Flush the memtable past this many bytes (at most the limit in limits.ts). */
  memtableBytesMax?: number;
  /** Compact in the background at this many segments (at least 2). */
  compactionSegmentsTrigger?: number;
  /** Background flushes and compactions; off gives tests full control. Default on. */
  autoMaintenance?: boolean;
}

export interface ResolvedOptions {
  dir: string;
  sync: SyncMode;
  syncIntervalMs: number;
  recovery: RecoveryMode;
  index: KeyIndexKind;
  logger: EngineLogger;
  observer: EngineObserver;
  memtableBytesMax: number;
  compactionSegmentsTrigger: number;
  autoMaintenance: boolean;
}

function invalid(option: string, expected: string): OmenDbError {
  return new OmenDbError('OMENDB_ERR_INPUT_OPTIONS', `option ${option} must be ${expected}`, { option });
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(name, `one of ${allowed.join(', ')}`);
}

function integerIn(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  throw invalid(name, `an integer from ${min} to ${max}`);
}

export function resolveOptions(options: EngineOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object');
  if (typeof options.dir !== 'string' || options.dir.length === 0) throw invalid('dir', 'a non-empty path');
  if (options.autoMaintenance !== undefined && typeof options.autoMaintenance !== 'boolean') {
    throw invalid('autoMaintenance', 'a boolean');
  }
  return {
    dir: options.dir.replace(/\/+$/, '') || '/',
    sync: oneOf(options.sync, 'sync', ['commit', 'interval', 'none'] as const, 'commit'),
    syncIntervalMs: integerIn(
      options.syncIntervalMs,
      'syncIntervalMs',
      syncIntervalMsMin,
      syncIntervalMsMax,
      syncIntervalMsDefault,
    ),
    recovery: oneOf(options.recovery, 'recovery', ['strict', 'truncate'] as const, 'strict'),
    index: oneOf(options.index, 'index', ['rmi', 'binary'] as const, 'rmi'),
    logger: options.logger ?? stderrLogger,
    observer: options.observer ?? silentObserver,
    memtableBytesMax: integerIn(
      options.memtableBytesMax,
      'memtableBytesMax',
      1,
      memtableBytesMax,
      memtableBytesMax,
    ),
    compactionSegmentsTrigger: integerIn(
      options.compactionSegmentsTrigger,
      'compactionSegmentsTrigger',
      2,
      1_000_000,
      compactionSegmentsTrigger,
    ),
    autoMaintenance: options.autoMaintenance ?? true,
  };
}
