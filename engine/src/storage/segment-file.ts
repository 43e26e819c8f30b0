import { crc32 } from 'node:zlib';
import type { DataType, RecordBatch } from 'apache-arrow';
import { OmenDbError } from '../errors.ts';
import { segmentBatchRowsMax, seriesNameLengthMax } from '../limits.ts';
import { readArrowIpc } from '../query/arrow-ipc-reader.ts';
import { arrowNow } from '../query/arrow-module.ts';
import { endOfIncreasingRun } from '../util/int64-words.ts';
import { makeBatch, segmentSchema } from './segment-arrow.ts';
import type { Tombstone } from './tombstones.ts';

/**
 * A segment is an immutable Apache Arrow IPC file with two columns, `key` (Int64) and `value`
 * (Float64), holding many series: rows are sorted by series name, then by key, and the schema
 * metadata `omendb.segment` maps each series to its row range and its tombstones. One file per
 * flush, never one per series, so 10,000 series do not mean 10,000 files.
 *
 * The file stays a plain Arrow file that any Arrow reader opens; its size and CRC32 live in the
 * manifest and are verified before it is parsed. It is written by apache-arrow but read by
 * OmenDB's bounded IPC reader (query/arrow-ipc-reader.ts), so that a damaged file that slips
 * past the checksum is refused in time linear in its size, never read in a loop.
 */
export const segmentFormatVersion = 1;
export const segmentMetadataKey = 'omendb.segment';

export interface SegmentSeriesData {
  readonly name: string;
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
  readonly tombstones: readonly Tombstone[];
  /** A dropSeries is recorded here: every older layer is hidden for this series. */
  readonly dropped: boolean;
}

interface DirectoryEntry {
  name: string;
  offset: number;
  count: number;
  dropped: boolean;
  tombstones: [string, string][];
}

interface SegmentDirectory {
  formatVersion: number;
  points: number;
  series: DirectoryEntry[];
}

/**
 * Encodes series (sorted by name, keys strictly increasing) as Arrow IPC file bytes. It stays
 * synchronous (it runs inside a segment job): apache-arrow is taken through arrowNow, which loads
 * it on the first encode, in the worker thread or in-thread, never at start.
 */
export function encodeSegment(series: readonly SegmentSeriesData[]): Uint8Array {
  validateSeriesList(series, 'encode');
  let total = 0;
  for (const entry of series) total += entry.keys.length;
  const keys = new BigInt64Array(total);
  const values = new Float64Array(total);
  const directory: SegmentDirectory = { formatVersion: segmentFormatVersion, points: total, series: [] };
  let offset = 0;
  for (const entry of series) {
    keys.set(entry.keys, offset);
    values.set(entry.values, offset);
    directory.series.push({
      name: entry.name,
      offset,
      count: entry.keys.length,
      dropped: entry.dropped,
      tombstones: entry.tombstones.map((t) => [t.from.toString(), t.to.toString()]),
    });
    offset += entry.keys.length;
  }
  const arrow = arrowNow();
  const schema = segmentSchema(arrow, new Map([[segmentMetadataKey, JSON.stringify(directory)]]));
  const batches: RecordBatch[] = [];
  for (let start = 0; start < total || batches.length === 0; start += segmentBatchRowsMax) {
    const end = Math.min(total, start + segmentBatchRowsMax);
    batches.push(makeBatch(arrow, schema, keys.subarray(start, end), values.subarray(start, end)));
  }
  return arrow.tableToIPC(new arrow.Table(schema, batches), 'file');
}

export interface SegmentExpectation {
  readonly file: string;
  readonly bytes: number;
  readonly crc32: number;
}

/**
 * Verifies size and checksum against the manifest, parses the Arrow file and checks every
 * invariant of the content again (data is checked before it is written and when it is read).
 */
export function decodeSegment(bytes: Uint8Array, expected: SegmentExpectation): SegmentSeriesData[] {
  const corrupt = corruptionOf(expected.file);
  if (bytes.length !== expected.bytes) throw corrupt(`size ${bytes.length} != ${expected.bytes} in manifest`);
  if (crc32(bytes) !== expected.crc32) throw corrupt('checksum mismatch');
  return parseSegment(bytes, expected.file);
}

/** The registry error for a damaged segment, naming the file. */
function corruptionOf(file: string): (reason: string, cause?: unknown) => OmenDbError {
  return (reason, cause) =>
    new OmenDbError(
      'OMENDB_ERR_SEGMENT_CORRUPT',
      `segment ${file} is corrupt: ${reason}`,
      { file, reason },
      cause === undefined ? undefined : { cause },
    );
}

/**
 * Parses segment bytes without the checksum step: every length, offset and count in them is
 * checked by the bounded reader, so damaged bytes give OMENDB_ERR_SEGMENT_CORRUPT (or are read
 * as other data that keeps every invariant, which only the checksum can tell), never a hang.
 */
