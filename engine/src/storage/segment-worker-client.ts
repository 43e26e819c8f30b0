import { Worker } from 'node:worker_threads';
import { assert, OmenDbError } from '../errors.ts';
import { flushWorkerQueueJobsMax, indexModelJobsInFlightMax } from '../limits.ts';
import type { IndexModelJob, IndexModelJobResult } from './index-model-job.ts';
import type { SegmentJobExecutor, SegmentJobRunner } from './segment-job-runner.ts';
import { type SegmentJob, type SegmentJobResult, segmentJobTransferList } from './segment-jobs.ts';
import {
  deserializeJobError,
  type SegmentJobReply,
  type SegmentJobRequest,
  segmentWorkerMarker,
} from './segment-worker-protocol.ts';

/** The worker's entry: a JavaScript bootstrap that loads the TypeScript worker (see the file). */
export const segmentWorkerEntry = new URL('./segment-worker-bootstrap.js', import.meta.url);

interface PendingJob {
  /** The thread the job was posted to: a lost thread fails its own jobs, not its successor's. */
  readonly worker: Worker;
  readonly resolve: (result: SegmentJobResult | IndexModelJobResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One long-lived segment worker thread per engine, started on the first job and terminated by
 * close(). At most `queueJobsMax` flush and compaction jobs are posted and unanswered at a time;
 * further callers wait for a slot. Index model jobs (runModels) come second: at most
 * indexModelJobsInFlightMax out, each posted only while no flush or compaction is out, so a flush
 * waits behind at most one model job, and model jobs never take a flush's slot. The thread is
 * referenced only while a job is out, so an idle worker never keeps the process alive, and a busy one does (an awaited flush must not be cut short by an exit).
 * If the thread dies or fails to start, every job out is rejected with
 * OMENDB_ERR_SEGMENT_WORKER_FAILED: the engine fails that flush or compaction as it fails an
 * I/O error, and never waits for an answer that will not come. The next job starts a new thread.
 */
export class SegmentWorkerClient implements SegmentJobExecutor, SegmentJobRunner {
  readonly inThread = false;
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, PendingJob>();
  private readonly slotWaiters: (() => void)[] = [];
  private modelJobsOut = 0;
  private closed = false;

  constructor(
    private readonly entry: URL = segmentWorkerEntry,
    private readonly queueJobsMax: number = flushWorkerQueueJobsMax,
  ) {
    assert(
      Number.isSafeInteger(queueJobsMax) && queueJobsMax >= 1,
      'segment worker queue bound must be >= 1',
    );
  }

  executorFor(): SegmentJobExecutor {
    return this;
  }

  /** Jobs out (posted, not yet answered), at most the queue bound. */
  get jobsOut(): number {
    return this.pending.size;
  }

  /** Flush and compaction jobs out, at most the queue bound. */
  get segmentJobsOut(): number {
    return this.pending.size - this.modelJobsOut;
  }

  run(job: SegmentJob): Promise<SegmentJobResult> {
    return this.post(job, false, () => this.segmentJobsOut < this.queueJobsMax);
  }

  /** An index model job: posted once the worker has no flush or compaction out. */
  runModels(job: IndexModelJob): Promise<IndexModelJobResult> {
    return this.post(
      job,
      true,
      () => this.segmentJobsOut === 0 && this.modelJobsOut < indexModelJobsInFlightMax,
    );
  }

  /**
   * Posts `job` once `free` holds (checked again after every answer). The check and the posting
   * happen in one turn, so that two callers woken together cannot both take the last slot.
   */
  private async post(job: SegmentJob, model: false, free: () => boolean): Promise<SegmentJobResult>;
  private async post(job: IndexModelJob, model: true, free: () => boolean): Promise<IndexModelJobResult>;
  private async post(
    job: SegmentJob | IndexModelJob,
    model: boolean,
    free: () => boolean,
  ): Promise<SegmentJobResult | IndexModelJobResult> {
    while (!free() && !this.closed) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    if (this.closed) throw new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'segment worker is closed');
    const worker = this.startedWorker();
    const id = this.nextId++;
    const answer = new Promise<SegmentJobResult | IndexModelJobResult>((resolve, reject) =>
      this.pending.set(id, { worker, resolve, reject }),
    );
    if (model) this.modelJobsOut++;
    try {
      worker.ref();
      const transfer = job.kind === 'models' ? [] : segmentJobTransferList(job);
      worker.postMessage({ id, job } satisfies SegmentJobRequest, transfer);
      return await answer;
    } finally {
      this.pending.delete(id);
      if (model) this.modelJobsOut--;
      if (this.pending.size === 0) this.worker?.unref();
      // Every waiter checks its own condition again (a flush slot and the model slot differ);
      // the callers are few: at most one flush, one compaction and one model job per engine.
      for (const wake of this.slotWaiters.splice(0)) wake();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.slotWaiters.splice(0)) wake();
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'segment worker closed with a job out'));
    if (worker !== undefined) await worker.terminate();
  }

  private startedWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(this.entry, {
      stdout: false,
      stderr: false,
      workerData: { [segmentWorkerMarker]: true },
    });
    worker.unref();
    worker.on('message', (reply: SegmentJobReply) => this.settle(reply));
    worker.on('error', (error) => this.lose(worker, `the segment worker failed: ${error.message}`, error));
    worker.on('messageerror', (error) =>
      this.lose(worker, 'a segment worker reply could not be read', error),
    );
    worker.on('exit', (code) => this.lose(worker, `the segment worker exited with code ${code}`, undefined));
    this.worker = worker;
    return worker;
  }

  private settle(reply: SegmentJobReply): void {
    const job = this.pending.get(reply.id);
    if (job === undefined) return;
    if (reply.ok) job.resolve(reply.result);
    else job.reject(deserializeJobError(reply.error));
  }

  /**
   * The thread is gone or unusable: every job out on it fails, and the next job starts a new
   * thread. A dead thread reports more than once ('error', then 'exit' some turns later), by which
   * time jobs may be out on its successor: those are not its to fail.
   */
  private lose(worker: Worker, message: string, cause: unknown): void {
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate();
    this.failAll(
      new OmenDbError(
        'OMENDB_ERR_SEGMENT_WORKER_FAILED',
        message,
        {},
        cause === undefined ? undefined : { cause },
      ),
      worker,
    );
  }

  /** Rejects the jobs out on `worker`, or every job out when none is named. */
  private failAll(error: OmenDbError, worker?: Worker): void {
    for (const job of this.pending.values())
      if (worker === undefined || job.worker === worker) job.reject(error);
  }
}
