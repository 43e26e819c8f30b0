import { assert } from '../errors.ts';
import { arrowIpcMessagesMax } from '../limits.ts';
import { type PointsChunk, readPointsBatch } from './arrow-ipc-batch.ts';
import {
  type IpcMessage,
  isEndOfStream,
  isIpcFile,
  messageHeader,
  readBlockMessage,
  readIpcFile,
  readMessage,
} from './arrow-ipc-messages.ts';
import { type KeyType, type KeyValueSchema, readKeyValueSchema } from './arrow-ipc-schema.ts';
import type { ReadFault } from './flatbuffer-table.ts';

/**
 * A bounded reader of Arrow IPC bytes (stream or file format) holding the two columns OmenDB
 * stores, for bytes nobody vouches for: request bodies, and segment files whose checksum is
 * the only other guard. It parses the framing and the flatbuffer metadata itself with every
 * offset and length checked, accepts only the key and value schema (no dictionaries, no other
 * message types), at most arrowIpcMessagesMax messages in a stream and arrowIpcRecordBatchesMax
 * batches in a file, and views the column buffers in place. Its work and memory are linear in
 * the input's size: no lie in the metadata can make it loop, recurse or allocate beyond that.
 */

export interface ArrowIpcOptions {
  /** Builds the error for bytes that are not acceptable (the caller's registry code). */
  readonly fault: ReadFault;
  /** The schema custom metadata entry to return (segments keep their directory there). */
  readonly metadataKey?: string;
}

export interface ArrowIpcPoints {
  readonly format: 'stream' | 'file';
  readonly keyType: KeyType;
  readonly rows: number;
  /** One view per non-empty record batch, in order. */
  readonly keyChunks: readonly BigInt64Array[];
  readonly valueChunks: readonly Float64Array[];
  readonly metadata: string | undefined;
}

// The column views reinterpret little-endian Arrow buffers as native typed arrays.
assert(new Uint8Array(Uint16Array.of(1).buffer)[0] === 1, 'the platform is little-endian');

export function readArrowIpc(bytes: Uint8Array, options: ArrowIpcOptions): ArrowIpcPoints {
  return isIpcFile(bytes) ? readFile(bytes, options) : readStream(bytes, options);
}

function readFile(bytes: Uint8Array, options: ArrowIpcOptions): ArrowIpcPoints {
  const { fault } = options;
  const file = readIpcFile(bytes, fault);
  // The schema is checked before any batch is looked at.
  const schema = readKeyValueSchema(file.schema, fault, options.metadataKey);
  const chunks = file.blocks.map((block) =>
    readPointsBatch(bytes, readBlockMessage(bytes, block, fault), schema, fault),
  );
  return collect('file', schema, chunks);
}

function readStream(bytes: Uint8Array, options: ArrowIpcOptions): ArrowIpcPoints {
  const { fault } = options;
  let schema: KeyValueSchema | undefined;
  const chunks: PointsChunk[] = [];
  let messages = 0;
  let offset = 0;
  while (offset < bytes.length) {
    const message = readMessage(bytes, offset, bytes.length, fault);
    if (isEndOfStream(message)) {
      if (message.end !== bytes.length) throw fault('bytes follow the end-of-stream marker');
      break;
    }
    messages++;
    if (messages > arrowIpcMessagesMax)
      throw fault(`an Arrow stream has more than ${arrowIpcMessagesMax} messages`);
    if (schema === undefined) {
      schema = readSchemaMessage(message, options);
    } else {
      // arrowIpcMessagesMax (the schema and arrowIpcRecordBatchesMax batches) bounds the batches.
      checkBatchMessage(message, fault);
      chunks.push(readPointsBatch(bytes, message, schema, fault));
    }
    offset = message.end;
  }
  if (schema === undefined) throw fault('bytes are not an Arrow IPC stream or file');
  return collect('stream', schema, chunks);
}

function readSchemaMessage(message: IpcMessage, options: ArrowIpcOptions): KeyValueSchema {
  if (message.headerType !== messageHeader.schema)
    throw options.fault('an Arrow stream must start with its schema');
  if (message.bodyLength !== 0) throw options.fault('a schema message must not have a body');
  return readKeyValueSchema(message.header, options.fault, options.metadataKey);
}

function checkBatchMessage(message: IpcMessage, fault: ReadFault): void {
  if (message.headerType === messageHeader.recordBatch) return;
  if (message.headerType === messageHeader.dictionaryBatch)
    throw fault('dictionary batches are not accepted');
  if (message.headerType === messageHeader.schema) throw fault('an Arrow stream has a second schema');
  throw fault('an Arrow stream holds a message that is not a record batch');
}

function collect(
  format: 'stream' | 'file',
  schema: KeyValueSchema,
  chunks: readonly PointsChunk[],
): ArrowIpcPoints {
  const filled = chunks.filter((chunk) => chunk.rows > 0);
  return {
    format,
    keyType: schema.keyType,
    rows: filled.reduce((sum, chunk) => sum + chunk.rows, 0),
    keyChunks: filled.map((chunk) => chunk.keys),
    valueChunks: filled.map((chunk) => chunk.values),
    metadata: schema.metadata,
  };
}
