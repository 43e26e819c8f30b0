import { describe, expect, it } from 'vitest';
import { isOmenDbError } from '../../src/errors.ts';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import {
  encodeWalFileHeader,
  encodeWalRecord,
  type WalOperation,
  type WalRecord,
  walFileHeaderBytes,
  walRecordFormatVersion,
} from '../../src/storage/wal-record.ts';
import { listWalFiles, type RecoveryMode, recoverWal } from '../../src/storage/wal-recovery.ts';
import { WalWriter, walFileName } from '../../src/storage/wal-writer.ts';
import { crc32 } from 'node:zlib';

const walDir = '/db/wal';

function opFor(seq: bigint): WalOperation {
  return {
    kind: 'put',
    series: `s${seq % 3n}`,
    keys: BigInt64Array.of(seq),
    values: Float64Array.of(Number(seq)),
  };
}

/**
 * Writes WAL files through WalWriter: each file is named after its first sequence number and
 * holds the records listed for it (which may deliberately skip numbers).
 */
async function buildWal(
  files: readonly { first: bigint; seqs: readonly bigint[] }[],
): Promise<SimFileSystem> {
  const fs = new SimFileSystem();
  await fs.mkdir(walDir);
  let writer: WalWriter | undefined;
  for (const file of files) {
    if (writer === undefined) writer = await WalWriter.create(fs, walDir, file.first);
    else await writer.rotate(file.first);
    for (const seq of file.seqs) await writer.append(encodeWalRecord(seq, opFor(seq)), seq);
  }
  await writer?.close();
  return fs;
}

const range = (from: number, to: number): bigint[] => {
  const out: bigint[] = [];
  for (let i = from; i <= to; i++) out.push(BigInt(i));
  return out;
};

async function recover(
  fs: SimFileSystem,
  checkpointSeq = 0n,
  mode: RecoveryMode = 'strict',
): Promise<{ applied: WalRecord[]; result: Awaited<ReturnType<typeof recoverWal>> }> {
  const applied: WalRecord[] = [];
  const result = await recoverWal(fs, walDir, checkpointSeq, mode, (record) => applied.push(record));
  return { applied, result };
}

/** Runs strict recovery, which must fail with OMENDB_ERR_WAL_CORRUPT; returns the error's details. */
async function walCorruptDetails(fs: SimFileSystem): Promise<unknown> {
  try {
    await recover(fs, 0n, 'strict');
  } catch (error) {
    expect(isOmenDbError(error, 'OMENDB_ERR_WAL_CORRUPT')).toBe(true);
    return (error as { details: unknown }).details;
  }
  throw new Error('recovery did not fail');
}

/** Byte offset of each record in a file built by buildWal (all records of a file). */
function offsetsOf(seqs: readonly bigint[]): number[] {
  const offsets: number[] = [];
  let offset = walFileHeaderBytes;
  for (const seq of seqs) {
    offsets.push(offset);
    offset += encodeWalRecord(seq, opFor(seq)).length;
  }
  offsets.push(offset);
  return offsets;
}

async function rewrite(
  fs: SimFileSystem,
  name: string,
  change: (bytes: Uint8Array) => Uint8Array,
): Promise<void> {
  const path = `${walDir}/${name}`;
  const bytes = change(await fs.readFile(path));
  const handle = await fs.open(path, 'write');
  await handle.truncate(0);
  await handle.write(0, bytes);
  await handle.sync();
  await handle.close();
}

function flipByte(offset: number): (bytes: Uint8Array) => Uint8Array {
  return (bytes) => {
    const copy = bytes.slice();
    copy[offset]! ^= 0x10;
    return copy;
  };
}

/**
 * A WAL of two files: records 1-3, the last of them one byte short, then a file from sequence 4
 * holding `laterSeqs`. Returns the record offsets of the first file as offsetsOf gives them.
 */
async function walWithShortLastRecord(
  laterSeqs: readonly bigint[],
): Promise<{ fs: SimFileSystem; offsets: number[] }> {
  const seqs = range(1, 3);
  const offsets = offsetsOf(seqs);
  const fs = await buildWal([
    { first: 1n, seqs },
    { first: 4n, seqs: laterSeqs },
  ]);
  await rewrite(fs, walFileName(1n), (bytes) => bytes.slice(0, offsets[3]! - 1));
  return { fs, offsets };
}

