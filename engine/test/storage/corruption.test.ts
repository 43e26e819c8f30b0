import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOmenDbError } from '../../src/errors.ts';
import { openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import { decodeSegment } from '../../src/storage/segment-file.ts';
import { walFileHeaderBytes } from '../../src/storage/wal-record.ts';
import { engineFingerprint, MapModel, type ModelOp } from '../../src/testing/map-model.ts';
import { readTree, simWithFiles } from '../support/sim-files.ts';
import { recordOffsets } from '../support/wal-files.ts';

/**
 * Bit flips and truncations over real files written by the engine through node:fs. Every
 * single-bit flip must be detected (open refuses with a registry code, or recovery reports the
 * damaged record as a torn tail and keeps exactly the batches before it); never silently accepted.
 */
const dir = '/db';
let realDir: string;
let walFiles: Map<string, Uint8Array>;
let segmentFiles: Map<string, Uint8Array>;
const batches: ModelOp[] = [];

function fingerprintAfter(count: number): string {
  const model = new MapModel();
  for (const op of batches.slice(0, count)) model.apply(op);
  return model.fingerprint();
}

beforeAll(async () => {
  realDir = await mkdtemp(`${tmpdir()}/omendb-corrupt-`);
  // Segment fixture: a checkpointed directory.
  const segmentEngine = await openEngine({ dir: `${realDir}/seg`, logger: silentLogger });
  await segmentEngine.write('a', [
    [1n, 1.5],
    [2n, 2.5],
    [-(2n ** 63n), 3],
  ]);
  await segmentEngine.write('b', [[7n, 7]]);
  await segmentEngine.deleteRange('c', 1n, 2n);
  await segmentEngine.close();
  segmentFiles = await readTree(`${realDir}/seg`);
  // WAL fixture: acknowledged batches still only in the WAL (the engine is left open, as in a crash).
  const walEngine = await openEngine({ dir: `${realDir}/wal`, logger: silentLogger, autoMaintenance: false });
  for (let i = 0; i < 6; i++) {
    const op: ModelOp =
      i === 3
        ? { kind: 'deleteRange', series: 's', from: 0n, to: 1n }
        : { kind: 'put', series: 's', points: [0, 1, 2].map((j) => [BigInt(i * 3 + j - 4), i + j / 10]) };
    batches.push(op);
    if (op.kind === 'put') await walEngine.write(op.series, op.points);
    else await walEngine.deleteRange(op.series, op.from, op.to);
  }
  walFiles = await readTree(`${realDir}/wal`);
});

afterAll(async () => {
  await rm(realDir, { recursive: true, force: true });
});

function walEntry(): [string, Uint8Array] {
  const entries = [...walFiles.entries()].filter(([name]) => name.startsWith('wal/'));
  const withRecords = entries.filter(([, bytes]) => bytes.length > walFileHeaderBytes);
  expect(withRecords).toHaveLength(1);
  return withRecords[0]!;
}

async function openOutcome(files: Map<string, Uint8Array>, recovery: 'strict' | 'truncate' = 'strict') {
  const fs = await simWithFiles(dir, files);
  try {
    const engine = await openEngine({ dir, fs, logger: silentLogger, recovery, autoMaintenance: false });
    const state = await engineFingerprint(engine);
    const stats = engine.stats().recovery;
    await engine.close();
    return { code: undefined, state, stats };
  } catch (error) {
    if (isOmenDbError(error)) return { code: error.code, state: undefined, stats: undefined };
    throw error;
  }
}

describe('WAL corruption', () => {
  it('detects every single-bit flip in a WAL file', async () => {
    const [name, bytes] = walEntry();
    const offsets = recordOffsets(bytes);
    expect(offsets).toHaveLength(batches.length);
    let refused = 0;
    let truncated = 0;
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const outcome = await openOutcome(new Map([...walFiles, [name, flipped]]));
      const byteOffset = bit >> 3;
      const record = offsets.findLastIndex((o) => o <= byteOffset);
      if (outcome.code !== undefined) {
        expect(outcome.code).toBe('OMENDB_ERR_WAL_CORRUPT');
        refused++;
      } else {
        // Only damage to the last record may be read as a torn tail; the state is then the prefix.
        expect(record).toBe(batches.length - 1);
        expect(outcome.stats?.tornTail?.offset).toBe(offsets[record]);
        expect(outcome.state).toBe(fingerprintAfter(record));
        truncated++;
      }
    }
    console.log(
      `WAL bit flips: ${bytes.length * 8} flips, ${refused} refused with WAL_CORRUPT, ${truncated} cut as a torn last record, 0 accepted`,
    );
    expect(refused + truncated).toBe(bytes.length * 8);
  });

  it('recovers the prefix after truncation at every offset of the last record', async () => {
    const [name, bytes] = walEntry();
    const offsets = recordOffsets(bytes);
    const last = offsets[offsets.length - 1]!;
    for (let cut = last; cut < bytes.length; cut++) {
      const outcome = await openOutcome(new Map([...walFiles, [name, bytes.slice(0, cut)]]));
      expect(outcome.code).toBeUndefined();
      expect(outcome.state).toBe(fingerprintAfter(batches.length - 1));
      if (cut > last) expect(outcome.stats?.tornTail).toMatchObject({ file: name.slice(4), offset: last });
      else expect(outcome.stats?.tornTail).toBeNull();
    }
    console.log(
      `WAL truncation: ${bytes.length - last} offsets of the last record, all recovered the prefix`,
    );
  });

  it("keeps the valid prefix of a corrupt log with recovery: 'truncate'", async () => {
    const [name, bytes] = walEntry();
    const offsets = recordOffsets(bytes);
    const flipped = bytes.slice();
    flipped[offsets[2]! + 25]! ^= 0x10;
    const strict = await openOutcome(new Map([...walFiles, [name, flipped]]));
    expect(strict.code).toBe('OMENDB_ERR_WAL_CORRUPT');
    const truncated = await openOutcome(new Map([...walFiles, [name, flipped]]), 'truncate');
    expect(truncated.state).toBe(fingerprintAfter(2));
    expect(truncated.stats?.corruptionDropped).toMatchObject({ file: name.slice(4), offset: offsets[2] });
    expect(truncated.stats?.corruptionDropped?.bytesDropped).toBe(bytes.length - offsets[2]!);
  });
});

