import type { IpcMessage } from './arrow-ipc-messages.ts';
import type { KeyValueSchema } from './arrow-ipc-schema.ts';
import type { FlatTable, FlatVector, ReadFault } from './flatbuffer-table.ts';

/**
 * One record batch of key and value columns, checked against its body before it is viewed:
 * every field node has the batch's length and no nulls, every buffer lies inside the body and
 * starts 8-byte aligned (as the format requires), and each value buffer holds at least
 * length x 8 bytes. The columns are typed-array views over the input (a copy only when the
 * input itself is not 8-byte aligned), so apache-arrow never sees these bytes.
 * Slot numbers are the field order of Message.fbs.
 */

export interface PointsChunk {
  readonly rows: number;
  readonly keys: BigInt64Array;
  readonly values: Float64Array;
}

/** FieldNode and Buffer structs: two int64 each. */
const structBytes = 16;
/** Two primitive columns: one node each, and a validity and a data buffer each. */
const nodeCount = 2;
const bufferCount = 4;
const valueBytes = 8;
const alignmentBytes = 8;

export function readPointsBatch(
  bytes: Uint8Array,
  message: IpcMessage,
  schema: KeyValueSchema,
  fault: ReadFault,
): PointsChunk {
  const batch = message.header;
  if (batch.has(3)) throw fault('compressed Arrow bodies are not accepted');
  if (batch.vectorLength(4, 8) !== 0) throw fault('variadic buffers are not accepted');
  const length = batch.int64(0, 0n);
  // No batch can hold more rows than its body has room for 8-byte values.
  if (length < 0n || length > BigInt(Math.floor(message.bodyLength / valueBytes)))
    throw fault('a record batch declares more rows than its body holds');
  const rows = Number(length);
  const nodes = batch.vector(1, structBytes);
  const buffers = batch.vector(2, structBytes);
  if (nodes?.length !== nodeCount || buffers?.length !== bufferCount)
    throw fault('a record batch does not have the nodes and buffers of key and value');
  const starts: number[] = [];
  for (let column = 0; column < nodeCount; column++) {
    checkNode(batch, nodes, column, length, fault);
    checkBuffer(batch, buffers, column * 2, 0, message.bodyLength, fault);
    starts.push(checkBuffer(batch, buffers, column * 2 + 1, rows * valueBytes, message.bodyLength, fault));
  }
  const keyAt = message.bodyStart + starts[schema.keyIndex]!;
  const valueAt = message.bodyStart + starts[1 - schema.keyIndex]!;
  return {
    rows,
    keys: view(bytes, keyAt, rows, BigInt64Array),
    values: view(bytes, valueAt, rows, Float64Array),
  };
}

function checkNode(
  batch: FlatTable,
  nodes: FlatVector,
  index: number,
  length: bigint,
  fault: ReadFault,
): void {
  if (batch.structInt64(nodes, structBytes, index, 0) !== length)
    throw fault('a column declares a different row count than its record batch');
  if (batch.structInt64(nodes, structBytes, index, 8) !== 0n) throw fault('columns must not hold nulls');
}

/** Checks buffer `index` lies in the body with at least `minBytes`; returns its offset in the body. */
function checkBuffer(
  batch: FlatTable,
  buffers: FlatVector,
  index: number,
  minBytes: number,
  bodyLength: number,
  fault: ReadFault,
): number {
  const offset = batch.structInt64(buffers, structBytes, index, 0);
  const length = batch.structInt64(buffers, structBytes, index, 8);
  if (offset < 0n || length < 0n || offset + length > BigInt(bodyLength))
    throw fault('a buffer lies outside its record batch body');
  if (offset % BigInt(alignmentBytes) !== 0n) throw fault('a buffer is not 8-byte aligned');
  if (length < BigInt(minBytes)) throw fault('a record batch declares more rows than its buffers hold');
  return Number(offset);
}

function view<T extends BigInt64Array | Float64Array>(
  bytes: Uint8Array,
  at: number,
  rows: number,
  type: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T; new (length: number): T },
): T {
  const absolute = bytes.byteOffset + at;
  if (absolute % alignmentBytes === 0) return new type(bytes.buffer, absolute, rows);
  const copy = new type(rows);
  new Uint8Array(copy.buffer).set(bytes.subarray(at, at + rows * valueBytes));
  return copy;
}
