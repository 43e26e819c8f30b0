import { OmenDbError } from '../errors.ts';
import type { FileSystem } from '../fs/file-system.ts';
import { walCorruptionScanBytesMax } from '../limits.ts';
import {
  checkWalRecord,
  decodeWalPayload,
  isWalFileHeader,
  type WalRecord,
  walFileHeaderBytes,
  walRecordHeaderBytes,
} from './wal-record.ts';
import { walFileFirstSeq, walFilePattern } from './wal-writer.ts';

export type RecoveryMode = 'strict' | 'truncate';

/** Where the valid log ends, when it ends before the bytes on disk do. */
export interface WalCut {
  readonly file: string;
  readonly offset: number;
  /** Bytes after the cut in that file, plus every byte of the later files. */
  readonly bytesDropped: number;
}

export interface WalRecoveryResult {
  /** The last sequence number seen in the valid log (replayed or not); 0 for an empty log. */
  readonly lastSeq: bigint;
  readonly replayedRecords: number;
  readonly skippedRecords: number;
  /** A torn tail: an incomplete or failed record with nothing valid after it (a crash mid-append). */
  readonly tornTail: WalCut | undefined;
  /** Mid-log corruption that recovery: 'truncate' cut off (point-in-time recovery). */
  readonly corruptionDropped: WalCut | undefined;
  /** Files wholly covered by the checkpoint: safe to delete. */
  readonly obsoleteFiles: readonly string[];
  /** Files after the cut: to delete once the cut is durable. */
  readonly filesAfterCut: readonly string[];
  /** Every file that holds replayable records, oldest first. */
  readonly liveFiles: readonly string[];
}

interface WalFile {
  readonly name: string;
  readonly firstSeq: bigint;
}

/**
 * Replays, in order, every record after `checkpointSeq` (never one at or before it: those are in
 * segments already). A bad record with nothing valid after it is a torn tail and is cut off; a
 * bad record followed by a valid one is mid-log corruption: an error naming file and offset,
 * unless the mode is 'truncate', which keeps the valid prefix and reports what was dropped.
 */
export async function recoverWal(
  fs: FileSystem,
  walDir: string,
  checkpointSeq: bigint,
  mode: RecoveryMode,
  apply: (record: WalRecord) => void,
): Promise<WalRecoveryResult> {
  const files = await listWalFiles(fs, walDir);
  const obsolete: string[] = [];
  const live: WalFile[] = [];
  for (let i = 0; i < files.length; i++) {
    const next = files[i + 1];
    if (next !== undefined && next.firstSeq - 1n <= checkpointSeq) obsolete.push(files[i]!.name);
    else live.push(files[i]!);
  }
  let lastSeq = checkpointSeq;
  let replayed = 0;
  let skipped = 0;
  // Sequence numbers run on across files: the first live file must start at or before the first
  // record after the checkpoint, and each later file exactly where the previous one ended.
  let carriedSeq = checkpointSeq + 1n;
  for (let f = 0; f < live.length; f++) {
    const file = live[f]!;
    const bytes = await fs.readFile(`${walDir}/${file.name}`);
    let offset = isWalFileHeader(bytes) ? walFileHeaderBytes : 0;
    let expectedSeq: bigint = file.firstSeq;
    const continues = f === 0 ? file.firstSeq <= carriedSeq : file.firstSeq === carriedSeq;
    if (!continues) {
      offset = 0;
      expectedSeq = carriedSeq;
    }
    let bad = offset === 0;
    while (!bad && offset < bytes.length) {
      const check = checkWalRecord(bytes, offset);
      if (!check.ok || check.seq !== expectedSeq) {
        if (check.ok === false && check.reason === 'version') {
          throw new OmenDbError(
            'OMENDB_ERR_VERSION_UNSUPPORTED',
            `WAL record format not supported in ${file.name}`,
            {
              file: file.name,
              offset,
            },
          );
        }
        bad = true;
        break;
      }
      if (check.seq > checkpointSeq) {
        apply({ seq: check.seq, op: decodeWalPayload(bytes, offset, check) });
        replayed++;
      } else {
        skipped++;
      }
      lastSeq = check.seq > lastSeq ? check.seq : lastSeq;
      expectedSeq = check.seq + 1n;
      offset += check.recordLength;
    }
    if (!bad) {
      carriedSeq = expectedSeq;
      continue;
    }
    const later = live.slice(f + 1);
    const cut: WalCut = {
      file: file.name,
      offset,
      bytesDropped: bytes.length - offset + (await sizeOfFiles(fs, walDir, later)),
    };
    const validAfter =
      hasValidRecordAfter(bytes, offset + 1, expectedSeq) || (await laterFileHasRecord(fs, walDir, later));
    const result = {
      lastSeq,
      replayedRecords: replayed,
      skippedRecords: skipped,
      obsoleteFiles: obsolete,
      filesAfterCut: later.map((l) => l.name),
      liveFiles: live.slice(0, f + 1).map((l) => l.name),
    };
    if (!validAfter) return { ...result, tornTail: cut, corruptionDropped: undefined };
    if (mode === 'strict') {
      throw new OmenDbError(
        'OMENDB_ERR_WAL_CORRUPT',
        `WAL corrupt in ${file.name} at offset ${offset}, with valid records after it; open with recovery: 'truncate' to keep the valid prefix`,
        { file: file.name, offset },
      );
    }
    return { ...result, tornTail: undefined, corruptionDropped: cut };
  }
  return {
    lastSeq,
    replayedRecords: replayed,
    skippedRecords: skipped,
    tornTail: undefined,
    corruptionDropped: undefined,
    obsoleteFiles: obsolete,
    filesAfterCut: [],
    liveFiles: live.map((l) => l.name),
  };
}

