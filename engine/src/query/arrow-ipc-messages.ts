import { arrowIpcRecordBatchesMax } from '../limits.ts';
import { FlatTable, type ReadFault } from './flatbuffer-table.ts';

/**
 * The framing of Arrow IPC bytes (https://arrow.apache.org/docs/format/Columnar.html#ipc-streaming-format),
 * read with every length checked against the bytes before anything is read or allocated:
 * - a message is a continuation marker (0xFFFFFFFF, absent in the legacy format), an int32
 *   metadata length, a flatbuffer `Message` and a body of `bodyLength` bytes;
 * - a stream is messages up to an end marker (a zero length) or the end of the bytes;
 * - a file is the magic `ARROW1` and two bytes of padding, a stream, a flatbuffer `Footer`
 *   that lists the record batches as blocks (offset, metadata length, body length), the
 *   footer's int32 length and the magic again.
 */

/** MessageHeader values of Message.fbs. */
export const messageHeader = { schema: 1, dictionaryBatch: 2, recordBatch: 3 } as const;

/** MetadataVersion V4 and V5 (Arrow 0.8 and 1.0 onwards); older versions are not readable. */
const metadataVersionsAccepted = new Set([3, 4]);

const continuationMarker = -1;
const fileMagic = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
const fileMagicPaddedBytes = 8;
/** A footer block: offset int64, metaDataLength int32 (and 4 bytes of padding), bodyLength int64. */
const blockBytes = 24;

export interface IpcMessage {
  readonly headerType: number;
  readonly header: FlatTable;
  /** Where the body starts in the bytes, and its length. */
  readonly bodyStart: number;
  readonly bodyLength: number;
  /** Prefix plus metadata: the metaDataLength a file footer records for this message. */
  readonly metaDataLength: number;
  /** Where the next message starts. */
  readonly end: number;
}

/** The end-of-stream marker, and where the bytes after it start. */
export interface EndOfStream {
  readonly endOfStream: true;
  readonly end: number;
}

/** Reads the message framed at `offset`, which must lie entirely before `limit`. */
export function readMessage(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  fault: ReadFault,
): IpcMessage | EndOfStream {
  const view = viewOf(bytes);
  if (offset + 4 > limit) throw fault('a message is cut off');
  let prefix = 4;
  let length = view.getInt32(offset, true);
  if (length === continuationMarker) {
    if (offset + 8 > limit) throw fault('a message is cut off after its continuation marker');
    prefix = 8;
    length = view.getInt32(offset + 4, true);
  }
  if (length === 0) return { endOfStream: true, end: offset + prefix };
  const metadataStart = offset + prefix;
  if (length < 0 || length > limit - metadataStart)
    throw fault('a message declares more metadata than the bytes hold');
  const metadata = new DataView(bytes.buffer, bytes.byteOffset + metadataStart, length);
  const message = FlatTable.root(metadata, fault);
  if (!metadataVersionsAccepted.has(message.int16(0, 0))) throw fault('unsupported Arrow metadata version');
  const header = message.table(2);
  if (header === undefined) throw fault('a message has no header');
  const bodyStart = metadataStart + length;
  const bodyLength = message.int64(3, 0n);
  if (bodyLength < 0n || bodyLength > BigInt(limit - bodyStart))
    throw fault('a message declares a longer body than the bytes hold');
  return {
    headerType: message.uint8(1, 0),
    header,
    bodyStart,
    bodyLength: Number(bodyLength),
    metaDataLength: prefix + length,
    end: bodyStart + Number(bodyLength),
  };
}

export function isEndOfStream(message: IpcMessage | EndOfStream): message is EndOfStream {
  return 'endOfStream' in message;
}

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function isIpcFile(bytes: Uint8Array): boolean {
  return bytes.length >= fileMagic.length && fileMagic.every((byte, i) => bytes[i] === byte);
}

export interface IpcFile {
  /** The footer's Schema table. */
  readonly schema: FlatTable;
  /** The record batch blocks, in footer order: inside the file, none listed twice or overlapping. */
  readonly blocks: readonly Block[];
}

export interface Block {
  readonly offset: number;
  readonly metaDataLength: number;
  readonly bodyLength: number;
}

/** Reads an IPC file's footer: its schema and the blocks of its record batches. */
export function readIpcFile(bytes: Uint8Array, fault: ReadFault): IpcFile {
  const footerEnd = bytes.length - fileMagic.length;
  if (footerEnd - 4 < fileMagicPaddedBytes || !fileMagic.every((byte, i) => bytes[footerEnd + i] === byte))
    throw fault('an Arrow file does not end with its magic');
  const footerLength = viewOf(bytes).getInt32(footerEnd - 4, true);
  const footerStart = footerEnd - 4 - footerLength;
  if (footerLength <= 0 || footerStart < fileMagicPaddedBytes)
    throw fault('an Arrow file declares a footer longer than the file');
  const footer = FlatTable.root(
    new DataView(bytes.buffer, bytes.byteOffset + footerStart, footerLength),
    fault,
  );
  if (!metadataVersionsAccepted.has(footer.int16(0, 0))) throw fault('unsupported Arrow metadata version');
  const schema = footer.table(1);
  if (schema === undefined) throw fault('an Arrow file footer has no schema');
  if (footer.vectorLength(2, blockBytes) !== 0) throw fault('dictionary batches are not accepted');
  return { schema, blocks: readBlocks(footer, footerStart, fault) };
}

function readBlocks(footer: FlatTable, footerStart: number, fault: ReadFault): Block[] {
  const vector = footer.vector(3, blockBytes);
  if (vector === undefined) return [];
  if (vector.length > arrowIpcRecordBatchesMax)
    throw fault(`an Arrow file lists more than ${arrowIpcRecordBatchesMax} record batches`);
  const blocks: Block[] = [];
  for (let i = 0; i < vector.length; i++) {
    const offset = footer.structInt64(vector, blockBytes, i, 0);
    const metaDataLength = footer.structInt32(vector, blockBytes, i, 8);
    const bodyLength = footer.structInt64(vector, blockBytes, i, 16);
    // The block must lie between the leading magic and the footer.
    const room = BigInt(footerStart);
    if (
      offset < BigInt(fileMagicPaddedBytes) ||
      metaDataLength <= 0 ||
      bodyLength < 0n ||
      offset + BigInt(metaDataLength) + bodyLength > room
    )
      throw fault('an Arrow file block lies outside the file');
    blocks.push({ offset: Number(offset), metaDataLength, bodyLength: Number(bodyLength) });
  }
  checkDisjoint(blocks, fault);
  return blocks;
}

/** Each batch is read once: a block listed twice, or two blocks that overlap, are an error. */
function checkDisjoint(blocks: readonly Block[], fault: ReadFault): void {
  const sorted = [...blocks].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    if (previous.offset + previous.metaDataLength + previous.bodyLength > sorted[i]!.offset)
      throw fault('an Arrow file lists a record batch twice, or blocks that overlap');
  }
}

/** The record batch message a block frames, which must be exactly the block's size. */
export function readBlockMessage(bytes: Uint8Array, block: Block, fault: ReadFault): IpcMessage {
  const end = block.offset + block.metaDataLength + block.bodyLength;
  const message = readMessage(bytes, block.offset, end, fault);
  if (
    isEndOfStream(message) ||
    message.headerType !== messageHeader.recordBatch ||
    message.metaDataLength !== block.metaDataLength ||
    message.bodyLength !== block.bodyLength
  )
    throw fault('an Arrow file block does not frame a record batch of its declared size');
  return message;
}
