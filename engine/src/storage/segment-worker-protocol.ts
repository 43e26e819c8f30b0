import { type ErrorCode, errorRegistry, OmenDbError } from '../errors.ts';
import type { IndexModelJob, IndexModelJobResult } from './index-model-job.ts';
import type { SegmentJob, SegmentJobResult } from './segment-jobs.ts';

/**
 * The workerData key that marks a thread as a segment worker: segment-worker.ts serves jobs only
 * there, so importing it anywhere else (a test, a thread pool's worker) serves nothing.
 */
export const segmentWorkerMarker = 'omendbSegmentWorker';

/** What the engine posts to the segment worker: one job, answered by one reply with the same id. */
export interface SegmentJobRequest {
  readonly id: number;
  readonly job: SegmentJob | IndexModelJob;
}

/** A job's failure, as plain data: an OmenDbError keeps its registry code across the thread boundary. */
export interface SerializedJobError {
  readonly code: string | undefined;
  readonly message: string;
  readonly details: Record<string, unknown> | undefined;
}

export type SegmentJobReply =
  | { readonly id: number; readonly ok: true; readonly result: SegmentJobResult | IndexModelJobResult }
  | { readonly id: number; readonly ok: false; readonly error: SerializedJobError };

export function serializeJobError(error: unknown): SerializedJobError {
  if (error instanceof OmenDbError) {
    return { code: error.code, message: error.message, details: plainDetails(error.details) };
  }
  return {
    code: undefined,
    message: error instanceof Error ? error.message : String(error),
    details: undefined,
  };
}

/** The error as the engine would have seen it, had the job run on its own thread. */
export function deserializeJobError(error: SerializedJobError): Error {
  if (error.code !== undefined && Object.hasOwn(errorRegistry, error.code)) {
    return new OmenDbError(error.code as ErrorCode, error.message, error.details);
  }
  return new Error(error.message);
}

/** Details that survive structured clone (bigints do; functions and class instances may not). */
function plainDetails(
  details: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> | undefined {
  if (details === undefined) return undefined;
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(details)) {
    result[name] = typeof value === 'object' && value !== null ? String(value) : value;
  }
  return result;
}
