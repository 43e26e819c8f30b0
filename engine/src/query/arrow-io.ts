import type { Table, Vector } from 'apache-arrow';
import { OmenDbError } from '../errors.ts';
import { makeBatch, segmentSchema } from '../storage/segment-arrow.ts';
import { isFloat64, isInt64, isTimestamp } from '../storage/segment-file.ts';
import { readArrowIpc } from './arrow-ipc-reader.ts';
import { type ArrowModule, arrowNow, arrowOf, loadArrow, loadedArrow } from './arrow-module.ts';

/**
 * Arrow in and out of the embedded API. Input is an Arrow Table or IPC bytes (stream or file
 * format) with a `key` column (Int64, or Timestamp of any unit: its integer value is the key)
 * and a `value` column (Float64), neither with nulls. Output tables have exactly the columns of
 * a segment file: `key` Int64 and `value` Float64.
 *
 * IPC bytes are untrusted (they are HTTP request bodies): they are read by OmenDB's own bounded
 * reader (arrow-ipc-reader.ts), never by apache-arrow, and must hold exactly the columns key and
 * value, without dictionaries. A Table is the caller's own in-process object: it is trusted to be
 * well formed, and columns other than key and value are ignored.
 *
 * Reading needs no apache-arrow (types are compared by value); building a Table does, and loads
 * it on first use (arrow-module.ts), so a server start never pays for it.
 */
export type ArrowInput = Table | Uint8Array;

/** The validated columns of an Arrow input, in the chunks Arrow holds them in (not copied). */
export interface ArrowPoints {
  readonly rows: number;
  readonly keyChunks: readonly BigInt64Array[];
  readonly valueChunks: readonly Float64Array[];
}

function invalid(message: string, details: Record<string, unknown> = {}): OmenDbError {
  return new OmenDbError('OMENDB_ERR_INPUT_ARROW', message, details);
}

/** Checks everything about the input before anything is written: columns, types, nulls, values. */
export function readArrowPoints(input: unknown): ArrowPoints {
  if (input instanceof Uint8Array) return readIpcPoints(input);
  if (!isTableLike(input)) {
    throw invalid('expected an Arrow Table or Arrow IPC bytes (a Uint8Array)', { input: typeof input });
  }
  return readTablePoints(input);
}

function readIpcPoints(bytes: Uint8Array): ArrowPoints {
  const { rows, keyChunks, valueChunks } = readArrowIpc(bytes, {
    fault: (reason) => invalid(`Arrow IPC input rejected: ${reason}`, { reason, bytes: bytes.length }),
  });
  checkFinite(valueChunks);
  return { rows, keyChunks, valueChunks };
}

function readTablePoints(table: Table): ArrowPoints {
  const key = requireColumn(table, 'key');
  const value = requireColumn(table, 'value');
  if (!isInt64(key.type) && !isTimestamp(key.type)) {
    throw invalid(`column key must be Int64 or Timestamp, not ${String(key.type)}`, {
      column: 'key',
      type: String(key.type),
    });
  }
  if (!isFloat64(value.type)) {
    throw invalid(`column value must be Float64, not ${String(value.type)}`, {
      column: 'value',
      type: String(value.type),
    });
  }
  for (const [name, column] of [
    ['key', key],
    ['value', value],
  ] as const) {
    if (column.nullCount > 0) {
      throw invalid(`column ${name} has ${column.nullCount} nulls`, {
        column: name,
        nulls: column.nullCount,
      });
    }
  }
  const keyChunks = chunksOf(key, BigInt64Array);
  const valueChunks = chunksOf(value, Float64Array);
  // The rows are what the chunks hold: a declared count beyond them would be written as zeros.
  const rows = rowsIn(keyChunks);
  if (rows !== table.numRows || rowsIn(valueChunks) !== rows) {
    throw invalid('the table declares a different row count than its columns hold', {
      rows: table.numRows,
      keys: rows,
      values: rowsIn(valueChunks),
    });
  }
  checkFinite(valueChunks);
  return { rows, keyChunks, valueChunks };
}