describe('segment and manifest corruption', () => {
  it('detects every single-bit flip in a segment file', async () => {
    const [name, bytes] = [...segmentFiles.entries()].find(([n]) => n.startsWith('segments/'))!;
    const expected = { file: name, bytes: bytes.length, crc32: crc32(bytes) };
    expect(decodeSegment(bytes, expected).map((s) => s.name)).toEqual(['a', 'b', 'c']);
    let detected = 0;
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      try {
        decodeSegment(flipped, expected);
      } catch (error) {
        if (isOmenDbError(error, 'OMENDB_ERR_SEGMENT_CORRUPT')) detected++;
      }
    }
    console.log(`segment bit flips: ${bytes.length * 8} flips, ${detected} detected`);
    expect(detected).toBe(bytes.length * 8);
  });

  it('refuses to open a directory whose segment is damaged', async () => {
    const [name, bytes] = [...segmentFiles.entries()].find(([n]) => n.startsWith('segments/'))!;
    for (const bit of [0, 100, bytes.length * 4, bytes.length * 8 - 1]) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect((await openOutcome(new Map([...segmentFiles, [name, flipped]]))).code).toBe(
        'OMENDB_ERR_SEGMENT_CORRUPT',
      );
    }
    const missing = new Map(segmentFiles);
    missing.delete(name);
    expect((await openOutcome(missing)).code).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    expect((await openOutcome(segmentFiles)).state).toBe('a:-9223372036854775808=3,1=1.5,2=2.5|b:7=7');
  });

  it('detects every single-bit flip in the manifest', async () => {
    const bytes = segmentFiles.get('MANIFEST')!;
    let detected = 0;
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const outcome = await openOutcome(new Map([...segmentFiles, ['MANIFEST', flipped]]));
      if (outcome.code === 'OMENDB_ERR_MANIFEST_CORRUPT' || outcome.code === 'OMENDB_ERR_VERSION_UNSUPPORTED')
        detected++;
    }
    console.log(`manifest bit flips: ${bytes.length * 8} flips, ${detected} detected`);
    expect(detected).toBe(bytes.length * 8);
  });
});
