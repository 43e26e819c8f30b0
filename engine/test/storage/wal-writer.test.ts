import { describe, expect, it } from 'vitest';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import { walSegmentBytesMax } from '../../src/limits.ts';
import {
  checkWalRecord,
  encodeWalFileHeader,
  encodeWalRecord,
  isWalFileHeader,
  walFileHeaderBytes,
} from '../../src/storage/wal-record.ts';
import { WalWriter, walFileFirstSeq, walFileName, walFilePattern } from '../../src/storage/wal-writer.ts';
import { errno } from '../support/codes.ts';

const walDir = '/db/wal';

async function newFs(): Promise<SimFileSystem> {
  const fs = new SimFileSystem();
  await fs.mkdir(walDir);
  return fs;
}

function record(seq: bigint): Uint8Array {
  return encodeWalRecord(seq, { kind: 'dropSeries', series: `s${seq}` });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Sequence numbers of the records in a WAL file, after checking its header. */
function seqsIn(bytes: Uint8Array): bigint[] {
  expect(isWalFileHeader(bytes)).toBe(true);
  const seqs: bigint[] = [];
  let offset = walFileHeaderBytes;
  while (offset < bytes.length) {
    const check = checkWalRecord(bytes, offset);
    if (!check.ok) throw new Error(`bad record at ${offset}: ${check.reason}`);
    seqs.push(check.seq);
    offset += check.recordLength;
  }
  return seqs;
}

describe('WAL file names', () => {
  it('pads the first sequence number to 20 digits', () => {
    expect(walFileName(1n)).toBe('wal-00000000000000000001.log');
    expect(walFileName(0n)).toBe('wal-00000000000000000000.log');
    expect(walFileName(2n ** 64n - 1n)).toBe('wal-18446744073709551615.log');
    expect(walFilePattern.test(walFileName(123n))).toBe(true);
  });

  it('sorts names in sequence order', () => {
    const seqs = [100n, 9n, 10n, 2n ** 63n, 1n];
    const names = seqs.map(walFileName).sort();
    expect(names.map((name) => walFileFirstSeq(name))).toEqual([1n, 9n, 10n, 100n, 2n ** 63n]);
  });

  it('parses the first sequence number back, and nothing else', () => {
    for (const seq of [0n, 1n, 42n, 2n ** 64n - 1n]) expect(walFileFirstSeq(walFileName(seq))).toBe(seq);
    for (const name of [
      'wal-1.log',
      'wal-00000000000000000001.log.tmp',
      'xwal-00000000000000000001.log',
      'wal-0000000000000000000a.log',
      'wal-000000000000000000001.log',
      'MANIFEST',
    ]) {
      expect(walFileFirstSeq(name), name).toBeUndefined();
    }
  });
});

describe('WalWriter', () => {
  it('creates a file holding only the header, durable with its directory entry', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 1n);
    expect(writer.currentFile).toBe(walFileName(1n));
    expect(writer.bytesWritten).toBe(walFileHeaderBytes);
    expect(writer.needsSync).toBe(false);
    expect(await fs.list(walDir)).toEqual([walFileName(1n)]);
    const after = fs.crashLosingAll();
    expect(await after.readFile(`${walDir}/${walFileName(1n)}`)).toEqual(encodeWalFileHeader());
  });

  it('refuses to create over an existing file', async () => {
    const fs = await newFs();
    await (await fs.open(`${walDir}/${walFileName(5n)}`, 'create-exclusive')).close();
    await expect(WalWriter.create(fs, walDir, 5n)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('closes the new file and rethrows when writing its header fails', async () => {
    const fs = await newFs();
    const kinds: string[] = [];
    fs.injectError((op) => {
      kinds.push(op.kind);
      if (op.kind !== 'sync') return undefined;
      return errno('EIO');
    });
    await expect(WalWriter.create(fs, walDir, 1n)).rejects.toMatchObject({ code: 'EIO' });
    expect(kinds).toEqual(['open', 'write', 'sync', 'close']);
  });

  it('reports the header failure, not a failure to close after it', async () => {
    const fs = await newFs();
    fs.injectError((op) => {
      if (op.kind !== 'write' && op.kind !== 'close') return undefined;
      return errno(op.kind === 'write' ? 'ENOSPC' : 'EIO');
    });
    await expect(WalWriter.create(fs, walDir, 1n)).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  it('appends records after the header and syncs them', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 1n);
    const first = record(1n);
    const rest = concat(record(2n), record(3n));
    await writer.append(first, 1n);
    expect(writer.needsSync).toBe(true);
    await writer.append(rest, 2n);
    expect(writer.bytesWritten).toBe(walFileHeaderBytes + first.length + rest.length);
    const path = `${walDir}/${walFileName(1n)}`;
    expect(seqsIn(await fs.readFile(path))).toEqual([1n, 2n, 3n]);
    await writer.sync();
    expect(writer.needsSync).toBe(false);
    await writer.append(record(4n), 4n);
    const after = fs.crashLosingAll();
    // Only what was synced survives the unluckiest crash.
    expect(seqsIn(await after.readFile(path))).toEqual([1n, 2n, 3n]);
  });

  it('refuses an empty append as an invariant failure', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 1n);
    await expect(writer.append(new Uint8Array(0), 1n)).rejects.toThrow(/invariant/);
  });

  it('does nothing on sync when nothing was appended', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 1n);
    const before = fs.opCount;
    await writer.sync();
    expect(fs.opCount).toBe(before);
  });

  it('stays dirty when its fsync fails, and syncs on the next try', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 1n);
    await writer.append(record(1n), 1n);
    fs.injectError((op) => {
      if (op.kind !== 'sync') return undefined;
      return errno('EIO');
    });
    await expect(writer.sync()).rejects.toMatchObject({ code: 'EIO' });
    expect(writer.needsSync).toBe(true);
    fs.injectError(undefined);
    await writer.sync();
    expect(writer.needsSync).toBe(false);
    const after = fs.crashLosingAll();
    expect(seqsIn(await after.readFile(`${walDir}/${walFileName(1n)}`))).toEqual([1n]);
  });

  it('rotates to a new file and fsyncs the old one first', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 1n);
    const one = record(1n);
    const two = record(2n);
    await writer.append(one, 1n);
    await writer.append(two, 2n);
    await writer.rotate(3n);
    expect(writer.currentFile).toBe(walFileName(3n));
    expect(writer.needsSync).toBe(false);
    expect(writer.bytesWritten).toBe(2 * walFileHeaderBytes + one.length + two.length);
    const three = record(3n);
    await writer.append(three, 3n);
    expect(writer.bytesWritten).toBe(2 * walFileHeaderBytes + one.length + two.length + three.length);
    expect(await fs.list(walDir)).toEqual([walFileName(1n), walFileName(3n)]);
    const after = fs.crashLosingAll();
    expect(await after.list(walDir)).toEqual([walFileName(1n), walFileName(3n)]);
    expect(seqsIn(await after.readFile(`${walDir}/${walFileName(1n)}`))).toEqual([1n, 2n]);
    // The record after the rotation was never synced.
    expect(seqsIn(await after.readFile(`${walDir}/${walFileName(3n)}`))).toEqual([]);
  });

  it('keeps a file that holds no records when asked to rotate to its own first sequence', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 4n);
    await writer.rotate(4n);
    expect(writer.currentFile).toBe(walFileName(4n));
    expect(await fs.list(walDir)).toEqual([walFileName(4n)]);
    expect(writer.bytesWritten).toBe(walFileHeaderBytes);
  });

  it('refuses to rotate backwards, or onto a file that holds records', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 4n);
    await expect(writer.rotate(3n)).rejects.toThrow(/invariant/);
    await writer.append(record(4n), 4n);
    await expect(writer.rotate(4n)).rejects.toThrow(/invariant/);
  });

  it('rolls over by itself once a file would pass walSegmentBytesMax', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 1n);
    // The first append to a fresh file never rolls over, whatever its size.
    const filler = new Uint8Array(walSegmentBytesMax - walFileHeaderBytes);
    await writer.append(filler, 1n);
    expect(writer.currentFile).toBe(walFileName(1n));
    const next = record(2n);
    await writer.append(next, 2n);
    expect(writer.currentFile).toBe(walFileName(2n));
    expect(writer.bytesWritten).toBe(walSegmentBytesMax + walFileHeaderBytes + next.length);
    await writer.close();
    const after = fs.crashLosingAll();
    expect((await after.readFile(`${walDir}/${walFileName(1n)}`)).length).toBe(walSegmentBytesMax);
    expect(seqsIn(await after.readFile(`${walDir}/${walFileName(2n)}`))).toEqual([2n]);
  });

  it('does not roll over while the file stays within walSegmentBytesMax', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 1n);
    await writer.append(new Uint8Array(1000), 1n);
    await writer.append(new Uint8Array(walSegmentBytesMax - walFileHeaderBytes - 1000), 2n);
    expect(writer.currentFile).toBe(walFileName(1n));
    expect(writer.bytesWritten).toBe(walSegmentBytesMax);
  });

  it('syncs on close and closes the handle', async () => {
    const fs = await newFs();
    const writer = await WalWriter.create(fs, walDir, 1n);
    await writer.append(record(1n), 1n);
    await writer.close();
    expect(writer.needsSync).toBe(false);
    await expect(writer.append(record(2n), 2n)).rejects.toMatchObject({ code: 'EBADF' });
    const after = fs.crashLosingAll();
    expect(seqsIn(await after.readFile(`${walDir}/${walFileName(1n)}`))).toEqual([1n]);
  });
});
