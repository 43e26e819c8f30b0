import type { IndexModelJob, IndexModelJobResult } from './index-model-job.ts';
import { type SegmentJob, type SegmentJobResult, runSegmentJob } from './segment-jobs.ts';

/** Runs segment jobs somewhere: on this thread, or in the segment worker. */
export interface SegmentJobExecutor {
  /**
   * True when jobs run on the calling thread: they may then take views of live data (a frozen
   * memtable's arrays, a loaded segment's series) instead of copies or file bytes.
   */
  readonly inThread: boolean;
  run(job: SegmentJob): Promise<SegmentJobResult>;
  /**
   * Builds key index models for runs of an opened segment, off the calling thread. Only an
   * executor that runs jobs elsewhere has it: without it, an opened segment's index is built on
   * its first lookup, on the calling thread (cheap for the small runs such executors get).
   */
  runModels?(job: IndexModelJob): Promise<IndexModelJobResult>;
}

/** What an engine holds: picks an executor per job, and is closed with the engine. */
export interface SegmentJobRunner {
  /** The executor for a job over this many points (the job is then built for it). */
  executorFor(points: number): SegmentJobExecutor;
  close(): Promise<void>;
}

/**
 * Jobs on the calling thread. Used for the simulated file system, whose crash tests replay a
 * seed exactly only if flushes interleave with writes in the same order every run, and for
 * small jobs, which take less time than the round trip to a worker.
 */
export const inThreadSegmentJobs: SegmentJobExecutor & SegmentJobRunner = {
  inThread: true,
  run: runSegmentJob,
  executorFor: () => inThreadSegmentJobs,
  close: async () => undefined,
};

/** Jobs over at most `inThreadPointsMax` points run on the calling thread, larger ones on `large`. */
export function splitSegmentJobs(
  large: SegmentJobExecutor & SegmentJobRunner,
  inThreadPointsMax: number,
): SegmentJobRunner {
  return {
    executorFor: (points) => (points <= inThreadPointsMax ? inThreadSegmentJobs : large),
    close: () => large.close(),
  };
}
