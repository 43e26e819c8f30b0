import { checkWalRecord, walFileHeaderBytes } from '../../src/storage/wal-record.ts';

/** Record start offsets in a WAL file whose records are all valid. */
export function recordOffsets(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  let offset = walFileHeaderBytes;
  while (offset < bytes.length) {
    const check = checkWalRecord(bytes, offset);
    if (!check.ok) throw new Error(`fixture WAL unreadable at ${offset}`);
    offsets.push(offset);
    offset += check.recordLength;
  }
  return offsets;
}
