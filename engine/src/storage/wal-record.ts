import { crc32 } from 'node:zlib';
import { assert } from '../errors.ts';
import { walRecordBytesMax } from '../limits.ts';

/**
 * WAL record layout (little endian). One record holds one whole operation, so a batch is atomic
 * across a crash: either its CRC checks and it is replayed whole, or it is not replayed at all.
 *
 *   0  u32  crc32 over bytes 4..end (header fields and payload)
 *   4  u32  payload length in bytes
 *   8  u64  sequence number (consecutive across the whole log)
 *  16  u8   record type
 *  17  u8   record format version
 *  18  u16  reserved, zero
 *  20  ...  payload
 */
export const walRecordHeaderBytes = 20;
export const walRecordFormatVersion = 1;

/** Each WAL file starts with this magic and a version, so a stray file is never replayed. */
export const walFileMagic = new TextEncoder().encode('OMENWAL1');
export const walFileHeaderBytes = 16;

export const recordType = {
  put: 1,
  deleteRange: 2,
  dropSeries: 3,
} as const;

export type WalOperation =
  | { kind: 'put'; series: string; keys: BigInt64Array; values: Float64Array }
  | { kind: 'deleteRange'; series: string; from: bigint; to: bigint }
  | { kind: 'dropSeries'; series: string };

export interface WalRecord {
  seq: bigint;
  op: WalOperation;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('ascii', { fatal: true });

/**
 * Zero bytes after a put's point count so that its keys start 8-byte aligned in the record:
 * the engine then applies the batch through typed-array views of the record, with no copy.
 */
export function putPadding(series: string): number {
  return (8 - ((walRecordHeaderBytes + 1 + series.length + 4) % 8)) % 8;
}

function payloadBytes(op: WalOperation): number {
  const nameBytes = 1 + op.series.length;
  switch (op.kind) {
    case 'put':
      return nameBytes + 4 + putPadding(op.series) + op.keys.length * 16;
    case 'deleteRange':
      return nameBytes + 16;
    case 'dropSeries':
      return nameBytes;
  }
}

/** The keys and values of an encoded put, as views into the record (aligned by putPadding). */
export function putViews(
  record: Uint8Array,
  series: string,
  count: number,
): { keys: BigInt64Array; values: Float64Array } {
  const offset = walRecordHeaderBytes + 1 + series.length + 4 + putPadding(series);
  assert(record.byteOffset % 8 === 0 && offset % 8 === 0, 'WAL put views must be 8-byte aligned');
  return {
    keys: new BigInt64Array(record.buffer, record.byteOffset + offset, count),
    values: new Float64Array(record.buffer, record.byteOffset + offset + count * 8, count),
  };
}

export function encodeWalRecord(seq: bigint, op: WalOperation): Uint8Array {
  const length = payloadBytes(op);
  const total = walRecordHeaderBytes + length;
  assert(total <= walRecordBytesMax, `WAL record of ${total} bytes exceeds walRecordBytesMax`);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, length, true);
  view.setBigUint64(8, seq, true);
  view.setUint8(16, recordType[op.kind]);
  view.setUint8(17, walRecordFormatVersion);
  let offset = walRecordHeaderBytes;
  bytes[offset] = op.series.length;
  bytes.set(textEncoder.encode(op.series), offset + 1);
  offset += 1 + op.series.length;
  if (op.kind === 'put') {
    const count = op.keys.length;
    view.setUint32(offset, count, true);
    offset += 4 + putPadding(op.series);
    bytes.set(new Uint8Array(op.keys.buffer, op.keys.byteOffset, count * 8), offset);
    bytes.set(new Uint8Array(op.values.buffer, op.values.byteOffset, count * 8), offset + count * 8);
  } else if (op.kind === 'deleteRange') {
    view.setBigInt64(offset, op.from, true);
    view.setBigInt64(offset + 8, op.to, true);
  }
  view.setUint32(0, crc32(bytes.subarray(4)), true);
  return bytes;
}

