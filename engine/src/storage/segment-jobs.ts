import { crc32 } from 'node:zlib';
import { createBinarySearchIndex } from '../index/binary-search-index.ts';
import { buildKeyIndexModel, type KeyIndexModel, keyIndexModelBuffers } from '../index/index-factories.ts';
import type { KeyIndexKind } from '../index/key-index.ts';
import { mergeLayers } from './compaction.ts';
import { LoadedSegment } from './layer.ts';
import { type RawSeriesColumns, sortedColumns } from './memtable.ts';
import {
  decodeSegment,
  encodeSegment,
  type SegmentExpectation,
  type SegmentSeriesData,
} from './segment-file.ts';

/**
 * The CPU-heavy half of a flush or a compaction, as a pure function of plain data, so that the
 * same code runs in the segment worker thread (segment-worker.ts) or, for the simulated file
 * system and for small jobs, on the calling thread (segment-job-runner.ts). The event loop keeps
 * only what must be ordered with the rest of the engine: freezing the memtable, file I/O through
 * the FileSystem seam, the manifest commit, and publishing the new segment list.
 */

/** A frozen memtable's series (copies, any order: the job sorts them) to encode as one segment. */
export interface FlushJob {
  readonly kind: 'flush';
  /** The segment's file name, for the errors of the read-back check. */
  readonly file: string;
  readonly index: KeyIndexKind;
  readonly series: readonly RawSeriesColumns[];
}

/**
 * A segment to merge: its file bytes (read again through the FileSystem, and checked against the
 * manifest's size and CRC32 before parsing), or, on the calling thread only, its decoded series.
 */
export type CompactionInput =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly expected: SegmentExpectation }
  | { readonly kind: 'data'; readonly series: readonly SegmentSeriesData[] };

/** The oldest run of segments, oldest first, to merge into one (tombstones are dropped: it is the bottom). */
export interface CompactionJob {
  readonly kind: 'compact';
  readonly file: string;
  readonly index: KeyIndexKind;
  readonly inputs: readonly CompactionInput[];
}

export type SegmentJob = FlushJob | CompactionJob;

/** A segment ready to be written and published: nothing in it is left for the event loop to compute. */
export interface BuiltSegment {
  /** The Arrow IPC file bytes to write. */
  readonly bytes: Uint8Array;
  readonly crc32: number;
  readonly points: number;
  /** The bytes decoded again (the read-back check), as the segment will serve them. */
  readonly series: readonly SegmentSeriesData[];
  /** One key index model per entry of `series`. */
  readonly models: readonly KeyIndexModel[];
}

/** undefined: a compaction whose inputs merged to nothing (no segment to write). */
export type SegmentJobResult = BuiltSegment | undefined;

export async function runSegmentJob(job: SegmentJob): Promise<SegmentJobResult> {
  if (job.kind === 'flush') return buildSegment(job.file, job.index, flushSeriesData(job.series));
  const merged = await mergeLayers(job.inputs.map(inputLayer), true);
  return merged.length === 0 ? undefined : buildSegment(job.file, job.index, merged);
}

/** The frozen memtable's series, sorted by name, each sorted by key; empty ones are left out. */
function flushSeriesData(raw: readonly RawSeriesColumns[]): SegmentSeriesData[] {
  const data: SegmentSeriesData[] = [];
  for (const entry of [...raw].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const { keys, values } = sortedColumns(entry);
    if (keys.length === 0 && entry.tombstones.length === 0 && !entry.dropped) continue;
    data.push({ name: entry.name, keys, values, tombstones: entry.tombstones, dropped: entry.dropped });
  }
  return data;
}

function inputLayer(input: CompactionInput): LoadedSegment {
  const series = input.kind === 'data' ? input.series : decodeSegment(input.bytes, input.expected);
  const file = input.kind === 'bytes' ? input.expected.file : '';
  const record = { id: 0, file, bytes: 0, crc32: 0, points: 0 };
  // Merging reads whole runs, never looks a key up: the cheapest index will do.
  return new LoadedSegment(record, series, createBinarySearchIndex);
}

function buildSegment(file: string, index: KeyIndexKind, data: readonly SegmentSeriesData[]): BuiltSegment {
  const bytes = exclusiveBytes(encodeSegment(data));
  const checksum = crc32(bytes);
  // Decoding what was just encoded checks it once more and keeps only exact-size arrays in memory.
  const series = decodeSegment(bytes, { file, bytes: bytes.length, crc32: checksum });
  let points = 0;
  for (const entry of series) points += entry.keys.length;
  const models = series.map((entry) => buildKeyIndexModel(index, entry.keys));
  return { bytes, crc32: checksum, points, series, models };
}

/**
 * The bytes in a buffer of their own: only such a buffer may be transferred (a view into a
 * shared one, such as Node's Buffer pool, would detach its neighbours, or refuse to move).
 */
export function exclusiveBytes(view: Uint8Array): Uint8Array {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view : view.slice();
}

/** Every buffer a result holds, once each, to move it between threads without a copy. */
export function segmentJobResultTransferList(result: SegmentJobResult): ArrayBuffer[] {
  if (result === undefined) return [];
  const buffers = new Set<ArrayBufferLike>([result.bytes.buffer]);
  for (const entry of result.series) {
    buffers.add(entry.keys.buffer);
    buffers.add(entry.values.buffer);
  }
  for (const model of result.models) for (const buffer of keyIndexModelBuffers(model)) buffers.add(buffer);
  return [...buffers].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}

/** The job's own buffers (copies made for it), moved to the worker rather than cloned. */
export function segmentJobTransferList(job: SegmentJob): ArrayBuffer[] {
  const buffers = new Set<ArrayBufferLike>();
  if (job.kind === 'flush') {
    for (const entry of job.series) {
      buffers.add(entry.keys.buffer);
      buffers.add(entry.values.buffer);
    }
  } else {
    for (const input of job.inputs) if (input.kind === 'bytes') buffers.add(input.bytes.buffer);
  }
  return [...buffers].filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer);
}
