import { readFile } from 'node:fs/promises';
import { fsErrorCode } from '../fs/file-system.ts';
import { buildKeyIndexModel, type KeyIndexModel, keyIndexModelBuffers } from '../index/index-factories.ts';
import type { KeyIndexKind } from '../index/key-index.ts';
import { decodeSegment, type SegmentExpectation } from './segment-file.ts';

/**
 * Key index models for series runs of a sealed segment that the engine opened, built in the
 * segment worker (index/deferred-key-index.ts explains why not on the event loop). The job names
 * the segment FILE, not its keys: the worker reads it, checks it against the manifest's size and
 * CRC32 and decodes it itself, so the event loop copies nothing (posting a 10M-point run's keys
 * would copy 80 MB there). The same bytes decode to the same keys the engine holds, and the
 * engine checks each model against its keys again before trusting it (rmiIndexFromModel).
 *
 * Model jobs run only in the worker, which exists only on node:fs: the file is read with node:fs,
 * not through the FileSystem seam (whose simulated form builds every index on its own thread).
 */
export interface IndexModelJob {
  readonly kind: 'models';
  /** The segment file, as a path node:fs resolves from the process's working directory. */
  readonly path: string;
  readonly expected: SegmentExpectation;
  readonly index: KeyIndexKind;
  /** Positions, in the segment's series list, of the runs to build models for. */
  readonly runs: readonly number[];
}

/**
 * One model per entry of the job's `runs`, in order; or `missing` when the file is gone (a
 * compaction dropped the segment after the job was posted): no model, and nothing wrong.
 */
export type IndexModelJobResult =
  | { readonly missing: false; readonly models: readonly KeyIndexModel[] }
  | { readonly missing: true };

export async function runIndexModelJob(job: IndexModelJob): Promise<IndexModelJobResult> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(job.path);
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') return { missing: true };
    throw error;
  }
  const series = decodeSegment(bytes, job.expected);
  const models = job.runs.map((position) => {
    const entry = series[position];
    if (entry === undefined) throw new RangeError(`${job.expected.file} has no series run ${position}`);
    return buildKeyIndexModel(job.index, entry.keys);
  });
  return { missing: false, models };
}

/** The models' buffers, moved back to the engine's thread without a copy. */
export function indexModelJobResultTransferList(result: IndexModelJobResult): ArrayBuffer[] {
  if (result.missing) return [];
  const buffers = new Set<ArrayBufferLike>();
  for (const model of result.models) for (const buffer of keyIndexModelBuffers(model)) buffers.add(buffer);
  return [...buffers].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}
