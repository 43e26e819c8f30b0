import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import { openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import type { CheckReport } from '../../src/storage/check-directory.ts';
import { segmentFileName } from '../../src/storage/manifest.ts';
import { walFileFirstSeq, walFileName } from '../../src/storage/wal-writer.ts';
import { readTree } from '../support/sim-files.ts';
import { runOmendb, stderrCode } from './cli-process.ts';

/** `omendb check` end to end: exit 0 and a JSON report on a clean directory, 1 on damage, 3 when held. */

let root: string;
let clean: string;

beforeAll(async () => {
  root = await mkdtemp(`${tmpdir()}/omendb-check-`);
  clean = `${root}/clean`;
  // A directory as the engine leaves it: segments from two checkpoints and records in the WAL.
  const engine = await openEngine({ dir: clean, logger: silentLogger, autoMaintenance: false });
  await engine.write(
    'cpu',
    Array.from({ length: 500 }, (_, i): [number, number] => [i, i / 2]),
  );
  await engine.checkpoint();
  await engine.write('mem', [
    [1, 1],
    [2, 2],
  ]);
  await engine.checkpoint();
  await engine.write('cpu', [[1000, 1]]);
  await engine.close();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A copy of the clean directory to damage or hold. */
async function copyOfClean(name: string): Promise<string> {
  const dir = `${root}/${name}`;
  await cp(clean, dir, { recursive: true });
  return dir;
}

function report(stdout: unknown): CheckReport {
  return JSON.parse(String(stdout)) as CheckReport;
}

describe('omendb check', () => {
  it('exits 0 with a JSON report on a clean directory, and changes nothing', async () => {
    const before = await readTree(clean);
    const result = await runOmendb(['check', '--data', clean]);
    expect(result.exitCode).toBe(0);
    const parsed = report(result.stdout);
    expect(parsed.ok).toBe(true);
    expect(parsed.problems).toEqual([]);
    expect(parsed.manifest.present).toBe(true);
    expect(parsed.manifest.segments).toBeGreaterThanOrEqual(2);
    expect(parsed.segments.checked).toBe(parsed.manifest.segments);
    // close() flushed the last write into a segment too.
    expect(parsed.segments.points).toBe(503);
    expect(parsed.wal.records).toBe(0);
    const after = await readTree(clean);
    after.delete('LOCK');
    before.delete('LOCK');
    expect(after).toEqual(before);
  });

  it('exits 0 on a directory left by a crash, its WAL still holding records', async () => {
    // The engine runs over a simulated disk that then loses power; the disk's content becomes a
    // real directory, its WAL still holding the writes after the last checkpoint.
    const fs = new SimFileSystem();
    await fs.mkdir('/db');
    const engine = await openEngine({ dir: '/db', fs, logger: silentLogger, autoMaintenance: false });
    await engine.write('cpu', [
      [1, 1],
      [2, 2],
    ]);
    await engine.checkpoint();
    for (let batch = 0; batch < 3; batch++) await engine.write('cpu', [[10 + batch, batch]]);
    const dir = `${root}/crashed`;
    for (const [path, bytes] of fs.crashKeepingAll().snapshotDurable()) {
      if (path === '/db/LOCK') continue;
      await mkdir(dirname(`${dir}${path.slice('/db'.length)}`), { recursive: true });
      await writeFile(`${dir}${path.slice('/db'.length)}`, bytes);
    }
    const result = await runOmendb(['check', '--data', dir]);
    expect(result.exitCode).toBe(0);
    const parsed = report(result.stdout);
    expect(parsed.ok).toBe(true);
    expect(parsed.problems).toEqual([]);
    expect(parsed.segments.points).toBe(2);
    expect(parsed.wal.records).toBe(3);
  });

  it('exits 0 on the leftovers of a crash, each under CRASH_LEFTOVER and none under a *_CORRUPT code', async () => {
    const dir = await copyOfClean('leftovers');
    const segments = (await readdir(`${dir}/segments`)).sort();
    const walFiles = (await readdir(`${dir}/wal`)).sort();
    const newest = walFiles[walFiles.length - 1]!;
    const newestSeq = walFileFirstSeq(newest)!;
    // A torn tail: part of a record header appended to the newest WAL file.
    await appendFile(`${dir}/wal/${newest}`, new Uint8Array(9).fill(7));
    // An empty newest WAL file: a crash right after a rotation created it.
    const empty = walFileName(newestSeq + 1n);
    await writeFile(`${dir}/wal/${empty}`, new Uint8Array(0));
    // A flush or compaction that crashed before its manifest commit, and a manifest write that did.
    const orphan = segmentFileName(999);
    await cp(`${dir}/segments/${segments[0]}`, `${dir}/segments/${orphan}`);
    await writeFile(`${dir}/segments/${segmentFileName(1000)}.tmp`, 'half a segment');
    await writeFile(`${dir}/MANIFEST.tmp`, 'half a manifest');

    const result = await runOmendb(['check', '--data', dir]);
    expect(result.exitCode).toBe(0);
    // What an operator greps for after a crash finds nothing.
    expect(String(result.stdout)).not.toMatch(/_CORRUPT/);
    const parsed = report(result.stdout);
    expect(parsed.ok).toBe(true);
    expect(parsed.problems).toEqual([]);
    expect(parsed.warnings.map((w) => [w.code, w.file]).sort()).toEqual(
      [
        `wal/${newest}`,
        `wal/${empty}`,
        `segments/${orphan}`,
        `segments/${segmentFileName(1000)}.tmp`,
        'MANIFEST.tmp',
      ]
        .map((file) => ['OMENDB_ERR_CHECK_CRASH_LEFTOVER', file])
        .sort(),
    );
  });

  it('exits 1 and names the segment after a byte of it is flipped', async () => {
    const dir = await copyOfClean('flipped');
    const segments = (await readdir(`${dir}/segments`)).filter((name) => !name.endsWith('.tmp')).sort();
    expect(segments.length).toBeGreaterThan(0);
    const victim = `segments/${segments[0]}`;
    const bytes = await readFile(`${dir}/${victim}`);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    await writeFile(`${dir}/${victim}`, bytes);

    const result = await runOmendb(['check', '--data', dir]);
    expect(result.exitCode).toBe(1);
    const parsed = report(result.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.problems.length).toBeGreaterThan(0);
    expect(parsed.problems.map((problem) => [problem.code, problem.file])).toContainEqual([
      'OMENDB_ERR_SEGMENT_CORRUPT',
      victim,
    ]);
  });

  it('exits 3 with OMENDB_ERR_DIR_LOCKED while an engine holds the directory', async () => {
    const dir = await copyOfClean('held');
    const engine = await openEngine({ dir, logger: silentLogger, autoMaintenance: false });
    try {
      const result = await runOmendb(['check', '--data', dir]);
      expect(result.exitCode).toBe(3);
      expect(stderrCode(result.stderr)).toBe('OMENDB_ERR_DIR_LOCKED');
      expect(result.stdout).toBe('');
      // The engine keeps working: the refused check took nothing from it.
      await engine.write('cpu', [[2000, 2]]);
      expect(await engine.get('cpu', 2000)).toBe(2);
    } finally {
      await engine.close();
    }
    // Released: the check runs now.
    expect((await runOmendb(['check', '--data', dir])).exitCode).toBe(0);
  });

  it('without --data exits 2 with OMENDB_ERR_CONFIG_INVALID', async () => {
    const result = await runOmendb(['check']);
    expect(result.exitCode).toBe(2);
    expect(stderrCode(result.stderr)).toBe('OMENDB_ERR_CONFIG_INVALID');
  });
});
