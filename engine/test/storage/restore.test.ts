import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../src/fs/node-file-system.ts';
import { backupDirectory } from '../../src/cli/backup-offline.ts';
import { decodeBackupManifest, encodeBackupManifest } from '../../src/storage/backup-manifest.ts';
import { checkDirectory } from '../../src/storage/check-directory.ts';
import { openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import { restoreBackup, verifyBackup } from '../../src/storage/restore.ts';
import { codeOf, codeOfCall } from '../support/codes.ts';
import { batchOf, checkSetFull, readAllPoints, seriesOf } from './backup-workload.ts';

let root: string;
let backup: string;
let segments: string[];
const batches = 30;

beforeEach(async () => {
  root = await mkdtemp(`${tmpdir()}/omendb-restore-`);
  const engine = await openEngine({
    dir: `${root}/data`,
    logger: silentLogger,
    sync: 'none',
    memtableBytesMax: 16 * 1024,
  });
  for (let batch = 0; batch < batches; batch++) await engine.write(seriesOf(batch), batchOf(batch));
  await engine.close();
  backup = `${root}/backup`;
  await backupDirectory(`${root}/data`, backup);
  segments = await readdir(`${backup}/segments`);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function flipByte(path: string, at: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[at % bytes.length]! ^= 0x20;
  // The backup's segments are hard links to the data directory's: replace, never edit in place.
  await unlink(path);
  await writeFile(path, bytes);
}

/** Restore is refused with `code`, and the target is left as it was (here: absent). */
async function expectRefused(code: string, target = `${root}/restored`): Promise<void> {
  expect(await codeOf(restoreBackup(backup, target))).toBe(code);
  await expect(stat(target)).rejects.toThrow();
  expect((await readdir(root)).filter((name) => name.includes('.restore-'))).toEqual([]);
}

describe('restore', () => {
  it('restores a backup that check passes and the engine opens with the same data', async () => {
    expect(segments.length).toBeGreaterThan(1);
    const summary = await restoreBackup(backup, `${root}/restored`);
    expect(summary.points).toBe(batches * 50);
    expect(await readdir(`${root}/restored`)).toEqual(['MANIFEST', 'segments', 'wal']);
    const report = await checkDirectory(`${root}/restored`);
    expect(report.ok, JSON.stringify(report.problems)).toBe(true);
    expect(report.warnings).toEqual([]);
    const engine = await openEngine({ dir: `${root}/restored`, logger: silentLogger });
    const points = await readAllPoints(engine);
    const all = new Set(Array.from({ length: batches }, (_, i) => i));
    expect(checkSetFull({ points, acknowledgedBefore: all, submitted: batches }).violations).toEqual([]);
    // The restored database takes new writes after the backup's checkpoint.
    await engine.write(seriesOf(batches), batchOf(batches));
    await engine.close();
    const reopened = await openEngine({ dir: `${root}/restored`, logger: silentLogger });
    expect(await reopened.get(seriesOf(batches), BigInt(batches * 50))).toBe(batches * 1000 + 0.25);
    await reopened.close();
  });

  it('restores into an existing empty directory', async () => {
    await mkdir(`${root}/restored`);
    await restoreBackup(backup, `${root}/restored`);
    expect((await checkDirectory(`${root}/restored`)).ok).toBe(true);
  });

  it('refuses a non-empty target with OMENDB_ERR_RESTORE_TARGET_NOT_EMPTY and leaves it as it was', async () => {
    await mkdir(`${root}/restored`);
    await writeFile(`${root}/restored/precious`, 'keep me');
    expect(await codeOf(restoreBackup(backup, `${root}/restored`))).toBe(
      'OMENDB_ERR_RESTORE_TARGET_NOT_EMPTY',
    );
    expect(await readdir(`${root}/restored`)).toEqual(['precious']);
    expect(await readFile(`${root}/restored/precious`, 'utf8')).toBe('keep me');
  });

  it('refuses one flipped byte in a segment', async () => {
    await flipByte(`${backup}/segments/${segments[1]}`, 1000);
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
  });

  it('refuses a truncated segment', async () => {
    const path = `${backup}/segments/${segments[0]}`;
    const bytes = await readFile(path);
    await unlink(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 1));
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
  });

  it('refuses a missing segment and a missing MANIFEST', async () => {
    const segment = await readFile(`${backup}/segments/${segments[0]}`);
    await unlink(`${backup}/segments/${segments[0]}`);
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
    await writeFile(`${backup}/segments/${segments[0]}`, segment);
    await unlink(`${backup}/MANIFEST`);
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
  });

  it('refuses a flipped byte in the MANIFEST', async () => {
    await flipByte(`${backup}/MANIFEST`, 40);
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
  });

  it('refuses an edited BACKUP.json, a truncated one and a missing one (an incomplete backup)', async () => {
    const path = `${backup}/BACKUP.json`;
    const original = await readFile(path, 'utf8');
    await writeFile(
      path,
      original.replace(/"bytes": (\d+)/, (_, n: string) => `"bytes": ${Number(n) + 1}`),
    );
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
    await writeFile(path, original.slice(0, original.length / 2));
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
    await unlink(path);
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
    // One past the bound (the JSON padded with spaces): refused, never buffered whole.
    await writeFile(path, original + ' '.repeat(16 * 1024 * 1024 + 1 - original.length));
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
    await writeFile(path, original);
    await verifyBackup(backup, new NodeFileSystem());
  });

  it('refuses a BACKUP.json that checks out but does not list what the MANIFEST lists', async () => {
    const path = `${backup}/BACKUP.json`;
    const manifest = decodeBackupManifest(await readFile(path));
    // Re-sealed with a valid checksum, but one segment dropped from the list.
    const dropped = {
      ...manifest,
      files: manifest.files.filter((file) => file.name !== `segments/${segments[0]}`),
    };
    await writeFile(path, encodeBackupManifest(dropped));
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
    const otherSeq = { ...manifest, checkpointSeq: `${BigInt(manifest.checkpointSeq) + 1n}` };
    await writeFile(path, encodeBackupManifest(otherSeq));
    await expectRefused('OMENDB_ERR_BACKUP_CORRUPT');
  });

  it('refuses a backup of an unsupported format version, and a directory that is not a backup', async () => {
    const path = `${backup}/BACKUP.json`;
    const manifest = decodeBackupManifest(await readFile(path));
    await writeFile(path, encodeBackupManifest({ ...manifest, version: 2 }));
    await expectRefused('OMENDB_ERR_VERSION_UNSUPPORTED');
    expect(await codeOf(restoreBackup(`${root}/data`, `${root}/restored`))).toBe('OMENDB_ERR_BACKUP_CORRUPT');
  });

  it('checks the copy again: a segment that changes after verification is refused and the temp directory removed', async () => {
    const fs = new NodeFileSystem();
    const realOpen = fs.open.bind(fs);
    let opened = 0;
    fs.open = async (path, mode) => {
      // Verification reads each file once; the second read of a segment is the copy's.
      if (path.endsWith(segments[0]!) && mode === 'read' && ++opened === 2) await flipByte(path, 500);
      return realOpen(path, mode);
    };
    expect(await codeOf(restoreBackup(backup, `${root}/restored`, fs))).toBe('OMENDB_ERR_BACKUP_CORRUPT');
    await expect(stat(`${root}/restored`)).rejects.toThrow();
    expect((await readdir(root)).filter((name) => name.includes('.restore-'))).toEqual([]);
  });
});

describe('backup manifest', () => {
  it('refuses malformed lists: no files, bad names, repeats, bad sizes and checksums', async () => {
    const manifest = decodeBackupManifest(await readFile(`${backup}/BACKUP.json`));
    const [first, second] = manifest.files as [(typeof manifest.files)[0], (typeof manifest.files)[0]];
    const variants = [
      { files: [] },
      { files: [{ ...first, name: '../etc/passwd' }] },
      { files: [first, first] },
      { files: [second] },
      { files: [{ ...first, bytes: -1 }] },
      { files: [{ ...first, crc32: 2 ** 32 }] },
      // A MANIFEST listed past its bound: refused before anyone buffers that many bytes.
      {
        files: manifest.files.map((file) =>
          file.name === 'MANIFEST' ? { ...file, bytes: 16 * 1024 * 1024 + 1 } : file,
        ),
      },
      { checkpointSeq: 'x' },
      { createdAt: 5 },
      { format: 'other' },
    ];
    for (const variant of variants) {
      const bytes = encodeBackupManifest({ ...manifest, ...variant } as typeof manifest);
      expect(
        codeOfCall(() => decodeBackupManifest(bytes)),
        JSON.stringify(variant),
      ).toBe('OMENDB_ERR_BACKUP_CORRUPT');
    }
    expect(codeOfCall(() => decodeBackupManifest(new TextEncoder().encode('[1]')))).toBe(
      'OMENDB_ERR_BACKUP_CORRUPT',
    );
    expect(codeOfCall(() => decodeBackupManifest(new Uint8Array([0xff, 0xfe])))).toBe(
      'OMENDB_ERR_BACKUP_CORRUPT',
    );
  });
});