describe('listWalFiles', () => {
  it('lists only WAL files, in sequence order', async () => {
    const fs = await buildWal([
      { first: 1n, seqs: [1n] },
      { first: 2n, seqs: [2n] },
      { first: 10n, seqs: [] },
    ]);
    for (const stray of ['wal-1.log', 'notes.txt', `${walFileName(3n)}.tmp`]) {
      await (await fs.open(`${walDir}/${stray}`, 'create-exclusive')).close();
    }
    expect(await listWalFiles(fs, walDir)).toEqual([
      { name: walFileName(1n), firstSeq: 1n },
      { name: walFileName(2n), firstSeq: 2n },
      { name: walFileName(10n), firstSeq: 10n },
    ]);
  });
});

describe('recoverWal', () => {
  it('returns an empty result for an empty WAL directory', async () => {
    const fs = new SimFileSystem();
    await fs.mkdir(walDir);
    const { applied, result } = await recover(fs);
    expect(applied).toEqual([]);
    expect(result).toEqual({
      lastSeq: 0n,
      replayedRecords: 0,
      skippedRecords: 0,
      tornTail: undefined,
      corruptionDropped: undefined,
      obsoleteFiles: [],
      filesAfterCut: [],
      liveFiles: [],
    });
    // With a checkpoint and no WAL, the checkpoint is the last sequence number.
    expect((await recover(fs, 9n)).result.lastSeq).toBe(9n);
  });

  it('replays every record, in order, with its operation', async () => {
    const fs = await buildWal([
      { first: 1n, seqs: range(1, 3) },
      { first: 4n, seqs: range(4, 6) },
    ]);
    const { applied, result } = await recover(fs);
    expect(applied).toEqual(range(1, 6).map((seq) => ({ seq, op: opFor(seq) })));
    expect(result.lastSeq).toBe(6n);
    expect(result.replayedRecords).toBe(6);
    expect(result.skippedRecords).toBe(0);
    expect(result.liveFiles).toEqual([walFileName(1n), walFileName(4n)]);
    expect(result.obsoleteFiles).toEqual([]);
    expect(result.tornTail).toBeUndefined();
    expect(result.corruptionDropped).toBeUndefined();
  });

  it('replays only records after the checkpoint and counts the others as skipped', async () => {
    const fs = await buildWal([{ first: 1n, seqs: range(1, 5) }]);
    const { applied, result } = await recover(fs, 2n);
    expect(applied.map((r) => r.seq)).toEqual([3n, 4n, 5n]);
    expect(result.replayedRecords).toBe(3);
    expect(result.skippedRecords).toBe(2);
    expect(result.lastSeq).toBe(5n);
  });

  it('replays nothing when the checkpoint covers every record', async () => {
    const fs = await buildWal([{ first: 1n, seqs: range(1, 5) }]);
    const { applied, result } = await recover(fs, 5n);
    expect(applied).toEqual([]);
    expect(result.skippedRecords).toBe(5);
    expect(result.lastSeq).toBe(5n);
    expect(result.liveFiles).toEqual([walFileName(1n)]);
    // A checkpoint past the log (its records were flushed and their files deleted).
    expect((await recover(fs, 8n)).result.lastSeq).toBe(8n);
  });

  it('reports the files wholly covered by the checkpoint as obsolete and does not read them', async () => {
    const fs = await buildWal([
      { first: 1n, seqs: range(1, 3) },
      { first: 4n, seqs: range(4, 6) },
      { first: 7n, seqs: range(7, 9) },
    ]);
    // Damage in an obsolete file must not matter: it is never read.
    await rewrite(fs, walFileName(1n), flipByte(walFileHeaderBytes + 2));
    const { applied, result } = await recover(fs, 6n);
    expect(result.obsoleteFiles).toEqual([walFileName(1n), walFileName(4n)]);
    expect(result.liveFiles).toEqual([walFileName(7n)]);
    expect(applied.map((r) => r.seq)).toEqual([7n, 8n, 9n]);
    expect(result.skippedRecords).toBe(0);
  });

  it('keeps a file live while the checkpoint ends inside it', async () => {
    const fs = await buildWal([
      { first: 1n, seqs: range(1, 3) },
      { first: 4n, seqs: range(4, 6) },
      { first: 7n, seqs: range(7, 9) },
    ]);
    const { applied, result } = await recover(fs, 5n);
    expect(result.obsoleteFiles).toEqual([walFileName(1n)]);
    expect(result.liveFiles).toEqual([walFileName(4n), walFileName(7n)]);
    expect(applied.map((r) => r.seq)).toEqual([6n, 7n, 8n, 9n]);
    expect(result.skippedRecords).toBe(2);
  });

  it('never reports the newest file as obsolete, even when empty', async () => {
    const fs = await buildWal([
      { first: 1n, seqs: range(1, 3) },
      { first: 4n, seqs: [] },
    ]);
    const { result } = await recover(fs, 3n);
    expect(result.obsoleteFiles).toEqual([walFileName(1n)]);
    expect(result.liveFiles).toEqual([walFileName(4n)]);
    expect(result.lastSeq).toBe(3n);
  });

  it('cuts a torn tail at the start of the incomplete record, at every cut point', async () => {
    const seqs = range(1, 3);
    const offsets = offsetsOf(seqs);
    const recordStart = offsets[2]!;
    const fileEnd = offsets[3]!;
    for (let cut = recordStart + 1; cut < fileEnd; cut++) {
      const fs = await buildWal([{ first: 1n, seqs }]);
      await rewrite(fs, walFileName(1n), (bytes) => bytes.slice(0, cut));
      for (const mode of ['strict', 'truncate'] as const) {
        const { applied, result } = await recover(fs, 0n, mode);
        expect(applied.map((r) => r.seq)).toEqual([1n, 2n]);
        expect(result.tornTail).toEqual({
          file: walFileName(1n),
          offset: recordStart,
          bytesDropped: cut - recordStart,
        });
        expect(result.corruptionDropped).toBeUndefined();
        expect(result.lastSeq).toBe(2n);
        expect(result.liveFiles).toEqual([walFileName(1n)]);
        expect(result.filesAfterCut).toEqual([]);
      }
    }
  });

  it('treats a damaged last record as a torn tail', async () => {
    const seqs = range(1, 3);
    const offsets = offsetsOf(seqs);
    const fs = await buildWal([{ first: 1n, seqs }]);
    await rewrite(fs, walFileName(1n), flipByte(offsets[2]! + 25));
    const { applied, result } = await recover(fs);
    expect(applied.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(result.tornTail).toEqual({
      file: walFileName(1n),
      offset: offsets[2],
      bytesDropped: offsets[3]! - offsets[2]!,
    });
  });

  it('treats zeros after the last record (a preallocated or torn tail) as a torn tail', async () => {
    const seqs = range(1, 2);
    const offsets = offsetsOf(seqs);
    const fs = await buildWal([{ first: 1n, seqs }]);
    await rewrite(fs, walFileName(1n), (bytes) => {
      const longer = new Uint8Array(bytes.length + 100);
      longer.set(bytes);
      return longer;
    });
    const { result } = await recover(fs);
    expect(result.tornTail).toEqual({ file: walFileName(1n), offset: offsets[2], bytesDropped: 100 });
    expect(result.lastSeq).toBe(2n);
  });

  it('fails strict recovery on mid-log corruption, naming file and offset', async () => {
    const seqs = range(1, 4);
    const offsets = offsetsOf(seqs);
    const fs = await buildWal([{ first: 1n, seqs }]);
    await rewrite(fs, walFileName(1n), flipByte(offsets[1]! + 30));
    expect(await walCorruptDetails(fs)).toEqual({ file: walFileName(1n), offset: offsets[1] });
  });

  it("keeps the valid prefix of a mid-log corruption with recovery: 'truncate'", async () => {
    const seqs = range(1, 4);
    const offsets = offsetsOf(seqs);
    const fs = await buildWal([
      { first: 1n, seqs },
      { first: 5n, seqs: range(5, 6) },
      { first: 7n, seqs: [7n] },
    ]);
    await rewrite(fs, walFileName(1n), flipByte(offsets[1]! + 30));
    const sizes = [
      (await fs.readFile(`${walDir}/${walFileName(5n)}`)).length,
      (await fs.readFile(`${walDir}/${walFileName(7n)}`)).length,
    ];
    const { applied, result } = await recover(fs, 0n, 'truncate');
    expect(applied.map((r) => r.seq)).toEqual([1n]);
    expect(result.tornTail).toBeUndefined();
    expect(result.corruptionDropped).toEqual({
      file: walFileName(1n),
      offset: offsets[1],
      bytesDropped: offsets[4]! - offsets[1]! + sizes[0]! + sizes[1]!,
    });
    expect(result.filesAfterCut).toEqual([walFileName(5n), walFileName(7n)]);
    expect(result.liveFiles).toEqual([walFileName(1n)]);
    expect(result.lastSeq).toBe(1n);
    expect(result.replayedRecords).toBe(1);
  });

  it('sees corruption when a damaged last record of one file is followed by another file', async () => {
    const { fs, offsets } = await walWithShortLastRecord(range(4, 5));
    expect(await walCorruptDetails(fs)).toEqual({ file: walFileName(1n), offset: offsets[2] });
    const { applied, result } = await recover(fs, 0n, 'truncate');
    expect(applied.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(result.filesAfterCut).toEqual([walFileName(4n)]);
    expect(result.corruptionDropped?.offset).toBe(offsets[2]);
  });

  it('treats a later file that holds no records as no evidence of corruption', async () => {
    const { fs, offsets } = await walWithShortLastRecord([]);
    const { applied, result } = await recover(fs);
    expect(applied.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(result.tornTail).toEqual({
      file: walFileName(1n),
      offset: offsets[2],
      bytesDropped: offsets[3]! - 1 - offsets[2]! + walFileHeaderBytes,
    });
    expect(result.filesAfterCut).toEqual([walFileName(4n)]);
  });

  it('sees corruption when a later file has a damaged header but valid records', async () => {
    const { fs } = await walWithShortLastRecord(range(4, 5));
    await rewrite(fs, walFileName(4n), flipByte(3));
    await walCorruptDetails(fs);
  });

  it('treats a damaged file header followed by valid records as corruption at offset 0', async () => {
    const fs = await buildWal([
      { first: 1n, seqs: range(1, 2) },
      { first: 3n, seqs: range(3, 4) },
    ]);
    await rewrite(fs, walFileName(3n), flipByte(2));
    expect(await walCorruptDetails(fs)).toEqual({ file: walFileName(3n), offset: 0 });
    const { applied, result } = await recover(fs, 0n, 'truncate');
    expect(applied.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(result.corruptionDropped?.file).toBe(walFileName(3n));
    expect(result.corruptionDropped?.offset).toBe(0);
    expect(result.liveFiles).toEqual([walFileName(1n), walFileName(3n)]);
  });

  it('treats a file with a damaged header and no records as a torn tail at offset 0', async () => {
    const fs = await buildWal([
      { first: 1n, seqs: range(1, 2) },
      { first: 3n, seqs: [] },
    ]);
    await rewrite(fs, walFileName(3n), flipByte(0));
    const { result } = await recover(fs);
    expect(result.tornTail).toEqual({ file: walFileName(3n), offset: 0, bytesDropped: walFileHeaderBytes });
    expect(result.lastSeq).toBe(2n);
  });

  it('treats an empty newest file (a crash while creating it) as a torn tail', async () => {
    const fs = await buildWal([{ first: 1n, seqs: range(1, 2) }]);
    await (await fs.open(`${walDir}/${walFileName(3n)}`, 'create-exclusive')).close();
    const { applied, result } = await recover(fs);
    expect(applied.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(result.tornTail).toEqual({ file: walFileName(3n), offset: 0, bytesDropped: 0 });
  });

  it('treats a sequence gap inside a file, with records after it, as corruption', async () => {
    const seqs = [1n, 2n, 4n, 5n];
    const offsets = offsetsOf(seqs);
    const fs = await buildWal([{ first: 1n, seqs }]);
    expect(await walCorruptDetails(fs)).toEqual({ file: walFileName(1n), offset: offsets[2] });
    const { applied, result } = await recover(fs, 0n, 'truncate');
    expect(applied.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(result.corruptionDropped?.offset).toBe(offsets[2]);
    expect(result.lastSeq).toBe(2n);
  });

  it('treats a repeated sequence number as a break in the log', async () => {
    const seqs = [1n, 2n, 2n, 3n];
    const offsets = offsetsOf(seqs);
    const fs = await buildWal([{ first: 1n, seqs }]);
    const { applied, result } = await recover(fs, 0n, 'truncate');
    expect(applied.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(result.corruptionDropped?.offset).toBe(offsets[2]);
  });

  it('treats a first record that does not match the file name as a break in the log', async () => {
    const fs = await buildWal([
      { first: 1n, seqs: range(1, 2) },
      { first: 3n, seqs: range(4, 5) },
    ]);
    const { applied, result } = await recover(fs, 0n, 'truncate');
    expect(applied.map((r) => r.seq)).toEqual([1n, 2n]);
    expect(result.corruptionDropped).toEqual({
      file: walFileName(3n),
      offset: walFileHeaderBytes,
      bytesDropped: offsetsOf(range(4, 5))[2]! - walFileHeaderBytes,
    });
  });

  it('refuses a record of another format version with OMENDB_ERR_VERSION_UNSUPPORTED', async () => {
    const seqs = range(1, 3);
    const offsets = offsetsOf(seqs);
    const fs = await buildWal([{ first: 1n, seqs }]);
    await rewrite(fs, walFileName(1n), (bytes) => {
      const copy = bytes.slice();
      const start = offsets[1]!;
      const end = offsets[2]!;
      copy[start + 17] = walRecordFormatVersion + 1;
      new DataView(copy.buffer).setUint32(start, crc32(copy.subarray(start + 4, end)), true);
      return copy;
    });
    for (const mode of ['strict', 'truncate'] as const) {
      await expect(recover(fs, 0n, mode)).rejects.toMatchObject({ code: 'OMENDB_ERR_VERSION_UNSUPPORTED' });
    }
  });

  it('rejects, without replaying past it, a WAL whose only file lacks a header', async () => {
    const fs = new SimFileSystem();
    await fs.mkdir(walDir);
    const handle = await fs.open(`${walDir}/${walFileName(1n)}`, 'create-exclusive');
    const header = encodeWalFileHeader();
    header[12] = 1;
    const one = encodeWalRecord(1n, opFor(1n));
    const bytes = new Uint8Array(header.length + one.length);
    bytes.set(header);
    bytes.set(one, header.length);
    await handle.write(0, bytes);
    await handle.close();
    const { applied, result } = await recover(fs, 0n, 'truncate');
    expect(applied).toEqual([]);
    expect(result.corruptionDropped).toEqual({
      file: walFileName(1n),
      offset: 0,
      bytesDropped: bytes.length,
    });
    expect(result.lastSeq).toBe(0n);
  });
});

describe('recoverWal: sequence continuity across files', () => {
  it('detects a sequence gap between WAL files (a missing file)', async () => {
    const fs = new SimFileSystem();
    await fs.mkdir('/wal');
    const writer = await WalWriter.create(fs, '/wal', 1n);
    for (let seq = 1n; seq <= 9n; seq++) {
      if (seq === 4n || seq === 7n) await writer.rotate(seq);
      await writer.append(encodeWalRecord(seq, { kind: 'dropSeries', series: 'a' }), seq);
    }
    await writer.close();
    await fs.unlink(`/wal/${walFileName(4n)}`);
    await expect(recoverWal(fs, '/wal', 0n, 'strict', () => undefined)).rejects.toMatchObject({
      code: 'OMENDB_ERR_WAL_CORRUPT',
    });
    const replayed: bigint[] = [];
    const result = await recoverWal(fs, '/wal', 0n, 'truncate', (record) => replayed.push(record.seq));
    expect(replayed).toEqual([1n, 2n, 3n]);
    expect(result.corruptionDropped).toMatchObject({ file: walFileName(7n), offset: 0 });
  });

  it('detects a first live WAL file that starts after checkpointSeq + 1', async () => {
    const fs = new SimFileSystem();
    await fs.mkdir('/wal');
    const writer = await WalWriter.create(fs, '/wal', 7n);
    await writer.append(encodeWalRecord(7n, { kind: 'dropSeries', series: 'a' }), 7n);
    await writer.close();
    await expect(recoverWal(fs, '/wal', 3n, 'strict', () => undefined)).rejects.toMatchObject({
      code: 'OMENDB_ERR_WAL_CORRUPT',
    });
    const fromSix = await recoverWal(fs, '/wal', 6n, 'strict', () => undefined);
    expect(fromSix.replayedRecords).toBe(1);
  });
});