export type HeaderCheck =
  | { ok: true; seq: bigint; type: number; payloadLength: number; recordLength: number }
  | { ok: false; reason: 'short' | 'length' | 'crc' | 'version' };

/**
 * Checks the record starting at `offset` of `bytes` (which may end early): its length is in
 * bounds, it is complete, and its CRC matches. Does not decode the payload.
 */
export function checkWalRecord(bytes: Uint8Array, offset: number): HeaderCheck {
  if (bytes.length - offset < walRecordHeaderBytes) return { ok: false, reason: 'short' };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const payloadLength = view.getUint32(4, true);
  const recordLength = walRecordHeaderBytes + payloadLength;
  if (recordLength > walRecordBytesMax) return { ok: false, reason: 'length' };
  if (bytes.length - offset < recordLength) return { ok: false, reason: 'short' };
  const expected = view.getUint32(0, true);
  if (crc32(bytes.subarray(offset + 4, offset + recordLength)) !== expected)
    return { ok: false, reason: 'crc' };
  if (view.getUint8(17) !== walRecordFormatVersion) return { ok: false, reason: 'version' };
  return { ok: true, seq: view.getBigUint64(8, true), type: view.getUint8(16), payloadLength, recordLength };
}

/**
 * Decodes the payload of a record that passed checkWalRecord. A record whose CRC matches but
 * whose payload is malformed can only come from a bug, so it is an invariant failure.
 */
export function decodeWalPayload(
  bytes: Uint8Array,
  offset: number,
  check: HeaderCheck & { ok: true },
): WalOperation {
  const start = offset + walRecordHeaderBytes;
  const end = start + check.payloadLength;
  const nameLength = bytes[start] ?? 0;
  assert(nameLength >= 1 && start + 1 + nameLength <= end, 'WAL record series name out of bounds');
  const series = textDecoder.decode(bytes.subarray(start + 1, start + 1 + nameLength));
  let cursor = start + 1 + nameLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  switch (check.type) {
    case recordType.put: {
      const count = view.getUint32(cursor, true);
      const padding = putPadding(series);
      for (let i = 0; i < padding; i++) assert(bytes[cursor + 4 + i] === 0, 'WAL put padding must be zero');
      cursor += 4 + padding;
      assert(cursor + count * 16 === end, 'WAL put record length does not match its point count');
      // slice() copies into fresh, 8-byte aligned buffers that typed arrays can view.
      const keys = new BigInt64Array(bytes.slice(cursor, cursor + count * 8).buffer);
      const values = new Float64Array(bytes.slice(cursor + count * 8, end).buffer);
      return { kind: 'put', series, keys, values };
    }
    case recordType.deleteRange: {
      assert(cursor + 16 === end, 'WAL deleteRange record has the wrong length');
      return {
        kind: 'deleteRange',
        series,
        from: view.getBigInt64(cursor, true),
        to: view.getBigInt64(cursor + 8, true),
      };
    }
    case recordType.dropSeries:
      assert(cursor === end, 'WAL dropSeries record has the wrong length');
      return { kind: 'dropSeries', series };
    default:
      throw new Error(`OmenDB invariant violated: unknown WAL record type ${check.type}`);
  }
}

export function encodeWalFileHeader(): Uint8Array {
  const header = new Uint8Array(walFileHeaderBytes);
  header.set(walFileMagic, 0);
  new DataView(header.buffer).setUint32(8, walRecordFormatVersion, true);
  return header;
}

export function isWalFileHeader(bytes: Uint8Array): boolean {
  if (bytes.length < walFileHeaderBytes) return false;
  for (let i = 0; i < walFileMagic.length; i++) if (bytes[i] !== walFileMagic[i]) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  // The reserved word must be zero, so that no bit of the header can flip unnoticed.
  return view.getUint32(8, true) === walRecordFormatVersion && view.getUint32(12, true) === 0;
}
