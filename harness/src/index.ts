// The harness's public API. Named exports only: what is not listed here is internal.
export { declareCapabilities, EngineAdapter } from './adapter.ts';
export type {
  AdapterFactory,
  AggregateQuery,
  Capabilities,
  CapabilityName,
  EngineDescription,
  HttpEndpoint,
  Point,
  ProcessInfo,
  RangeOptions,
  RangePage,
} from './adapter.ts';
export { EmbeddedAdapter } from './adapters/embedded/adapter.ts';
export type { EmbeddedAdapterOptions } from './adapters/embedded/options.ts';
export { HttpAdapter } from './adapters/http/adapter.ts';
export type { HttpAdapterOptions } from './adapters/http/options.ts';
export { ModelAdapter } from './adapters/model/adapter.ts';
export type { ModelAdapterOptions } from './adapters/model/options.ts';
export { engineNames, selectAdapter } from './adapters/select-adapter.ts';
export { SqliteAdapter } from './adapters/sqlite/adapter.ts';
export { AckBeforeFsync } from './broken/ack-before-fsync.ts';
export { DropEveryNthWrite, dropEveryNthWriteDefault } from './broken/drop-every-nth-write.ts';
export { GrantEverything } from './broken/grant-everything.ts';
export { ForwardingAdapter } from './broken/forwarding-adapter.ts';
export { StaleAfterRestart } from './broken/stale-after-restart.ts';
export { ZeroForAbsent } from './broken/zero-for-absent.ts';
export type { SqliteAdapterOptions } from './adapters/sqlite/options.ts';
export { conformanceCases, conformanceCounts, runConformance } from './conformance/run-conformance.ts';
export type { CaseBody, ConformanceIt, ConformanceTestApi } from './conformance/run-conformance.ts';
export type { ConformanceCase } from './conformance/conformance-case.ts';
export { checkAtomicBatches } from './history/checkers/atomic-batches.ts';
export type { AtomicBatchesOptions } from './history/checkers/atomic-batches.ts';
export { checkerChecks } from './history/checkers/checker-result.ts';
export type { CheckerOptions, CheckerResult, ViolationExample } from './history/checkers/checker-result.ts';
export { checkDeletesStayDeleted } from './history/checkers/deletes-stay-deleted.ts';
export type { HistoryView } from './history/checkers/history-index.ts';
export { checkLastWriteWins } from './history/checkers/last-write-wins.ts';
export { checkModelEquivalence } from './history/checkers/model-equivalence.ts';
export { checkSetFull } from './history/checkers/set-full.ts';
export { classifyError } from './history/classify-error.ts';
export type { ErrorClass } from './history/classify-error.ts';
export type {
  EngineState,
  HistoryEntry,
  HistoryRecorder,
  OperationName,
  Outcome,
} from './history/history.ts';
export { createHistoryRecorder, JsonlHistoryRecorder, pointsDigest } from './history/history-recorder.ts';
export type { HistoryRecorderOptions } from './history/history-recorder.ts';
export { readState } from './history/read-state.ts';
export type { ReadStateOptions } from './history/read-state.ts';
export { ManualClock, realClock } from './runner/clock.ts';
export { resolveParams } from './runner/params.ts';
export type { ParamOverrides } from './runner/params.ts';
export { resultSchemaPath, validateResult } from './runner/result.ts';
export type { ScenarioResult, ScenarioStatus } from './runner/result.ts';
export { runScenario } from './runner/run-scenario.ts';
export type { RunScenarioOptions, RunScenarioReport } from './runner/run-scenario.ts';
export { profiles } from './runner/scenario.ts';
export type {
  Check,
  Clock,
  LatencyRecorder,
  LatencySummary,
  ParamSpec,
  ParamValue,
  Profile,
  Scenario,
  ScenarioCategory,
  ScenarioContext,
  ScenarioOutcome,
} from './runner/scenario.ts';
