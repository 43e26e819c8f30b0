import { Worker } from 'node:worker_threads';
import { assert, OmenDbError } from '../errors.ts';
import { flushWorkerQueueJobsMax } from '../limits.ts';
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
  readonly resolve: (result: SegmentJobResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * One long-lived segment worker thread per engine, started on the first job and terminated by
 * close(). At most `queueJobsMax` jobs are posted and unanswered at a time; further callers wait
 * for a slot. The thread is referenced only while a job is out, so an idle worker never keeps
 * the process alive, and a busy one does (an awaited flush must not be cut short by an exit).
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

  async run(job: SegmentJob): Promise<SegmentJobResult> {
    while (this.pending.size >= this.queueJobsMax && !this.closed) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    if (this.closed) throw new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'segment worker is closed');
    const worker = this.startedWorker();
    const id = this.nextId++;
    const answer = new Promise<SegmentJobResult>((resolve, reject) =>
      this.pending.set(id, { worker, resolve, reject }),
    );
    try {
      worker.ref();
      worker.postMessage({ id, job } satisfies SegmentJobRequest, segmentJobTransferList(job));
      return await answer;
    } finally {
      this.pending.delete(id);
      if (this.pending.size === 0) this.worker?.unref();
      this.slotWaiters.shift()?.();
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
