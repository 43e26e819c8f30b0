import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import { checkProblemsMax } from '../../src/limits.ts';
import { type CheckReport, checkDirectory } from '../../src/storage/check-directory.ts';
import { openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import { decodeManifest, encodeManifest, segmentFileName } from '../../src/storage/manifest.ts';
import { encodeWalFileHeader, encodeWalRecord, walFileHeaderBytes } from '../../src/storage/wal-record.ts';
import { walFileName } from '../../src/storage/wal-writer.ts';
import { codeOf } from '../support/codes.ts';
import { readTree } from '../support/sim-files.ts';
import { recordOffsets } from '../support/wal-files.ts';

const tempDirs: string[] = [];

afterEach(async () => {
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-check-`);
  tempDirs.push(dir);
  return dir;
}

/** Five points with distinct keys per batch number, so that point counts are exact. */
function batch(n: number): [bigint, number][] {
  return [0, 1, 2, 3, 4].map((j) => [BigInt(n * 10 + j), n + j / 10]);
}

function walPath(firstSeq: bigint): string {
  return `wal/${walFileName(firstSeq)}`;
}

/**
 * A directory closed cleanly: 3 batches of 'a' (15 points) checkpointed into segment 1, then 2
 * batches of 'b' (10 points) flushed into segment 2 by close. The WAL is one empty file.
 */
async function closedDirectory(): Promise<string> {
  const dir = await tempDir();
  const engine = await openEngine({ dir, logger: silentLogger, autoMaintenance: false });
  for (let n = 0; n < 3; n++) await engine.write('a', batch(n));
  await engine.checkpoint();
  for (let n = 3; n < 5; n++) await engine.write('b', batch(n));
  await engine.close();
  return dir;
}

/**
 * A directory as a crash leaves it: 3 batches of 'a' checkpointed into segment 1 (checkpoint
 * at 3), then 4 acknowledged batches of 'b' (sequence numbers 4 to 7) only in the WAL file
 * wal-4. Copied from a live engine's directory without its LOCK.
 */
async function crashedDirectory(): Promise<string> {
  const source = await tempDir();
  const engine = await openEngine({ dir: source, logger: silentLogger, autoMaintenance: false });
  for (let n = 0; n < 3; n++) await engine.write('a', batch(n));
  await engine.checkpoint();
  for (let n = 3; n < 7; n++) await engine.write('b', batch(n));
  const files = await readTree(source);
  await engine.close();
  const dir = await tempDir();
  await mkdir(`${dir}/wal`);
  await mkdir(`${dir}/segments`);
  for (const [relative, bytes] of files)
    if (relative !== 'LOCK') await writeFile(`${dir}/${relative}`, bytes);
  return dir;
}

async function flipByte(path: string, offset: number): Promise<void> {
  const bytes = new Uint8Array(await readFile(path));
  expect(offset).toBeLessThan(bytes.length);
  bytes[offset]! ^= 0x40;
  await writeFile(path, bytes);
}

async function fileBytes(dir: string, relative: string): Promise<Uint8Array> {
  const bytes = (await readTree(dir)).get(relative);
  if (bytes === undefined) throw new Error(`no file ${relative}`);
  return bytes;
}

/** Every entry (files and directories) under `dir`, for before-and-after comparisons. */
async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

/** A WAL file holding one put per sequence number, and where each record starts. */
function walFile(seqs: readonly bigint[]): { bytes: Uint8Array; offsets: number[] } {
  const parts = [encodeWalFileHeader()];
  const offsets: number[] = [];
  let offset = walFileHeaderBytes;
  for (const seq of seqs) {
    const record = encodeWalRecord(seq, {
      kind: 'put',
      series: 's',
      keys: BigInt64Array.of(seq),
      values: Float64Array.of(Number(seq)),
    });
    offsets.push(offset);
    offset += record.length;
    parts.push(record);
  }
  return { bytes: Buffer.concat(parts), offsets };
}

/** A WAL file like walFile(seqs) whose record `index` is edited, then sealed with a fresh CRC. */
function walFileEdited(seqs: readonly bigint[], index: number, edit: (record: Uint8Array) => void) {
  const { bytes, offsets } = walFile(seqs);
  const start = offsets[index]!;
  const end = offsets[index + 1] ?? bytes.length;
  const record = bytes.subarray(start, end);
  edit(record);
  new DataView(record.buffer, record.byteOffset).setUint32(0, crc32(record.subarray(4)), true);
  return { bytes, offsets };
}

function codes(list: CheckReport['problems']): string[] {
  return list.map((p) => p.code);
}

describe('checkDirectory: clean directories', () => {
  it('reports a cleanly closed directory ok, with exact counts', async () => {
    const dir = await closedDirectory();
    const files = await readTree(dir);
    const segmentBytes = [...files]
      .filter(([name]) => name.startsWith('segments/'))
      .reduce((sum, [, bytes]) => sum + bytes.length, 0);
    expect([...files.keys()].filter((name) => name.startsWith('segments/'))).toHaveLength(2);
    const report = await checkDirectory(dir);
    expect(report).toEqual({
      ok: true,
      problems: [],
      warnings: [],
      manifest: { present: true, segments: 2, checkpointSeq: '5' },
      segments: { checked: 2, points: 25, bytes: segmentBytes },
      wal: { files: 1, records: 0, bytes: walFileHeaderBytes, lastSeq: '5' },
    });
  });

  it('counts the WAL records a crash left after the checkpoint', async () => {
    const dir = await crashedDirectory();
    const wal = await fileBytes(dir, walPath(4n));
    expect(recordOffsets(wal)).toHaveLength(4);
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.manifest).toEqual({ present: true, segments: 1, checkpointSeq: '3' });
    expect(report.segments.checked).toBe(1);
    expect(report.segments.points).toBe(15);
    expect(report.wal).toEqual({ files: 1, records: 4, bytes: wal.length, lastSeq: '7' });
  });

  it('reports an empty directory ok: a fresh directory with no manifest yet', async () => {
    const dir = await tempDir();
    const report = await checkDirectory(dir);
    expect(report).toEqual({
      ok: true,
      problems: [],
      warnings: [],
      manifest: { present: false, segments: 0, checkpointSeq: '0' },
      segments: { checked: 0, points: 0, bytes: 0 },
      wal: { files: 0, records: 0, bytes: 0, lastSeq: '0' },
    });
  });

  it('checks a directory through any FileSystem, taking over the stale lock a crash left', async () => {
    const fs = new SimFileSystem();
    const engine = await openEngine({ dir: '/db', fs, logger: silentLogger, autoMaintenance: false });
    for (let n = 0; n < 3; n++) await engine.write('a', batch(n));
    expect(await codeOf(checkDirectory('/db', fs))).toBe('OMENDB_ERR_DIR_LOCKED');
    const crashed = fs.crashKeepingAll();
    expect(await crashed.exists('/db/LOCK')).toBe(true);
    const report = await checkDirectory('/db', crashed);
    expect(report.ok).toBe(true);
    expect(report.wal).toEqual({ files: 1, records: 3, bytes: report.wal.bytes, lastSeq: '3' });
    expect(await crashed.exists('/db/LOCK')).toBe(false);
  });
});

describe('checkDirectory: damage', () => {
  it('names the segment file whose byte was flipped', async () => {
    const dir = await closedDirectory();
    const name = segmentFileName(1);
    const bytes = await fileBytes(dir, `segments/${name}`);
    await flipByte(`${dir}/segments/${name}`, bytes.length >> 1);
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'OMENDB_ERR_SEGMENT_CORRUPT', file: `segments/${name}` }),
    ]);
    expect(report.warnings).toEqual([]);
    // The other segment is still checked.
    expect(report.segments).toMatchObject({ checked: 2, points: 10 });
  });

  it('reports a segment listed in the manifest but missing', async () => {
    const dir = await closedDirectory();
    const name = segmentFileName(2);
    await unlink(`${dir}/segments/${name}`);
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'OMENDB_ERR_SEGMENT_CORRUPT', file: `segments/${name}` }),
    ]);
    expect(report.segments).toMatchObject({ checked: 1, points: 15 });
  });

  it('reports a flipped byte in a mid-WAL record with its file and offset', async () => {
    const dir = await crashedDirectory();
    const file = walPath(4n);
    const offsets = recordOffsets(await fileBytes(dir, file));
    await flipByte(`${dir}/${file}`, offsets[1]! + 25);
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'OMENDB_ERR_WAL_CORRUPT', file, offset: offsets[1] }),
    ]);
    expect(report.warnings).toEqual([]);
    // Reading goes on after the bad record: the two records after it are counted.
    expect(report.wal.records).toBe(3);
    expect(report.wal.lastSeq).toBe('7');
  });

  it('reports a truncated last WAL record as a crash leftover, not as corruption', async () => {
    const dir = await crashedDirectory();
    const file = walPath(4n);
    const bytes = await fileBytes(dir, file);
    const offsets = recordOffsets(bytes);
    const last = offsets[offsets.length - 1]!;
    await truncate(`${dir}/${file}`, last + 30);
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([
      expect.objectContaining({ code: 'OMENDB_ERR_CHECK_CRASH_LEFTOVER', file, offset: last }),
    ]);
    expect(report.wal).toEqual({ files: 1, records: 3, bytes: last + 30, lastSeq: '6' });
  });

  it('reports a corrupt manifest', async () => {
    const dir = await closedDirectory();
    const bytes = await fileBytes(dir, 'MANIFEST');
    await flipByte(`${dir}/MANIFEST`, bytes.length - 5);
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ code: 'OMENDB_ERR_MANIFEST_CORRUPT', file: 'MANIFEST' }),
    ]);
    expect(report.manifest).toEqual({ present: true, segments: 0, checkpointSeq: '0' });
    // Without the manifest the segments cannot be checked, and are not called orphans either.
    expect(report.warnings).toEqual([]);
    expect(report.segments.checked).toBe(0);
  });

  it('reports a segment listed twice, and a point count that differs from the manifest', async () => {
    const dir = await closedDirectory();
    const manifest = decodeManifest(await fileBytes(dir, 'MANIFEST'), 'MANIFEST');
    const [first, second] = manifest.segments;
    await writeFile(
      `${dir}/MANIFEST`,
      encodeManifest({ ...manifest, segments: [first!, first!, { ...second!, points: second!.points + 1 }] }),
    );
    const report = await checkDirectory(dir);
    expect(report.problems.map((p) => [p.code, p.file])).toEqual([
      ['OMENDB_ERR_MANIFEST_CORRUPT', 'MANIFEST'],
      ['OMENDB_ERR_SEGMENT_CORRUPT', `segments/${second!.file}`],
    ]);
    expect(report.segments).toMatchObject({ checked: 2, points: 25 });
  });

  it('reports a missing manifest when segment files exist', async () => {
    const dir = await closedDirectory();
    await unlink(`${dir}/MANIFEST`);
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(false);
    expect(codes(report.problems)).toContain('OMENDB_ERR_MANIFEST_CORRUPT');
    expect(report.manifest.present).toBe(false);
  });

  it('reports unlisted segment files, temporary files and lock leftovers as crash leftovers', async () => {
    const dir = await closedDirectory();
    const segment = await fileBytes(dir, `segments/${segmentFileName(1)}`);
    await writeFile(`${dir}/segments/${segmentFileName(7)}`, segment);
    await writeFile(`${dir}/segments/${segmentFileName(8)}.tmp`, segment.subarray(0, 10));
    await writeFile(`${dir}/MANIFEST.tmp`, 'partial');
    await writeFile(`${dir}/LOCK.new-0123abcd`, '{"pid":1}');
    await writeFile(`${dir}/LOCK.stale-89ef`, '');
    await writeFile(`${dir}/LOCK.other`, 'not a lock leftover');
    await writeFile(`${dir}/segments/notes.txt`, 'not ours');
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.warnings.map((w) => [w.code, w.file])).toEqual([
      ['OMENDB_ERR_CHECK_CRASH_LEFTOVER', `segments/${segmentFileName(7)}`],
      ['OMENDB_ERR_CHECK_CRASH_LEFTOVER', `segments/${segmentFileName(8)}.tmp`],
      ['OMENDB_ERR_CHECK_CRASH_LEFTOVER', 'MANIFEST.tmp'],
      ['OMENDB_ERR_CHECK_CRASH_LEFTOVER', 'LOCK.new-0123abcd'],
      ['OMENDB_ERR_CHECK_CRASH_LEFTOVER', 'LOCK.stale-89ef'],
    ]);
    expect(report.segments.checked).toBe(2);
  });

  it('without a manifest, segment files are the damage, not leftovers; a .tmp segment still is one', async () => {
    const dir = await closedDirectory();
    await unlink(`${dir}/MANIFEST`);
    await writeFile(`${dir}/segments/${segmentFileName(8)}.tmp`, 'partial');
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(false);
    // The WAL's first records (before the lost checkpoint) are missing too: a second problem.
    expect(report.problems.map((p) => [p.code, p.file])).toEqual([
      ['OMENDB_ERR_MANIFEST_CORRUPT', 'MANIFEST'],
      ['OMENDB_ERR_WAL_CORRUPT', expect.stringMatching(/^wal\//)],
    ]);
    expect(report.warnings.map((w) => [w.code, w.file])).toEqual([
      ['OMENDB_ERR_CHECK_CRASH_LEFTOVER', `segments/${segmentFileName(8)}.tmp`],
    ]);
  });

  it('caps each list at checkProblemsMax entries', async () => {
    const dir = await closedDirectory();
    // Segments 1 and 2 are listed; every file after them is an orphan: one warning each, capped.
    const count = checkProblemsMax + 5;
    for (let id = 3; id < 3 + count; id++) await writeFile(`${dir}/segments/${segmentFileName(id)}`, '');
    const report = await checkDirectory(dir);
    expect(report.ok).toBe(true);
    expect(report.warnings).toHaveLength(checkProblemsMax);
    expect(new Set(codes(report.warnings))).toEqual(new Set(['OMENDB_ERR_CHECK_CRASH_LEFTOVER']));
    expect(report.warnings[checkProblemsMax - 1]!.message).toMatch(/and \d+ more not listed/);
  });
});

describe('checkDirectory: WAL sequence and torn tails across files', () => {
  interface Case {
    name: string;
    /** WAL files: first sequence number (the name) and content. */
    files: [bigint, Uint8Array][];
    problems: [string, string, number | undefined][];
    warnings: [string, string, number | undefined][];
    records: number;
  }
  const five = walFile([1n, 2n, 3n, 4n, 5n]);
  const twoFlipped = five.bytes.slice();
  twoFlipped[five.offsets[1]! + 22]! ^= 1;
  twoFlipped[five.offsets[3]! + 22]! ^= 1;
  const badHeader = walFile([1n, 2n]).bytes.slice();
  badHeader[0]! ^= 1;
  const one = walFile([1n, 2n]);
  const tornSecond = one.bytes.subarray(0, one.offsets[1]! + 5);
  // Byte 17 of a record is its format version; byte 20 the length of its series name.
  const futureVersion = walFileEdited([1n, 2n, 3n], 1, (record) => {
    record[17] = 2;
  });
  const futureVersionLast = walFileEdited([1n, 2n], 1, (record) => {
    record[17] = 2;
  });
  const badPayload = walFileEdited([1n, 2n, 3n], 1, (record) => {
    record[20] = 0;
  });
  const cases: Case[] = [
    {
      name: 'a gap between files is a problem at the start of the later file',
      files: [
        [1n, walFile([1n, 2n]).bytes],
        [5n, walFile([5n]).bytes],
      ],
      problems: [['OMENDB_ERR_WAL_CORRUPT', walPath(5n), 0]],
      warnings: [],
      records: 3,
    },
    {
      name: 'records missing between the checkpoint and the oldest file are a problem',
      files: [[3n, walFile([3n]).bytes]],
      problems: [['OMENDB_ERR_WAL_CORRUPT', walPath(3n), 0]],
      warnings: [],
      records: 1,
    },
    {
      name: 'a record whose sequence number breaks the run is a problem',
      files: [[1n, walFile([1n, 3n]).bytes]],
      problems: [['OMENDB_ERR_WAL_CORRUPT', walPath(1n), walFile([1n]).bytes.length]],
      warnings: [],
      records: 2,
    },
    {
      name: 'every damaged record of a file is reported, not only the first',
      files: [[1n, twoFlipped]],
      problems: [
        ['OMENDB_ERR_WAL_CORRUPT', walPath(1n), five.offsets[1]],
        ['OMENDB_ERR_WAL_CORRUPT', walPath(1n), five.offsets[3]],
      ],
      warnings: [],
      records: 3,
    },
    {
      name: 'a record of an unknown format version is VERSION_UNSUPPORTED, and reading goes on after it',
      files: [[1n, futureVersion.bytes]],
      problems: [['OMENDB_ERR_VERSION_UNSUPPORTED', walPath(1n), futureVersion.offsets[1]]],
      warnings: [],
      records: 2,
    },
    {
      name: 'a last record of an unknown format version is a problem, not a torn tail',
      files: [[1n, futureVersionLast.bytes]],
      problems: [['OMENDB_ERR_VERSION_UNSUPPORTED', walPath(1n), futureVersionLast.offsets[1]]],
      warnings: [],
      records: 1,
    },
    {
      name: 'a record that passes its CRC with an invalid payload is a problem',
      files: [[1n, badPayload.bytes]],
      problems: [['OMENDB_ERR_WAL_CORRUPT', walPath(1n), badPayload.offsets[1]]],
      warnings: [],
      records: 3,
    },
    {
      name: 'a bad file header with valid records after it is a problem at offset 0',
      files: [[1n, badHeader]],
      problems: [['OMENDB_ERR_WAL_CORRUPT', walPath(1n), 0]],
      warnings: [],
      records: 2,
    },
    {
      name: 'a torn record followed by a later file with records is a problem',
      files: [
        [1n, tornSecond],
        [3n, walFile([3n]).bytes],
      ],
      problems: [['OMENDB_ERR_WAL_CORRUPT', walPath(1n), one.offsets[1]]],
      warnings: [],
      records: 2,
    },
    {
      name: 'a torn record followed only by an empty file is a torn tail',
      files: [
        [1n, tornSecond],
        [2n, walFile([]).bytes],
      ],
      problems: [],
      warnings: [['OMENDB_ERR_CHECK_CRASH_LEFTOVER', walPath(1n), one.offsets[1]]],
      records: 1,
    },
    {
      name: 'a newest file torn inside its header is a torn tail',
      files: [
        [1n, walFile([1n]).bytes],
        [2n, encodeWalFileHeader().subarray(0, 7)],
      ],
      problems: [],
      warnings: [['OMENDB_ERR_CHECK_CRASH_LEFTOVER', walPath(2n), 0]],
      records: 1,
    },
    {
      name: 'an empty newest WAL file (a crash right after creating it) is a crash leftover',
      files: [
        [1n, walFile([1n]).bytes],
        [2n, new Uint8Array(0)],
      ],
      problems: [],
      warnings: [['OMENDB_ERR_CHECK_CRASH_LEFTOVER', walPath(2n), 0]],
      records: 1,
    },
    {
      name: 'an empty WAL file with a later file holding records is damage',
      files: [
        [1n, new Uint8Array(0)],
        [2n, walFile([2n]).bytes],
      ],
      problems: [['OMENDB_ERR_WAL_CORRUPT', walPath(1n), 0]],
      warnings: [],
      records: 1,
    },
    {
      name: 'a newest file with a full-length bad header and nothing valid after it is a torn tail',
      files: [
        [1n, walFile([1n]).bytes],
        [2n, new Uint8Array(walFileHeaderBytes)],
      ],
      problems: [],
      warnings: [['OMENDB_ERR_CHECK_CRASH_LEFTOVER', walPath(2n), 0]],
      records: 1,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const dir = await tempDir();
      await mkdir(`${dir}/wal`);
      for (const [firstSeq, bytes] of c.files) await writeFile(`${dir}/${walPath(firstSeq)}`, bytes);
      const report = await checkDirectory(dir);
      const triples = (list: CheckReport['problems']) => list.map((p) => [p.code, p.file, p.offset]);
      expect(triples(report.problems)).toEqual(c.problems);
      expect(triples(report.warnings)).toEqual(c.warnings);
      expect(report.ok).toBe(c.problems.length === 0);
      expect(report.wal.records).toBe(c.records);
      expect(report.wal.files).toBe(c.files.length);
    });
  }
});

describe('checkDirectory: a crash leftover is what the next open repairs', () => {
  it('reports each leftover kind once, and none after an open and a close', async () => {
    const dir = await crashedDirectory();
    const file = walPath(4n);
    const offsets = recordOffsets(await fileBytes(dir, file));
    await truncate(`${dir}/${file}`, offsets[3]! + 7);
    await writeFile(`${dir}/${walPath(8n)}`, new Uint8Array(0));
    await writeFile(`${dir}/segments/${segmentFileName(9)}`, 'orphan');
    await writeFile(`${dir}/segments/${segmentFileName(10)}.tmp`, 'temp');
    await writeFile(`${dir}/MANIFEST.tmp`, 'temp');
    const before = await checkDirectory(dir);
    expect(before.problems).toEqual([]);
    expect(before.warnings.map((w) => [w.code, w.file])).toEqual(
      [
        `segments/${segmentFileName(9)}`,
        `segments/${segmentFileName(10)}.tmp`,
        'MANIFEST.tmp',
        file,
        walPath(8n),
      ].map((name) => ['OMENDB_ERR_CHECK_CRASH_LEFTOVER', name]),
    );
    const engine = await openEngine({ dir, logger: silentLogger, autoMaintenance: false });
    // Recovery cut the torn tail the check reported, and removed the rest.
    expect(engine.stats().recovery.tornTail).not.toBeNull();
    await engine.close();
    const after = await checkDirectory(dir);
    expect(after.ok).toBe(true);
    // MANIFEST.tmp is replaced by the next manifest write (close checkpoints), the rest removed.
    expect(after.warnings).toEqual([]);
  });
});

describe('checkDirectory: the lock, bad input, and read-only', () => {
  it('throws DIR_LOCKED while an engine holds the directory, and leaves its lock alone', async () => {
    const dir = await tempDir();
    const engine = await openEngine({ dir, logger: silentLogger });
    await engine.write('a', batch(0));
    expect(await codeOf(checkDirectory(dir))).toBe('OMENDB_ERR_DIR_LOCKED');
    expect(existsSync(`${dir}/LOCK`)).toBe(true);
    await engine.write('a', batch(1));
    await engine.close();
    expect((await checkDirectory(dir)).ok).toBe(true);
  });

  it('throws INPUT_OPTIONS for a directory that does not exist, or a file', async () => {
    const dir = await tempDir();
    expect(await codeOf(checkDirectory(`${dir}/missing`))).toBe('OMENDB_ERR_INPUT_OPTIONS');
    await writeFile(`${dir}/file`, 'x');
    expect(await codeOf(checkDirectory(`${dir}/file`))).toBe('OMENDB_ERR_INPUT_OPTIONS');
    expect(await codeOf(checkDirectory(''))).toBe('OMENDB_ERR_INPUT_OPTIONS');
    expect(await readdir(dir)).toEqual(['file']);
  });

  it('changes no file, even where recovery would truncate or remove', async () => {
    const dir = await crashedDirectory();
    const file = walPath(4n);
    const offsets = recordOffsets(await fileBytes(dir, file));
    await truncate(`${dir}/${file}`, offsets[3]! + 7);
    await writeFile(`${dir}/segments/${segmentFileName(9)}`, 'orphan');
    await writeFile(`${dir}/segments/${segmentFileName(10)}.tmp`, 'temp');
    await writeFile(`${dir}/MANIFEST.tmp`, 'temp');
    const entriesBefore = await listing(dir);
    const filesBefore = await readTree(dir);
    const report = await checkDirectory(`${dir}/`);
    expect(report.ok).toBe(true);
    expect(report.warnings).toHaveLength(4);
    expect(new Set(codes(report.warnings))).toEqual(new Set(['OMENDB_ERR_CHECK_CRASH_LEFTOVER']));
    expect(await listing(dir)).toEqual(entriesBefore);
    expect(await readTree(dir)).toEqual(filesBefore);
    // A directory that has never seen an engine gains no manifest, WAL or subdirectories.
    const fresh = await tempDir();
    await checkDirectory(fresh);
    expect(await listing(fresh)).toEqual([]);
  });
});
