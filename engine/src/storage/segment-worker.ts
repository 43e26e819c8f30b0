import { setPriority } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { parentPort, workerData } from 'node:worker_threads';
import { segmentWorkerNiceLevel } from '../limits.ts';
import { indexModelJobResultTransferList, runIndexModelJob } from './index-model-job.ts';
import { runSegmentJob, segmentJobResultTransferList } from './segment-jobs.ts';
import {
  type SegmentJobReply,
  type SegmentJobRequest,
  segmentWorkerMarker,
  serializeJobError,
} from './segment-worker-protocol.ts';

/**
 * The segment worker thread: runs flush and compaction jobs (sort, merge, Arrow encode, CRC32,
 * read-back decode, index models) and the index model jobs of opened segments (index-model-job.ts),
 * flushes ahead of the others (serveSegmentJobs), and moves each result back
 * as transferables. A job that throws is answered with its error; anything that escapes (a bug,
 * running out of memory) ends the thread, which the engine sees as a failed job.
 */

/**
 * Answers the jobs that arrive on `port`: flushes one at a time in arrival order, and compactions
 * and index model jobs likewise on a second chain. A compaction merges for seconds, yielding every
 * compactionSliceRowsMax rows; a flush that arrives meanwhile runs at the next yield instead of
 * waiting for the whole merge, since writers wait for a flush (memtable room) and never for a
 * compaction. At most one flush and one compaction are out per engine, so the two never queue up.
 */
export function serveSegmentJobs(port: Pick<MessagePort, 'on' | 'postMessage'>): void {
  let flushes: Promise<void> = Promise.resolve();
  let background: Promise<void> = Promise.resolve();
  port.on('message', (request: SegmentJobRequest) => {
    if (request.job.kind === 'flush') flushes = flushes.then(() => answer(port, request));
    else background = background.then(() => answer(port, request));
  });
}

async function answer(port: Pick<MessagePort, 'postMessage'>, request: SegmentJobRequest): Promise<void> {
  let reply: SegmentJobReply;
  let transfer: ArrayBuffer[];
  try {
    const { job } = request;
    if (job.kind === 'models') {
      const result = await runIndexModelJob(job);
      reply = { id: request.id, ok: true, result };
      transfer = indexModelJobResultTransferList(result);
    } else {
      const result = await runSegmentJob(job);
      reply = { id: request.id, ok: true, result };
      transfer = segmentJobResultTransferList(result);
    }
  } catch (error) {
    port.postMessage({
      id: request.id,
      ok: false,
      error: serializeJobError(error),
    } satisfies SegmentJobReply);
    return;
  }
  port.postMessage(reply, transfer);
}

/**
 * Gives the calling thread the segment worker's nice level, so that flushes and compactions take
 * the CPU the event loop (and the clients on the same machine) leave, rather than a share of it:
 * the request path first, background work after. Linux only, where the nice value belongs to the
 * thread (setpriority on pid 0 is the calling thread); elsewhere it would lower the whole
 * process, the event loop included. A refusal (a sandbox) leaves the thread as it was: the
 * priority is a preference, never a condition of correctness. True when the level was set.
 */
export function lowerThreadPriority(platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return false;
  try {
    setPriority(segmentWorkerNiceLevel);
    return true;
  } catch {
    return false;
  }
}

if (
  parentPort !== null &&
  (workerData as Record<string, unknown> | undefined)?.[segmentWorkerMarker] === true
) {
  lowerThreadPriority();
  serveSegmentJobs(parentPort);
}
