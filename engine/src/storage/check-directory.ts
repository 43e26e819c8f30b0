import { type ErrorCode, isOmenDbError, OmenDbError } from '../errors.ts';
import { type FileSystem, fsErrorCode } from '../fs/file-system.ts';
import { NodeFileSystem } from '../fs/node-file-system.ts';
import { checkProblemsMax } from '../limits.ts';
import { acquireDirLock } from './dir-lock.ts';
import { type Manifest, manifestFileName, readManifest, segmentFilePattern } from './manifest.ts';
import { decodeSegment } from './segment-file.ts';
import { checkWalRecord, decodeWalPayload, isWalFileHeader, walFileHeaderBytes } from './wal-record.ts';
import { findValidWalRecord, listWalFiles } from './wal-recovery.ts';

/**
 * The offline check behind `omendb check --data DIR`: verifies a data directory without
 * changing it. It holds the directory lock while it reads (so it never sees a running engine's
 * half-written files), and reports every problem it can reach rather than stopping at the first.
 *
 * A problem is damage that opening the engine would refuse or that loses data: a manifest that
 * fails its checksum, a listed segment that is missing or fails its size, checksum or content
 * checks, a WAL record that fails its CRC with valid records after it, a gap in the WAL's
 * sequence numbers. Problems carry the *_CORRUPT (or VERSION_UNSUPPORTED) codes.
 *
 * A warning is what a crash leaves by design and recovery removes or ignores, under its own code
 * OMENDB_ERR_CHECK_CRASH_LEFTOVER so that an operator who greps for CORRUPT after a kill finds
 * only damage: a torn tail at the end of the log (a crash during an append; see checkWal for why
 * it is a leftover), a newest WAL file shorter than its header (a crash while rolling to it), a
 * segment file the manifest does not list or a `.tmp` segment (a crash before the manifest
 * commit of a flush or compaction), `MANIFEST.tmp` (a crash during a manifest write), and the
 * lock's `LOCK.new-*` / `LOCK.stale-*` names (a crash while taking the lock).
 *
 * File names in the report are relative to the data directory ('MANIFEST', 'segments/...',
 * 'wal/...'); offsets are byte offsets into that file.
 */
export interface CheckProblem {
  code: ErrorCode;
  file: string;
  offset?: number;
  message: string;
}

export interface CheckReport {
  /** No problems. A torn WAL tail alone is a warning: recovery truncates it by design. */
  ok: boolean;
  problems: CheckProblem[];
  /** Crash leftovers, all OMENDB_ERR_CHECK_CRASH_LEFTOVER: a torn WAL tail, unlisted segments, temp files. */
  warnings: CheckProblem[];
  /** present: the MANIFEST file exists. segments and checkpointSeq: 0 when it is missing or unreadable. */
  manifest: { present: boolean; segments: number; checkpointSeq: string };
  /** checked: listed segments read from disk; points and bytes: of those, the points that decoded and the bytes read. */
  segments: { checked: number; points: number; bytes: number };
  /** records: WAL records that pass their CRC; lastSeq: the highest of their sequence numbers, or the checkpoint if higher. */
  wal: { files: number; records: number; bytes: number; lastSeq: string };
}

const walSubdir = 'wal';
const segmentSubdir = 'segments';
const tempSuffix = '.tmp';
/** The one code of every warning: what a crash leaves and recovery removes or ignores by design. */
export const crashLeftoverCode: ErrorCode = 'OMENDB_ERR_CHECK_CRASH_LEFTOVER';
/** Names dir-lock.ts gives its private candidate and a lock it moves aside while taking over a stale one. */
const lockLeftoverPattern = /^LOCK\.(new|stale)-[0-9a-f]+$/;

/** Problems and warnings, each list capped at checkProblemsMax entries (the last one then counts the rest). */
class Findings {
  readonly problems: CheckProblem[] = [];
  readonly warnings: CheckProblem[] = [];
  private problemsOmitted = 0;
  private warningsOmitted = 0;
  private firstOmittedProblem: CheckProblem | undefined;
  private firstOmittedWarning: CheckProblem | undefined;

