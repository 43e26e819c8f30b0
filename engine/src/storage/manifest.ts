import { crc32 } from 'node:zlib';
import { assert, OmenDbError } from '../errors.ts';
import type { FileSystem } from '../fs/file-system.ts';
import { manifestBytesMax } from '../limits.ts';

/**
 * The manifest lists the live segments, in order from oldest to newest, and the WAL position
 * they cover (checkpointSeq): recovery replays only records after it. It is replaced atomically
 * (temp file, fsync, rename, fsync of the directory), so a crash leaves the old or the new one.
 *
 * File format: one header line `OMENDB-MANIFEST <version> <crc32 of body> <body bytes>`, then
 * the JSON body.
 */
export const manifestFormatVersion = 1;
export const manifestFileName = 'MANIFEST';
const manifestTempName = 'MANIFEST.tmp';
const headerPattern = /^OMENDB-MANIFEST (\d+) (\d+) (\d+)\n/;

export interface SegmentRecord {
  readonly id: number;
  readonly file: string;
  readonly bytes: number;
  readonly crc32: number;
  readonly points: number;
}

export interface Manifest {
  readonly checkpointSeq: bigint;
  readonly nextSegmentId: number;
  readonly segments: readonly SegmentRecord[];
}

export const emptyManifest: Manifest = { checkpointSeq: 0n, nextSegmentId: 1, segments: [] };

export function encodeManifest(manifest: Manifest): Uint8Array {
  const body = new TextEncoder().encode(
    JSON.stringify({
      checkpointSeq: manifest.checkpointSeq.toString(),
      nextSegmentId: manifest.nextSegmentId,
      segments: manifest.segments,
    }),
  );
  const header = new TextEncoder().encode(
    `OMENDB-MANIFEST ${manifestFormatVersion} ${crc32(body)} ${body.length}\n`,
  );
  const bytes = new Uint8Array(header.length + body.length);
  bytes.set(header);
  bytes.set(body, header.length);
  return bytes;
}

export function decodeManifest(bytes: Uint8Array, path: string): Manifest {
  const corrupt = (reason: string): OmenDbError =>
    new OmenDbError('OMENDB_ERR_MANIFEST_CORRUPT', `manifest ${path} is corrupt: ${reason}`, {
      file: path,
      reason,
    });
  if (bytes.length > manifestBytesMax) throw corrupt('larger than manifestBytesMax');
  const headerEnd = bytes.indexOf(10);
  const header = new TextDecoder().decode(bytes.subarray(0, headerEnd + 1));
  const match = headerPattern.exec(header);
  if (headerEnd < 0 || match === null) throw corrupt('bad header line');
  if (Number(match[1]) !== manifestFormatVersion) {
    throw new OmenDbError('OMENDB_ERR_VERSION_UNSUPPORTED', `manifest format ${match[1]} is not supported`, {
      file: path,
    });
  }
  const body = bytes.subarray(headerEnd + 1);
  if (body.length !== Number(match[3])) throw corrupt('body length mismatch');
  if (crc32(body) !== Number(match[2])) throw corrupt('checksum mismatch');
  let parsed: { checkpointSeq?: unknown; nextSegmentId?: unknown; segments?: unknown };
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw corrupt('body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw corrupt('body is not an object');
  if (typeof parsed.checkpointSeq !== 'string' || !/^\d+$/.test(parsed.checkpointSeq))
    throw corrupt('bad checkpointSeq');
  if (!Number.isSafeInteger(parsed.nextSegmentId) || !Array.isArray(parsed.segments))
    throw corrupt('bad fields');
  const segments = parsed.segments as SegmentRecord[];
  for (const segment of segments) {
    const valid =
      Number.isSafeInteger(segment?.id) &&
      segment.id < (parsed.nextSegmentId as number) &&
      segment.file === segmentFileName(segment.id) &&
      Number.isSafeInteger(segment.bytes) &&
      Number.isSafeInteger(segment.crc32) &&
      Number.isSafeInteger(segment.points);
    if (!valid) throw corrupt('bad segment entry');
  }
  return {
    checkpointSeq: BigInt(parsed.checkpointSeq),
    nextSegmentId: parsed.nextSegmentId as number,
    segments,
  };
}

export function segmentFileName(id: number): string {
  return `seg-${id.toString().padStart(16, '0')}.arrow`;
}

export const segmentFilePattern = /^seg-(\d{16})\.arrow$/;

/** Reads the manifest; undefined when the directory has none yet (a new database). */
export async function readManifest(fs: FileSystem, dir: string): Promise<Manifest | undefined> {
  const path = `${dir}/${manifestFileName}`;
  if (!(await fs.exists(path))) return undefined;
  return decodeManifest(await fs.readFile(path), path);
}

/** Replaces the manifest atomically and durably. */
export async function writeManifest(fs: FileSystem, dir: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(fs, dir, manifestTempName, manifestFileName, encodeManifest(manifest));
}

/**
 * temp file, write, fsync, rename over the target, fsync the directory. A file larger than
 * `syncEveryBytes` is written in pieces of that size with an fsync after each ("bytes per
 * sync"), so that the page cache never holds more than one piece of it unwritten: one write and
 * one fsync of a whole segment (hundreds of MB after a compaction) made every WAL fsync issued
 * meanwhile wait for the disk to take all of it. A file of one piece is written as before.
 */
export async function writeFileAtomic(
  fs: FileSystem,
  dir: string,
  tempName: string,
  name: string,
  bytes: Uint8Array,
  syncEveryBytes = Number.POSITIVE_INFINITY,
): Promise<void> {
  assert(syncEveryBytes > 0, 'a file is synced after a positive number of bytes');
  const tempPath = `${dir}/${tempName}`;
  if (await fs.exists(tempPath)) await fs.unlink(tempPath);
  const handle = await fs.open(tempPath, 'create-exclusive');
  try {
    let at = 0;
    while (bytes.length - at > syncEveryBytes) {
      await handle.write(at, bytes.subarray(at, at + syncEveryBytes));
      await handle.sync();
      at += syncEveryBytes;
    }
    await handle.write(at, bytes.subarray(at));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tempPath, `${dir}/${name}`);
  await fs.syncDir(dir);
}