export function parseSegment(bytes: Uint8Array, file: string): SegmentSeriesData[] {
  const corrupt = corruptionOf(file);
  const read = readArrowIpc(bytes, {
    fault: (reason) => corrupt(`not a readable Arrow IPC file: ${reason}`),
    metadataKey: segmentMetadataKey,
  });
  if (read.format !== 'file') throw corrupt('an Arrow IPC stream, not a file');
  if (read.keyType !== 'int64') throw corrupt('column key is not Int64');
  const directory = parseDirectory(read.metadata, corrupt);
  if (read.rows !== directory.points) throw corrupt('row count differs from the directory');
  const keys = joinChunks(read.keyChunks, read.rows, (length) => new BigInt64Array(length));
  const values = joinChunks(read.valueChunks, read.rows, (length) => new Float64Array(length));
  const series = directory.series.map((entry) => ({
    name: entry.name,
    keys: keys.subarray(entry.offset, entry.offset + entry.count),
    values: values.subarray(entry.offset, entry.offset + entry.count),
    dropped: entry.dropped,
    tombstones: entry.tombstones.map(([from, to]) => ({ from: BigInt(from), to: BigInt(to) })),
  }));
  try {
    validateSeriesList(series, 'decode');
  } catch (error) {
    throw corrupt(error instanceof Error ? error.message : String(error), error);
  }
  return series;
}

interface ColumnChunk<T> {
  readonly length: number;
  set(array: T, offset: number): void;
}

/** One array over all rows: the chunk itself when there is one, else a copy of them all. */
function joinChunks<T extends ColumnChunk<T>>(
  chunks: readonly T[],
  rows: number,
  allocate: (length: number) => T,
): T {
  if (chunks.length === 1) return chunks[0]!;
  const joined = allocate(rows);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

// apache-arrow's Type and Precision enums (stable in the Arrow format), compared by value rather
// than by instanceof or apache-arrow's own predicates: the type may come from the caller's copy
// of apache-arrow (ESM or CommonJS, any version), and this module must not load apache-arrow.
const arrowTypeInt = 2;
const arrowTypeFloat = 3;
const arrowTypeTimestamp = 10;
const arrowPrecisionDouble = 2;

export function isInt64(type: DataType): boolean {
  const int = type as DataType & { bitWidth?: unknown; isSigned?: unknown };
  return type.typeId === arrowTypeInt && int.bitWidth === 64 && int.isSigned === true;
}

export function isFloat64(type: DataType): boolean {
  const float = type as DataType & { precision?: unknown };
  return type.typeId === arrowTypeFloat && float.precision === arrowPrecisionDouble;
}

export function isTimestamp(type: DataType): boolean {
  return type.typeId === arrowTypeTimestamp;
}

function parseDirectory(raw: string | undefined, corrupt: (reason: string) => OmenDbError): SegmentDirectory {
  if (raw === undefined) throw corrupt('no segment directory in the schema metadata');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw corrupt('segment directory is not JSON');
  }
  const directory = parsed as SegmentDirectory;
  if (typeof directory !== 'object' || directory === null || !Array.isArray(directory.series)) {
    throw corrupt('segment directory has the wrong shape');
  }
  if (directory.formatVersion !== segmentFormatVersion) {
    throw new OmenDbError(
      'OMENDB_ERR_VERSION_UNSUPPORTED',
      `segment format ${directory.formatVersion} is not supported`,
    );
  }
  let expectedOffset = 0;
  for (const entry of directory.series) {
    if (
      typeof entry?.name !== 'string' ||
      entry.offset !== expectedOffset ||
      !Number.isSafeInteger(entry.count) ||
      entry.count < 0 ||
      typeof entry.dropped !== 'boolean' ||
      !Array.isArray(entry.tombstones)
    ) {
      throw corrupt('segment directory entry is invalid');
    }
    for (const range of entry.tombstones) {
      if (
        !Array.isArray(range) ||
        range.length !== 2 ||
        !range.every((b) => typeof b === 'string' && /^-?\d+$/.test(b))
      ) {
        throw corrupt('segment tombstone is invalid');
      }
    }
    expectedOffset += entry.count;
  }
  if (expectedOffset !== directory.points) throw corrupt('segment directory does not cover every row');
  return directory;
}

/** The invariants of a segment's content, checked on both sides of the disk. */
function validateSeriesList(series: readonly SegmentSeriesData[], when: 'encode' | 'decode'): void {
  let previousName: string | undefined;
  for (const entry of series) {
    const fail = (what: string): never => {
      throw new Error(`OmenDB invariant violated (${when}): series ${entry.name}: ${what}`);
    };
    if (entry.name.length === 0 || entry.name.length > seriesNameLengthMax) fail('bad name length');
    if (previousName !== undefined && !(previousName < entry.name)) fail('series are not sorted by name');
    previousName = entry.name;
    if (entry.keys.length !== entry.values.length) fail('keys and values differ in length');
    const end = endOfIncreasingRun(entry.keys, 0, entry.keys.length);
    if (end !== entry.keys.length) fail(`keys not strictly increasing at ${end}`);
    for (let i = 0; i < entry.values.length; i++) {
      if (!Number.isFinite(entry.values[i]!)) fail(`non-finite value at ${i}`);
    }
    let previousTo: bigint | undefined;
    for (const range of entry.tombstones) {
      if (range.from > range.to) fail('tombstone with from > to');
      if (previousTo !== undefined && !(previousTo < range.from)) fail('tombstones overlap or are unsorted');
      previousTo = range.to;
    }
  }
}