export async function listWalFiles(fs: FileSystem, walDir: string): Promise<WalFile[]> {
  const names = (await fs.list(walDir)).filter((name) => walFilePattern.test(name));
  // Names are zero-padded to 20 digits, so their sort order is their sequence order.
  return names.sort().map((name) => ({ name, firstSeq: walFileFirstSeq(name)! }));
}

/** A record that follows a bad one carries a sequence number at most this far past the expected one. */
const walResyncSeqWindow = 0xffff_ffffn;
/** Where a record's sequence number sits in its header (after CRC32 and payload length). */
const walRecordSeqOffset = 8;

/**
 * The offset of the first record at or after `start` that passes its CRC and whose sequence
 * number could follow `expectedSeq`, looking at most walCorruptionScanBytesMax bytes ahead. Only
 * such a record proves that bad bytes before it are not simply the torn end of the log; recovery
 * and `omendb check` both decide with it.
 */
export function findValidWalRecord(
  bytes: Uint8Array,
  start: number,
  expectedSeq: bigint | undefined,
): number | undefined {
  const end = Math.min(bytes.length, start + walCorruptionScanBytesMax);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = start; offset + walRecordHeaderBytes <= end; offset++) {
    if (expectedSeq !== undefined) {
      // Cheap filter first: a following record's sequence number lies just after the bad one's.
      const seq = view.getBigUint64(offset + walRecordSeqOffset, true);
      if (seq < expectedSeq || seq > expectedSeq + walResyncSeqWindow) continue;
    }
    if (checkWalRecord(bytes, offset).ok) return offset;
  }
  return undefined;
}

function hasValidRecordAfter(bytes: Uint8Array, start: number, expectedSeq: bigint | undefined): boolean {
  return findValidWalRecord(bytes, start, expectedSeq) !== undefined;
}

async function laterFileHasRecord(
  fs: FileSystem,
  walDir: string,
  later: readonly WalFile[],
): Promise<boolean> {
  for (const file of later) {
    const bytes = await fs.readFile(`${walDir}/${file.name}`);
    if (isWalFileHeader(bytes) && checkWalRecord(bytes, walFileHeaderBytes).ok) return true;
    if (hasValidRecordAfter(bytes, 0, undefined)) return true;
  }
  return false;
}

async function sizeOfFiles(fs: FileSystem, walDir: string, files: readonly WalFile[]): Promise<number> {
  let total = 0;
  for (const file of files) total += (await fs.readFile(`${walDir}/${file.name}`)).length;
  return total;
}
