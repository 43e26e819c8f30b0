import { resolve } from 'node:path';
import { isOmenDbError } from '../errors.ts';
import { type DeferredKeyIndex, deferredKeyIndex } from '../index/deferred-key-index.ts';
import type { KeyIndex } from '../index/key-index.ts';
import type { EngineState } from './engine-state.ts';
import type { IndexModelJobResult } from './index-model-job.ts';
import type { SeriesIndexSource } from './layer.ts';
import type { SegmentRecord } from './manifest.ts';
import type { SegmentJobExecutor } from './segment-job-runner.ts';

/** A run waiting for its model: its keys (to check the model against) and its index. */
interface WaitingRun {
  readonly keys: BigInt64Array;
  readonly index: DeferredKeyIndex;
}

/** The runs of one segment asked for since its last job: one job builds them together. */
interface WaitingSegment {
  readonly record: SegmentRecord;
  readonly executor: SegmentJobExecutor;
  readonly runs: Map<number, WaitingRun>;
}

/**
 * The key indexes of the segments an engine opens. A learned index over a run the segment worker
 * would take (executorFor(keys) is not the calling thread) is a deferredKeyIndex: its first
 * lookup inside the keys asks for a model job, lookups meanwhile binary search, and the model is
 * installed when it arrives. Smaller runs, binary search, and executors that run jobs on the
 * calling thread (the simulated file system: its crash seeds replay exactly only without
 * background work) keep the factory's index, built on the first lookup (lazyKeyIndex).
 *
 * One model job is out at a time per engine (the worker client also holds it behind flushes and
 * compactions); runs asked for meanwhile wait, merged per segment, and each run is asked for at
 * most once, so what waits is bounded by the runs loaded. A job that fails leaves its runs on
 * binary search for good, counted in their stats (modelFailures) and logged: a model is an
 * optimisation, never data, so it does not fail the engine. A segment dropped by a compaction,
 * or an engine closing, ends its runs' wait quietly.
 */
export class IndexModelRequests {
  private readonly waiting = new Map<string, WaitingSegment>();
  private running = false;

  constructor(private readonly state: EngineState) {}

  /** The index source for the runs of the opened segment `record`. */
  indexSource(record: SegmentRecord): SeriesIndexSource {
    const state = this.state;
    return (keys, position) => {
      if (state.options.index !== 'rmi') return state.indexes.factory(keys);
      const executor = state.segmentJobs.executorFor(keys.length);
      if (executor.inThread || executor.runModels === undefined) return state.indexes.factory(keys);
      const index: DeferredKeyIndex = deferredKeyIndex('rmi', keys, () =>
        this.request(record, executor, position, { keys, index }),
      );
      return index;
    };
  }

  private request(
    record: SegmentRecord,
    executor: SegmentJobExecutor,
    position: number,
    run: WaitingRun,
  ): void {
    let segment = this.waiting.get(record.file);
    if (segment === undefined) {
      segment = { record, executor, runs: new Map() };
      this.waiting.set(record.file, segment);
    }
    segment.runs.set(position, run);
    this.pump();
  }

  /** Starts the next job unless one is out; segments no longer served are let go of unasked. */
  private pump(): void {
    while (!this.running) {
      const next = this.waiting.values().next();
      if (next.done === true) return;
      const segment = next.value;
      this.waiting.delete(segment.record.file);
      if (!this.serves(segment.record)) {
        for (const run of segment.runs.values()) run.index.abandon(false);
        continue;
      }
      this.running = true;
      void this.runJob(segment).finally(() => {
        this.running = false;
        this.pump();
      });
    }
  }

  /** Whether the engine still serves reads from this segment and may still post jobs. */
  private serves(record: SegmentRecord): boolean {
    const state = this.state;
    return !state.closing && !state.closed && state.segments.some((segment) => segment.record === record);
  }

  private async runJob(segment: WaitingSegment): Promise<void> {
    const { record, executor, runs } = segment;
    const positions = [...runs.keys()];
    let result: IndexModelJobResult;
    try {
      // Present: indexSource hands out deferred indexes only for executors that have it.
      result = await executor.runModels!({
        kind: 'models',
        path: resolve(this.state.segmentDir, record.file),
        expected: record,
        index: 'rmi',
        runs: positions,
      });
    } catch (error) {
      // A closing engine's worker refuses or drops the job: nothing went wrong with the data.
      const closed = isOmenDbError(error, 'OMENDB_ERR_ENGINE_CLOSED');
      if (!closed) this.logFailure(record, positions, error);
      for (const run of runs.values()) run.index.abandon(!closed);
      return;
    }
    if (result.missing || result.models.length !== positions.length) {
      // The file is gone: a compaction dropped the segment after the job was asked for.
      if (!result.missing) this.logFailure(record, positions, new RangeError('model count mismatch'));
      for (const run of runs.values()) run.index.abandon(!result.missing);
      return;
    }
    for (const [i, position] of positions.entries()) {
      const run = runs.get(position)!;
      let index: KeyIndex;
      try {
        // Checked against the keys this thread holds (rmiIndexFromModel: O(leaves)).
        index = this.state.indexes.fromModel(run.keys, result.models[i]!);
      } catch (error) {
        this.logFailure(record, [position], error);
        run.index.abandon(true);
        continue;
      }
      run.index.install(index);
    }
  }

  private logFailure(record: SegmentRecord, runs: readonly number[], error: unknown): void {
    this.state.options.logger.warn(
      { file: record.file, runs: runs.length, error: String(error) },
      'index model job failed; the runs keep binary search',
    );
  }
}