// Duck typing, not instanceof: a Table from any copy of apache-arrow (CJS next to ESM, or another
// version) is still a Table, and checking needs no apache-arrow loaded here.
function isTableLike(input: unknown): input is Table {
  const candidate = input as { getChild?: unknown; numRows?: unknown; schema?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.getChild === 'function' &&
    typeof candidate.numRows === 'number' &&
    typeof candidate.schema === 'object'
  );
}

function requireColumn(table: Table, name: string): Vector {
  const column = table.getChild(name);
  if (column === null) {
    throw invalid(`missing column ${name}`, {
      column: name,
      columns: table.schema.fields.map((field) => field.name),
    });
  }
  return column;
}

/** The column's chunks as typed arrays over Arrow's own buffers (Int64 and Timestamp are both int64). */
function chunksOf<T extends BigInt64ArrayConstructor | Float64ArrayConstructor>(
  column: Vector,
  type: T,
): InstanceType<T>[] {
  return column.data.map((data) => {
    const values: unknown = data.values;
    if (!(values instanceof type)) {
      throw invalid('column buffers have an unexpected layout', { type: String(column.type) });
    }
    return values.subarray(0, data.length) as InstanceType<T>;
  });
}

function rowsIn(chunks: readonly { length: number }[]): number {
  return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}

function checkFinite(chunks: readonly Float64Array[]): void {
  let row = 0;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      if (!Number.isFinite(chunk[i]!)) {
        throw new OmenDbError('OMENDB_ERR_INPUT_VALUE', `value at row ${row + i} is not a finite number`, {
          row: row + i,
          value: String(chunk[i]),
        });
      }
    }
    row += chunk.length;
  }
}

/**
 * The rows of the input in batches of at most `batchPointsMax`: views over Arrow's buffers when
 * a batch lies inside one chunk, otherwise one copy of the rows.
 */
export function* arrowBatches(
  points: ArrowPoints,
  batchPointsMax: number,
): Generator<{ keys: BigInt64Array; values: Float64Array }, void, undefined> {
  for (let start = 0; start < points.rows; start += batchPointsMax) {
    const end = Math.min(points.rows, start + batchPointsMax);
    yield {
      keys: rowsOf(points.keyChunks, start, end, (length) => new BigInt64Array(length)),
      values: rowsOf(points.valueChunks, start, end, (length) => new Float64Array(length)),
    };
  }
}

interface ColumnChunk<T> {
  readonly length: number;
  subarray(start: number, end: number): T;
  set(array: T, offset: number): void;
}

function rowsOf<T extends ColumnChunk<T>>(
  chunks: readonly T[],
  start: number,
  end: number,
  allocate: (length: number) => T,
): T {
  let chunkStart = 0;
  let out: T | undefined;
  for (const chunk of chunks) {
    const chunkEnd = chunkStart + chunk.length;
    const from = Math.max(start, chunkStart);
    const to = Math.min(end, chunkEnd);
    if (from < to) {
      if (out === undefined && from === start && to === end)
        return chunk.subarray(from - chunkStart, to - chunkStart);
      out ??= allocate(end - start);
      out.set(chunk.subarray(from - chunkStart, to - chunkStart), from - start);
    }
    chunkStart = chunkEnd;
  }
  return out ?? allocate(0);
}

/**
 * A Table over the given arrays, without copying them: the caller hands them over. It is built
 * with the ESM apache-arrow, the one callers import, once loadArrow has run (await it first, as
 * Engine.rangeArrow should); before that, with the CommonJS build (see arrow-module.ts), whose
 * Tables read the same but are refused by the ESM build's tableToIPC: encode them with
 * arrowStreamBytes, which picks each Table's own build.
 */
export function pointsTable(keys: BigInt64Array, values: Float64Array): Table {
  const arrow = loadedArrow() ?? arrowNow();
  const schema = segmentSchema(arrow);
  return new arrow.Table(schema, [makeBatch(arrow, schema, keys, values)]);
}

/** The Table as Arrow IPC stream bytes, encoded by the apache-arrow build that made it. */
export async function arrowStreamBytes(table: Table): Promise<Uint8Array> {
  const arrow: ArrowModule = arrowOf(table) ?? (await loadArrow());
  return arrow.tableToIPC(table, 'stream');
}
