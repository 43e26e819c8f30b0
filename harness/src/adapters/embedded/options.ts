import type { EngineLogger, SyncMode } from '@omendb/engine';

/** How the embedded adapter opens OmenDB in process. */
export interface EmbeddedAdapterOptions {
  /**
   * The data directory. Absent: the adapter makes a temporary directory at open() and removes it
   * at close(), so the data lives from open() to close() (restart() keeps it). With `simulated`,
   * a path inside the simulated file system.
   */
  readonly dir?: string;
  /** The engine's sync mode (default 'commit': every acknowledged write is fsynced). */
  readonly sync?: SyncMode;
  readonly syncIntervalMs?: number;
  /**
   * Run over the engine's SimFileSystem (in memory): powerLoss(seed) cuts the power and reopens
   * over what the simulated disk kept, and simFileSystem() lets a scenario inject faults.
   */
  readonly simulated?: boolean;
  // Passed to the engine as they are, so a scenario can make flushes and compactions frequent.
  readonly memtableBytesMax?: number;
  readonly compactionSegmentsTrigger?: number;
  readonly autoMaintenance?: boolean;
  /** The engine's logger (default: the engine's own, warnings on stderr). */
  readonly logger?: EngineLogger;
}

/** The data directory inside the simulated file system when `dir` is absent (it is in memory). */
export const simulatedDirDefault = '/omendb';

export const embeddedDefaults = {
  sync: 'commit',
  simulated: false,
} as const satisfies Partial<EmbeddedAdapterOptions>;

/** Options with their defaults applied. */
export interface ResolvedEmbeddedOptions extends EmbeddedAdapterOptions {
  readonly sync: SyncMode;
  readonly simulated: boolean;
}

export function resolveEmbeddedOptions(options: EmbeddedAdapterOptions): ResolvedEmbeddedOptions {
  return {
    ...options,
    sync: options.sync ?? embeddedDefaults.sync,
    simulated: options.simulated ?? embeddedDefaults.simulated,
  };
}