  problem(item: CheckProblem): void {
    if (this.problems.length < checkProblemsMax - 1) {
      this.problems.push(item);
      return;
    }
    this.firstOmittedProblem ??= item;
    this.problemsOmitted++;
  }

  warning(item: CheckProblem): void {
    if (this.warnings.length < checkProblemsMax - 1) {
      this.warnings.push(item);
      return;
    }
    this.firstOmittedWarning ??= item;
    this.warningsOmitted++;
  }

  /** Closes both lists: past the cap, one last entry stands for the ones not listed. */
  finish(): void {
    closeList(this.problems, this.firstOmittedProblem, this.problemsOmitted);
    closeList(this.warnings, this.firstOmittedWarning, this.warningsOmitted);
  }
}

function closeList(list: CheckProblem[], first: CheckProblem | undefined, omitted: number): void {
  if (first === undefined) return;
  if (omitted === 1) {
    list.push(first);
    return;
  }
  list.push({
    ...first,
    message: `${first.message} (and ${omitted - 1} more not listed: checkProblemsMax is ${checkProblemsMax})`,
  });
}

/**
 * Verifies the data directory `dir` offline: the manifest, every segment it lists, every WAL
 * record in every WAL file. Throws OMENDB_ERR_INPUT_OPTIONS when `dir` is not a directory, and
 * OMENDB_ERR_DIR_LOCKED when an engine holds it. Never writes data: the only change is the
 * LOCK file, present while the check runs.
 */
export async function checkDirectory(
  dir: string,
  fs: FileSystem = new NodeFileSystem(),
): Promise<CheckReport> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new OmenDbError('OMENDB_ERR_INPUT_OPTIONS', 'the data directory must be a non-empty path', {
      option: 'dir',
    });
  }
  const root = dir.replace(/\/+$/, '') || '/';
  await requireDirectory(fs, root);
  const lock = await acquireDirLock(fs, root);
  try {
    return await checkLocked(fs, root);
  } finally {
    await lock.release();
  }
}

async function requireDirectory(fs: FileSystem, root: string): Promise<void> {
  try {
    await fs.list(root);
  } catch (error) {
    const code = fsErrorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new OmenDbError('OMENDB_ERR_INPUT_OPTIONS', `data directory ${root} does not exist`, {
        option: 'dir',
        dir: root,
      });
    }
    throw error;
  }
}

async function checkLocked(fs: FileSystem, root: string): Promise<CheckReport> {
  const findings = new Findings();
  const manifest = await checkManifest(fs, root, findings);
  const segmentNames = await listIfExists(fs, `${root}/${segmentSubdir}`);
  const segments = await checkSegments(fs, root, manifest, segmentNames, findings);
  await checkRootTempFiles(fs, root, findings);
  const checkpointSeq =
    manifest.state === 'ok' ? manifest.manifest.checkpointSeq : manifest.state === 'missing' ? 0n : undefined;
  const wal = await checkWal(fs, root, checkpointSeq, findings);
  findings.finish();
  const decoded = manifest.state === 'ok' ? manifest.manifest : undefined;
  return {
    ok: findings.problems.length === 0,
    problems: findings.problems,
    warnings: findings.warnings,
    manifest: {
      present: manifest.state !== 'missing',
      segments: decoded?.segments.length ?? 0,
      checkpointSeq: (decoded?.checkpointSeq ?? 0n).toString(),
    },
    segments,
    wal: {
      files: wal.files,
      records: wal.records,
      bytes: wal.bytes,
      lastSeq: wal.lastSeq.toString(),
    },
  };
}

async function listIfExists(fs: FileSystem, dir: string): Promise<string[]> {
  try {
    return await fs.list(dir);
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') return [];
    throw error;
  }
}

/** The bytes of a file, or undefined after recording why they could not be read. */
async function readOrReport(
  fs: FileSystem,
  root: string,
  file: string,
  code: ErrorCode,
  findings: Findings,
): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(`${root}/${file}`);
  } catch (error) {
    const errno = fsErrorCode(error);
    if (errno === undefined) throw error;
    const message = errno === 'ENOENT' ? 'file is missing' : `file cannot be read (${errno})`;
    findings.problem({ code, file, message });
    return undefined;
  }
}

