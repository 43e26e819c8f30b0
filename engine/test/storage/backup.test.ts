import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../src/fs/node-file-system.ts';
import { backupFilesMax } from '../../src/limits.ts';
import { backupDirectory } from '../../src/cli/backup-offline.ts';
import { backupContent, type CheckpointedView, writeBackup } from '../../src/storage/backup-writer.ts';
import { acquireDirLock } from '../../src/storage/dir-lock.ts';
import { type Engine, openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import { emptyManifest, readManifest, segmentFileName } from '../../src/storage/manifest.ts';
import { restoreBackup } from '../../src/storage/restore.ts';
import { createPrng, seedFromEnv } from '../../src/util/prng.ts';
import { codeOf, codeOfCall } from '../support/codes.ts';
import { batchOf, checkSetFull, readAllPoints, seriesOf, workloadSeries } from './backup-workload.ts';

let root: string;
const fs = new NodeFileSystem();
const open = (dir: string): Promise<Engine> =>
  openEngine({ dir, logger: silentLogger, sync: 'none', memtableBytesMax: 64 * 1024 });

beforeEach(async () => {
  root = await mkdtemp(`${tmpdir()}/omendb-backup-`);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * Writers that keep submitting batches (a few in flight) until stopped, bounded in count; each
 * batch is recorded as acknowledged once its write resolved.
 */
function startWriters(engine: Engine, inFlight: number, maxBatches: number) {
  let next = 0;
  let stopped = false;
  const acknowledged = new Set<number>();
  const loops = Array.from({ length: inFlight }, async () => {
    while (!stopped && next < maxBatches) {
      const batch = next++;
      await engine.write(seriesOf(batch), batchOf(batch));
      acknowledged.add(batch);
    }
  });
  return {
    acknowledged,
    submitted: () => next,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
    async waitFor(count: number) {
      const deadline = Date.now() + 10_000;
      while (acknowledged.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    },
  };
}

async function restoredPoints(dir: string) {
  const engine = await open(dir);
  try {
    const series = await engine.listSeries();
    return { series, points: await readAllPoints(engine) };
  } finally {
    await engine.close();
  }
}

describe('backup under concurrent writes', () => {
  it('holds every write acknowledged before it started, whole batches only, nothing never written', async () => {
    const seed = seedFromEnv();
    console.log(`backup under concurrent writes: seed ${seed}`);
    const prng = createPrng(seed);
    const engine = await open(`${root}/data`);
    const writers = startWriters(engine, 4, 5000);
    await writers.waitFor(200 + Math.floor(prng.next() * 200));
    // Taken just before the call: a write acknowledged while the checkpoint runs may miss it.
    const acknowledgedBefore = new Set(writers.acknowledged);
    let submittedAtEnd = 0;
    const summary = await engine.withCheckpointedFiles(async (view) => {
      const written = await writeBackup(view, `${root}/backup`, 'data:test');
      submittedAtEnd = writers.submitted();
      return written;
    });
    // Writes went on while the backup ran.
    await writers.waitFor(writers.acknowledged.size + 50);
    await writers.stop();
    expect(writers.acknowledged.size).toBeGreaterThan(acknowledgedBefore.size);
    await engine.close();
    expect(summary.linked).toBe(summary.files - 1);

    await restoreBackup(`${root}/backup`, `${root}/restored`);
    const { series, points } = await restoredPoints(`${root}/restored`);
    expect(series.every((name) => (workloadSeries as readonly string[]).includes(name))).toBe(true);
    const report = checkSetFull({ points, acknowledgedBefore, submitted: submittedAtEnd });
    expect(report.violations).toEqual([]);
    expect(report.whole).toBeGreaterThanOrEqual(acknowledgedBefore.size);
  });

  it('the check fails a copy taken without the checkpoint: the acknowledged writes still in the memtable are missing', async () => {
    const engine = await open(`${root}/data`);
    for (let batch = 0; batch < 40; batch++) await engine.write(seriesOf(batch), batchOf(batch));
    await engine.checkpoint();
    for (let batch = 40; batch < 60; batch++) await engine.write(seriesOf(batch), batchOf(batch));
    // The defect: the manifest on disk as it is, without the checkpoint withCheckpointedFiles runs.
    const stale: CheckpointedView = {
      dir: `${root}/data`,
      fs,
      manifest: (await readManifest(fs, `${root}/data`))!,
    };
    await writeBackup(stale, `${root}/backup`, 'data:test');
    await engine.close();
    await restoreBackup(`${root}/backup`, `${root}/restored`);
    const { points } = await restoredPoints(`${root}/restored`);
    const acknowledgedBefore = new Set(Array.from({ length: 60 }, (_, i) => i));
    const report = checkSetFull({ points, acknowledgedBefore, submitted: 60 });
    expect(report.violations).toContain('batch 40, acknowledged before the backup, is missing');
  });

  it('the set-full check names torn batches, foreign points and wrong values', () => {
    const points = new Map<string, [bigint, number][]>([
      [seriesOf(0), [...batchOf(0).slice(1), [10_000n, 1]]],
      [seriesOf(1), [...batchOf(1).slice(0, -1), [batchOf(1).at(-1)![0], 7]]],
    ]);
    const report = checkSetFull({ points, acknowledgedBefore: new Set([0, 2]), submitted: 3 });
    expect(report.violations).toEqual(
      expect.arrayContaining([
        'batch 0 is torn: 49 of 50 points',
        `point ${seriesOf(1)}/99 has value 7, not the one written`,
        `point ${seriesOf(0)}/10000 was never written`,
        'batch 2, acknowledged before the backup, is missing',
      ]),
    );
  });
});

describe('offline backup', () => {
  it('backs up the WAL too: writes never flushed to a segment are in the backup', async () => {
    const engine = await open(`${root}/data`);
    for (let batch = 0; batch < 10; batch++) await engine.write(seriesOf(batch), batchOf(batch));
    await engine.checkpoint();
    for (let batch = 10; batch < 15; batch++) await engine.write(seriesOf(batch), batchOf(batch));
    // The directory as a crash would leave it: the last batches only in the WAL.
    await cp(`${root}/data`, `${root}/crashed`, { recursive: true });
    await rm(`${root}/crashed/LOCK`);
    await engine.close();
    expect((await readManifest(fs, `${root}/crashed`))!.segments.length).toBeGreaterThan(0);
    const summary = await backupDirectory(`${root}/crashed`, `${root}/backup`);
    expect(summary.files).toBeGreaterThan(1);
    await restoreBackup(`${root}/backup`, `${root}/restored`);
    const { points } = await restoredPoints(`${root}/restored`);
    const all = new Set(Array.from({ length: 15 }, (_, i) => i));
    expect(checkSetFull({ points, acknowledgedBefore: all, submitted: 15 }).violations).toEqual([]);
  });

  it('refuses a locked directory with OMENDB_ERR_DIR_LOCKED and a missing one with OMENDB_ERR_INPUT_OPTIONS', async () => {
    const engine = await open(`${root}/data`);
    expect(await codeOf(backupDirectory(`${root}/data`, `${root}/backup`))).toBe('OMENDB_ERR_DIR_LOCKED');
    await engine.close();
    const lock = await acquireDirLock(fs, `${root}/data`);
    expect(await codeOf(backupDirectory(`${root}/data`, `${root}/backup`))).toBe('OMENDB_ERR_DIR_LOCKED');
    await lock.release();
    expect(await codeOf(backupDirectory(`${root}/nowhere`, `${root}/backup`))).toBe(
      'OMENDB_ERR_INPUT_OPTIONS',
    );
    await expect(stat(`${root}/nowhere`)).rejects.toThrow();
    await expect(stat(`${root}/backup`)).rejects.toThrow();
    // A directory that holds no database is refused too, and nothing is written into it.
    await mkdir(`${root}/home`);
    await writeFile(`${root}/home/notes.txt`, 'x');
    expect(await codeOf(backupDirectory(`${root}/home`, `${root}/backup`))).toBe('OMENDB_ERR_INPUT_OPTIONS');
    expect(await readdir(`${root}/home`)).toEqual(['notes.txt']);
  });

  it('refuses an output that is a file or a non-empty directory, and writes into an empty one', async () => {
    const engine = await open(`${root}/data`);
    await engine.write(seriesOf(0), batchOf(0));
    await engine.close();
    await mkdir(`${root}/full`);
    await writeFile(`${root}/full/keep`, 'x');
    await writeFile(`${root}/file`, 'x');
    for (const out of ['full', 'file'])
      expect(await codeOf(backupDirectory(`${root}/data`, `${root}/${out}`))).toBe(
        'OMENDB_ERR_BACKUP_TARGET_NOT_EMPTY',
      );
    expect(await readdir(`${root}/full`)).toEqual(['keep']);
    await mkdir(`${root}/empty`);
    await backupDirectory(`${root}/data`, `${root}/empty`);
    expect(await readdir(`${root}/empty`)).toEqual(['BACKUP.json', 'MANIFEST', 'segments']);
  });

  it('copies when a hard link is refused (another file system), and checks the copy', async () => {
    const engine = await open(`${root}/data`);
    await engine.write(seriesOf(0), batchOf(0));
    const noLinks = new NodeFileSystem();
    noLinks.link = async () => {
      throw Object.assign(new Error('EXDEV: cross-device link'), { code: 'EXDEV' });
    };
    const summary = await engine.withCheckpointedFiles((view) =>
      writeBackup({ ...view, fs: noLinks }, `${root}/backup`, 'data:test'),
    );
    await engine.close();
    expect(summary).toMatchObject({ linked: 0, files: 2 });
    await restoreBackup(`${root}/backup`, `${root}/restored`);
  });

  it('refuses to back up a segment that no longer matches its manifest record', async () => {
    const engine = await open(`${root}/data`);
    await engine.write(seriesOf(0), batchOf(0));
    const code = await codeOf(
      engine.withCheckpointedFiles(async (view) => {
        const record = view.manifest.segments[0]!;
        const damaged = { ...view.manifest, segments: [{ ...record, crc32: (record.crc32 + 1) >>> 0 }] };
        return writeBackup({ ...view, manifest: damaged }, `${root}/backup`, 'data:test');
      }),
    );
    await engine.close();
    expect(code).toBe('OMENDB_ERR_BACKUP_CORRUPT');
  });

  it('refuses a database over backupFilesMax with OMENDB_ERR_BACKUP_TOO_LARGE', () => {
    const segments = Array.from({ length: backupFilesMax }, (_, i) => ({
      id: i + 1,
      file: segmentFileName(i + 1),
      bytes: 1,
      crc32: 0,
      points: 1,
    }));
    const view = {
      dir: root,
      fs,
      manifest: { ...emptyManifest, nextSegmentId: backupFilesMax + 1, segments },
    };
    expect(codeOfCall(() => backupContent(view))).toBe('OMENDB_ERR_BACKUP_TOO_LARGE');
    expect(
      backupContent({ ...view, manifest: { ...view.manifest, segments: segments.slice(1) } }).content.files,
    ).toHaveLength(backupFilesMax);
  });
});
