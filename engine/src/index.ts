import * as limits from './limits.ts';

// The engine's public API. Named exports only: what is not listed here is internal.
export { errorRegistry, isOmenDbError, OmenDbError } from './errors.ts';
export type { ErrorCode, ErrorSpec } from './errors.ts';
export type { FileHandle, FileSystem, OpenMode } from './fs/file-system.ts';
export { NodeFileSystem } from './fs/node-file-system.ts';
export { SimFileSystem } from './fs/sim-file-system.ts';
export type { ErrorInjector, SimFileSystemOptions, SimOp } from './fs/sim-file-system.ts';
export { aggregateFns } from './query/aggregate-options.ts';
export type {
  AggregateBucket,
  AggregateFn,
  AggregateOptions,
  AggregateResult,
} from './query/aggregate-options.ts';
export type { ArrowInput } from './query/arrow-io.ts';
export { checkDirectory } from './storage/check-directory.ts';
export type { CheckProblem, CheckReport } from './storage/check-directory.ts';
export { Engine, openEngine } from './storage/engine.ts';
export type {
  EngineStats,
  IndexStats,
  Point,
  RangeArrowResult,
  RangeOptions,
  RangeResult,
  RecoveryStats,
} from './storage/engine.ts';
export { keyMax, keyMin } from './storage/keys.ts';
export type { EngineLogger } from './storage/logger.ts';
export type { EngineObserver, EngineOptions, SyncMode } from './storage/options.ts';
export { createPrng, seedFromEnv } from './util/prng.ts';
export type { Prng } from './util/prng.ts';
export { limits };