// ---------------------------------------------------------------- manifest

type ManifestState =
  | { readonly state: 'ok'; readonly manifest: Manifest }
  | { readonly state: 'missing' }
  | { readonly state: 'unreadable' };

async function checkManifest(fs: FileSystem, root: string, findings: Findings): Promise<ManifestState> {
  let manifest: Manifest | undefined;
  try {
    manifest = await readManifest(fs, root);
  } catch (error) {
    const errno = fsErrorCode(error);
    if (isOmenDbError(error)) {
      findings.problem({ code: error.code, file: manifestFileName, message: error.message });
    } else if (errno !== undefined) {
      findings.problem({
        code: 'OMENDB_ERR_MANIFEST_CORRUPT',
        file: manifestFileName,
        message: `manifest cannot be read (${errno})`,
      });
    } else {
      throw error;
    }
    return { state: 'unreadable' };
  }
  if (manifest === undefined) return { state: 'missing' };
  const seen = new Set<string>();
  for (const record of manifest.segments) {
    if (seen.has(record.file)) {
      findings.problem({
        code: 'OMENDB_ERR_MANIFEST_CORRUPT',
        file: manifestFileName,
        message: `manifest lists segment ${record.file} more than once`,
      });
    }
    seen.add(record.file);
  }
  return { state: 'ok', manifest };
}

async function checkRootTempFiles(fs: FileSystem, root: string, findings: Findings): Promise<void> {
  const temp = `${manifestFileName}${tempSuffix}`;
  const names = await fs.list(root);
  if (names.includes(temp)) {
    findings.warning({
      code: crashLeftoverCode,
      file: temp,
      message: 'temporary manifest left by an interrupted manifest write (the next one replaces it)',
    });
  }
  for (const name of names) {
    if (!lockLeftoverPattern.test(name)) continue;
    findings.warning({
      code: crashLeftoverCode,
      file: name,
      message:
        'file left by a crash while taking the directory lock (harmless: no engine reads it; remove it by hand)',
    });
  }
}

// ---------------------------------------------------------------- segments

async function checkSegments(
  fs: FileSystem,
  root: string,
  manifest: ManifestState,
  names: readonly string[],
  findings: Findings,
): Promise<CheckReport['segments']> {
  const totals = { checked: 0, points: 0, bytes: 0 };
  const listed = new Set<string>();
  if (manifest.state === 'ok') {
    for (const record of manifest.manifest.segments) {
      if (listed.has(record.file)) continue;
      listed.add(record.file);
      const file = `${segmentSubdir}/${record.file}`;
      const bytes = await readOrReport(fs, root, file, 'OMENDB_ERR_SEGMENT_CORRUPT', findings);
      if (bytes === undefined) continue;
      totals.checked++;
      totals.bytes += bytes.length;
      let points = 0;
      try {
        for (const series of decodeSegment(bytes, record)) points += series.keys.length;
      } catch (error) {
        findings.problem({
          code: isOmenDbError(error) ? error.code : 'OMENDB_ERR_SEGMENT_CORRUPT',
          file,
          message: error instanceof Error ? error.message : String(error),
        });
        continue;
      }
      if (points !== record.points) {
        findings.problem({
          code: 'OMENDB_ERR_SEGMENT_CORRUPT',
          file,
          message: `segment holds ${points} points, the manifest records ${record.points}`,
        });
      }
      totals.points += points;
    }
  }
  const segmentFiles = names.filter((name) => segmentFilePattern.test(name));
  if (manifest.state === 'missing' && segmentFiles.length > 0) {
    findings.problem({
      code: 'OMENDB_ERR_MANIFEST_CORRUPT',
      file: manifestFileName,
      message: `manifest is missing but ${segmentSubdir}/ holds ${segmentFiles.length} segment files`,
    });
  }
  // Without a readable manifest nothing tells live segments from orphans.
  if (manifest.state === 'unreadable') return totals;
  for (const name of names) {
    const isTemp = name.endsWith(tempSuffix) && segmentFilePattern.test(name.slice(0, -tempSuffix.length));
    if (!isTemp && (!segmentFilePattern.test(name) || listed.has(name))) continue;
    // Without a manifest, complete segment files are not leftovers: they are the data whose
    // manifest is gone, and the problem above already names them. A `.tmp` one is a leftover still.
    if (!isTemp && manifest.state === 'missing') continue;
    findings.warning({
      code: crashLeftoverCode,
      file: `${segmentSubdir}/${name}`,
      message: isTemp
        ? 'temporary segment left by an interrupted flush or compaction (the next open removes it)'
        : 'segment file not listed in the manifest (the next open removes it)',
    });
  }
  return totals;
}

