import type { MessagePort } from 'node:worker_threads';
import { parentPort, workerData } from 'node:worker_threads';
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
 * read-back decode, index models) and the index model jobs of opened segments (index-model-job.ts)
 * one at a time, in arrival order, and moves each result back
 * as transferables. A job that throws is answered with its error; anything that escapes (a bug,
 * running out of memory) ends the thread, which the engine sees as a failed job.
 */

/** Answers the jobs that arrive on `port`, one at a time, in arrival order. */
export function serveSegmentJobs(port: Pick<MessagePort, 'on' | 'postMessage'>): void {
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (request: SegmentJobRequest) => {
    chain = chain.then(() => answer(port, request));
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

if (
  parentPort !== null &&
  (workerData as Record<string, unknown> | undefined)?.[segmentWorkerMarker] === true
) {
  serveSegmentJobs(parentPort);
}
