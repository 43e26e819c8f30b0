import { crc32 } from 'node:zlib';
import { OmenDbError } from '../errors.ts';
import { backupBytesMax, backupFilesMax, backupHeaderBytesMax, manifestBytesMax } from '../limits.ts';
import { type Manifest, manifestFileName, segmentFilePattern } from './manifest.ts';

/**
 * BACKUP.json, the backup manifest: what a backup directory holds (the engine's MANIFEST and the
 * segments it lists), each file with its size and CRC32, and a CRC32 of its own content. It is
 * written last (temp file, fsync, rename), so a directory without it is an incomplete backup.
 * The online backup stream opens with the same file list (a header line), so both paths share
 * the checks below.
 */

export const backupManifestName = 'BACKUP.json';
export const backupFormat = 'omendb-backup';
export const backupStreamFormat = 'omendb-backup-stream';
export const backupFormatVersion = 1;
export const backupSegmentDir = 'segments';

export interface BackupFile {
  /** Relative to the backup directory: 'MANIFEST' or 'segments/seg-<id>.arrow'. */
  readonly name: string;
  readonly bytes: number;
  readonly crc32: number;
}

/** The file list and the WAL position it covers: the stream header and the body of BACKUP.json. */
export interface BackupContent {
  readonly checkpointSeq: string;
  readonly files: readonly BackupFile[];
}

export interface BackupManifest extends BackupContent {
  readonly format: typeof backupFormat;
  readonly version: number;
  readonly createdAt: string;
  /** Where it was taken from: `data:<dir>` (offline) or `url:<server>` (online). */
  readonly source: string;
}

export function backupCorrupt(message: string, details: Record<string, unknown> = {}): OmenDbError {
  return new OmenDbError('OMENDB_ERR_BACKUP_CORRUPT', message, details);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const uint32Max = 2 ** 32 - 1;

function validFileName(name: unknown): name is string {
  if (name === manifestFileName) return true;
  if (typeof name !== 'string' || !name.startsWith(`${backupSegmentDir}/`)) return false;
  return segmentFilePattern.test(name.slice(backupSegmentDir.length + 1));
}

/** Checks a parsed file list: names, sizes, checksums, no duplicates, within the limits. */
export function validateContent(value: unknown, what: string): BackupContent {
  if (!isRecord(value)) throw backupCorrupt(`${what} is not a JSON object`);
  const { checkpointSeq, files } = value;
  if (typeof checkpointSeq !== 'string' || !/^\d+$/.test(checkpointSeq))
    throw backupCorrupt(`${what} has a bad checkpointSeq`);
  if (!Array.isArray(files) || files.length === 0 || files.length > backupFilesMax)
    throw backupCorrupt(`${what} must list 1 to ${backupFilesMax} files`);
  const seen = new Set<string>();
  let total = 0;
  for (const file of files as unknown[]) {
    if (!isRecord(file) || !validFileName(file.name) || seen.has(file.name))
      throw backupCorrupt(`${what} lists a bad or repeated file name`, {
        file: isRecord(file) ? file.name : null,
      });
    const { bytes, crc32: checksum } = file;
    if (!Number.isSafeInteger(bytes) || (bytes as number) < 0)
      throw backupCorrupt(`${what}: bad size for ${file.name}`, { file: file.name });
    if (!Number.isSafeInteger(checksum) || (checksum as number) < 0 || (checksum as number) > uint32Max)
      throw backupCorrupt(`${what}: bad crc32 for ${file.name}`, { file: file.name });
    // Readers hold the MANIFEST in memory: a listing past its own bound is damage, refused here,
    // before anyone reads or buffers that many bytes.
    if (file.name === manifestFileName && (bytes as number) > manifestBytesMax)
      throw backupCorrupt(`${what}: ${manifestFileName} is listed larger than manifestBytesMax`, {
        file: file.name,
      });
    seen.add(file.name);
    total += bytes as number;
  }
  if (!seen.has(manifestFileName)) throw backupCorrupt(`${what} does not list ${manifestFileName}`);
  if (total > backupBytesMax) throw backupCorrupt(`${what} lists more than backupBytesMax bytes`);
  return {
    checkpointSeq,
    files: (files as BackupFile[]).map(({ name, bytes, crc32: checksum }) => ({
      name,
      bytes,
      crc32: checksum,
    })),
  };
}

/**
 * The engine's MANIFEST must list exactly the segment files of the backup, with the same sizes
 * and checksums, and cover the same WAL position: a backup whose two lists disagree was edited
 * or mixed from two backups.
 */
export function checkAgainstManifest(content: BackupContent, manifest: Manifest): void {
  if (manifest.checkpointSeq.toString() !== content.checkpointSeq)
    throw backupCorrupt('the backup and its MANIFEST name different checkpoints');
  const segments = content.files.filter((file) => file.name !== manifestFileName);
  if (segments.length !== manifest.segments.length)
    throw backupCorrupt('the backup does not hold exactly the segments its MANIFEST lists');
  const byName = new Map(segments.map((file) => [file.name, file]));
  for (const record of manifest.segments) {
    const file = byName.get(`${backupSegmentDir}/${record.file}`);
    if (file === undefined || file.bytes !== record.bytes || file.crc32 !== record.crc32)
      throw backupCorrupt(`segment ${record.file} of the MANIFEST is missing from the backup or differs`, {
        file: record.file,
      });
  }
}

function contentCrc(fields: Omit<BackupManifest, never>): number {
  return crc32(new TextEncoder().encode(JSON.stringify(fields)));
}

export function encodeBackupManifest(manifest: BackupManifest): Uint8Array {
  const fields: BackupManifest = {
    format: manifest.format,
    version: manifest.version,
    createdAt: manifest.createdAt,
    source: manifest.source,
    checkpointSeq: manifest.checkpointSeq,
    files: manifest.files,
  };
  return new TextEncoder().encode(`${JSON.stringify({ ...fields, crc32: contentCrc(fields) }, null, 2)}\n`);
}

/** Parses and checks BACKUP.json: its own CRC32 first, then every field. */
export function decodeBackupManifest(bytes: Uint8Array): BackupManifest {
  if (bytes.length > backupHeaderBytesMax) throw backupCorrupt(`${backupManifestName} is too large`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw backupCorrupt(`${backupManifestName} is not JSON`);
  }
  if (!isRecord(parsed)) throw backupCorrupt(`${backupManifestName} is not a JSON object`);
  const { crc32: stored, ...fields } = parsed;
  // Key order is kept by JSON.parse, so this is the text that was checksummed when written.
  if (stored !== contentCrc(fields as unknown as BackupManifest))
    throw backupCorrupt(`${backupManifestName} fails its checksum (edited or damaged)`);
  if (fields.format !== backupFormat) throw backupCorrupt(`${backupManifestName} is not an OmenDB backup`);
  if (fields.version !== backupFormatVersion)
    throw new OmenDbError(
      'OMENDB_ERR_VERSION_UNSUPPORTED',
      `backup format ${String(fields.version)} is not supported`,
    );
  if (typeof fields.createdAt !== 'string' || typeof fields.source !== 'string')
    throw backupCorrupt(`${backupManifestName} has bad createdAt or source`);
  const content = validateContent(fields, backupManifestName);
  return {
    format: backupFormat,
    version: backupFormatVersion,
    createdAt: fields.createdAt,
    source: fields.source,
    ...content,
  };
}