// ---------------------------------------------------------------- WAL

interface WalTotals {
  files: number;
  records: number;
  bytes: number;
  lastSeq: bigint;
}

/**
 * Walks every WAL file, oldest first. Sequence numbers must run on without a gap: the first
 * file may start no later than just after the checkpoint (unknown when the manifest is
 * unreadable), each later file exactly where the previous one ended. A bad record with valid
 * records after it, in its file or a later one, is a problem; one with nothing valid after it
 * anywhere is a torn tail, which recovery cuts off: a warning.
 *
 * Why a torn tail is a crash leftover and not damage: it is what every crash during an append
 * leaves (a record partly on disk, or a file extended whose bytes never arrived), and recovery
 * truncates it by design, logging it, in both recovery modes; the open succeeds and loses no
 * acknowledged write under sync 'always' (an acknowledged record was fsynced whole). The check
 * cannot tell that from a fsynced last record later damaged by the disk, and neither can
 * recovery: both treat it the same, so the check reports what the open will do. Any valid
 * record after the bad spot makes it mid-log damage, a problem under OMENDB_ERR_WAL_CORRUPT.
 */
async function checkWal(
  fs: FileSystem,
  root: string,
  checkpointSeq: bigint | undefined,
  findings: Findings,
): Promise<WalTotals> {
  const totals: WalTotals = { files: 0, records: 0, bytes: 0, lastSeq: checkpointSeq ?? 0n };
  let files: Awaited<ReturnType<typeof listWalFiles>>;
  try {
    files = await listWalFiles(fs, `${root}/${walSubdir}`);
  } catch (error) {
    if (fsErrorCode(error) === 'ENOENT') return totals;
    throw error;
  }
  // Where the next file must start; undefined when unknown (after damage that ended a file).
  let carriedSeq: bigint | undefined;
  // Bad spots with nothing valid after them so far: torn tails unless a later file has a record.
  let pending: CheckProblem[] = [];
  for (const [index, walFile] of files.entries()) {
    const file = `${walSubdir}/${walFile.name}`;
    totals.files++;
    const bytes = await readOrReport(fs, root, file, 'OMENDB_ERR_WAL_CORRUPT', findings);
    if (bytes === undefined) {
      carriedSeq = undefined;
      continue;
    }
    totals.bytes += bytes.length;
    if (index === 0 && checkpointSeq !== undefined && walFile.firstSeq > checkpointSeq + 1n) {
      findings.problem({
        code: 'OMENDB_ERR_WAL_CORRUPT',
        file,
        offset: 0,
        message: `records ${checkpointSeq + 1n} to ${walFile.firstSeq - 1n} after the checkpoint are missing: the oldest WAL file starts at ${walFile.firstSeq}`,
      });
    } else if (index > 0 && carriedSeq !== undefined && walFile.firstSeq !== carriedSeq) {
      findings.problem({
        code: 'OMENDB_ERR_WAL_CORRUPT',
        file,
        offset: 0,
        message: `sequence gap: the previous WAL file ends before ${carriedSeq}, this one starts at ${walFile.firstSeq}`,
      });
    }
    const walk = walkWalFile(bytes, walFile.firstSeq, file, findings);
    totals.records += walk.records;
    if (walk.lastSeq !== undefined && walk.lastSeq > totals.lastSeq) totals.lastSeq = walk.lastSeq;
    if (walk.records > 0) {
      for (const spot of pending) {
        findings.problem({ ...spot, message: `${spot.message}, and a later WAL file holds valid records` });
      }
      pending = [];
    }
    if (walk.badTail !== undefined) pending.push(walk.badTail);
    carriedSeq = walk.badTail === undefined ? walk.nextSeq : undefined;
  }
  for (const spot of pending) {
    findings.warning({
      ...spot,
      code: crashLeftoverCode,
      message: `${spot.message}, with nothing valid after it: a torn tail, which recovery truncates`,
    });
  }
  return totals;
}

