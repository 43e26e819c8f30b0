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
export { Engine, openEngine } from './engine.ts';
export type { Point, RangeArrowResult, RangeOptions, RangeResult } from './engine.ts';
export type { EngineStats, IndexStats, RecoveryStats } from './storage/engine-types.ts';
export { keyMax, keyMin } from './storage/keys.ts';
export { keyToJson } from './server/http-keys.ts';
export type { EngineLogger } from './storage/logger.ts';
export { stderrLogger } from './storage/logger.ts';
export type { EngineObserver, EngineOptions, SyncMode } from './storage/options.ts';
export { createPrng, seedFromEnv } from './util/prng.ts';
/** The cost of new password hashes (scrypt N, r, p): the readiness report checks users files against it. */
export { scryptCost } from './server/passwords.ts';
export type { Access, Role } from './server/roles.ts';
// Shared by the engine's server tests and the harness's security scenario (one implementation).
export { accessAllowedRoles, accessLevels, expectedAnswer, isAccessLevel } from './testing/access-rules.ts';
export type { ExpectedAnswer } from './testing/access-rules.ts';
export { arrowStreamContentType, flipBit, fuzzBodies, storedPoints } from './testing/bit-flip-bodies.ts';
export type { FuzzBody, StoredPoint } from './testing/bit-flip-bodies.ts';
export {
  basicAuthorization,
  invalidCredentials,
  resignedToken,
  tokenClaims,
} from './testing/forged-tokens.ts';
export type { InvalidCredentialsInput } from './testing/forged-tokens.ts';
export {
  deltaDictionaryStream,
  hostileArrowBodies,
  lyingRowCountBodies,
  maxSafeRowsLieBody,
  schemaAndDictionaryBodies,
} from './testing/hostile-arrow-bodies.ts';
export type { NamedBody } from './testing/hostile-arrow-bodies.ts';
export { arrowStreamBody, hostileInputCases } from './testing/hostile-input-cases.ts';
export type { HostileCase, HostileInputCases, HostileMethod } from './testing/hostile-input-cases.ts';
export { identitySpecs, invalidIdentities, securityRoles } from './testing/identity-kinds.ts';
export type { IdentitySpec, InvalidIdentityId, InvalidIdentitySpec } from './testing/identity-kinds.ts';
export { openRaw, parseResponse, rawErrorCode, requestHead } from './testing/raw-http.ts';
export type { OpenRawOptions, RawConnection, RawResponse } from './testing/raw-http.ts';
// The crash driver and Map model shared by the engine's crash and model tests and the harness's
// crash-power-loss scenario (one implementation).
export {
  acknowledgedPrefix,
  generateWorkload,
  matchingPrefix,
  runWorkload,
  submitOp,
} from './testing/crash-workload.ts';
export type { WorkloadOutcome, WorkloadStep, WorkloadTarget } from './testing/crash-workload.ts';
export { engineFingerprint, MapModel } from './testing/map-model.ts';
export type { FingerprintSource, ModelOp } from './testing/map-model.ts';
export type { Prng } from './util/prng.ts';
export { limits };