interface WalFileWalk {
  records: number;
  lastSeq: bigint | undefined;
  /** The sequence number the next record (in this file or the next) must have; undefined: unknown. */
  nextSeq: bigint | undefined;
  /** A bad record with nothing valid after it in this file; what it is depends on later files. */
  badTail: CheckProblem | undefined;
}

/**
 * Checks every record of one WAL file. After a bad record it resumes at the next valid one (so
 * that later damage is reported too), and records a problem for the bad one; a bad record with
 * nothing valid after it ends the file as `badTail`.
 */
function walkWalFile(bytes: Uint8Array, firstSeq: bigint, file: string, findings: Findings): WalFileWalk {
  const walk: WalFileWalk = { records: 0, lastSeq: undefined, nextSeq: firstSeq, badTail: undefined };
  let offset = walFileHeaderBytes;
  // True at a record reached by resyncing: its sequence number starts the count afresh.
  let resynced = false;
  if (!isWalFileHeader(bytes)) {
    const resume = findValidWalRecord(bytes, 1, firstSeq);
    if (resume === undefined) {
      // Shorter than its header: created by a rotation that a crash interrupted before the header
      // was durable (wal-writer.ts fsyncs the header before any record goes in).
      const message =
        bytes.length < walFileHeaderBytes
          ? `WAL file of ${bytes.length} bytes, shorter than its header`
          : 'bad WAL file header';
      walk.badTail = { code: 'OMENDB_ERR_WAL_CORRUPT', file, offset: 0, message };
      return walk;
    }
    findings.problem({
      code: 'OMENDB_ERR_WAL_CORRUPT',
      file,
      offset: 0,
      message: 'bad WAL file header, with valid records after it',
    });
    offset = resume;
    resynced = true;
  }
  // Each pass moves `offset` forward by at least one byte, so the file's length bounds the loop.
  while (offset < bytes.length) {
    const check = checkWalRecord(bytes, offset);
    if (check.ok) {
      if (!resynced && walk.nextSeq !== undefined && check.seq !== walk.nextSeq) {
        findings.problem({
          code: 'OMENDB_ERR_WAL_CORRUPT',
          file,
          offset,
          message: `record has sequence number ${check.seq} where ${walk.nextSeq} was expected`,
        });
      }
      try {
        decodeWalPayload(bytes, offset, check);
      } catch (error) {
        findings.problem({
          code: 'OMENDB_ERR_WAL_CORRUPT',
          file,
          offset,
          message: `record passes its CRC but its payload is invalid: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      resynced = false;
      walk.records++;
      walk.lastSeq = check.seq;
      walk.nextSeq = check.seq + 1n;
      offset += check.recordLength;
      continue;
    }
    if (check.reason === 'version') {
      findings.problem({
        code: 'OMENDB_ERR_VERSION_UNSUPPORTED',
        file,
        offset,
        message: 'WAL record written by a format version this build cannot read',
      });
    }
    const resume = findValidWalRecord(bytes, offset + 1, walk.nextSeq);
    if (resume === undefined) {
      if (check.reason === 'version') {
        // Already a problem; where the sequence goes on from here is unknown.
        walk.nextSeq = undefined;
      } else {
        walk.badTail = {
          code: 'OMENDB_ERR_WAL_CORRUPT',
          file,
          offset,
          message: `bad WAL record (${check.reason})`,
        };
      }
      return walk;
    }
    if (check.reason !== 'version') {
      findings.problem({
        code: 'OMENDB_ERR_WAL_CORRUPT',
        file,
        offset,
        message: `bad WAL record (${check.reason}) with valid records after it: mid-log corruption`,
      });
    }
    offset = resume;
    resynced = true;
  }
  return walk;
}
