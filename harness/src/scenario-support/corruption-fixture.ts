import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Engine,
  type EngineLogger,
  MapModel,
  type ModelOp,
  openEngine,
  type Prng,
} from '@omendb/engine';
import {
  corruptionSegmentBatches,
  corruptionSegmentBatchPoints,
  corruptionWalBatches,
  corruptionWalBatchPoints,
} from '../limits.ts';

/**
 * The populated data directory the corruption scenario damages: written by the engine on the
 * real file system (node:fs), so the WAL, segment and manifest files are exactly what a user's
 * disk holds. Two checkpoints leave two Arrow segments (with tombstones) and a manifest; then
 * acknowledged batches stay only in the WAL, as after a crash. The files are read into memory
 * while the engine is still open (before close() would flush the WAL into a segment).
 */

export interface WalRecordSpan {
  /** Byte offsets in the WAL file: [start, end). */
  readonly start: number;
  readonly end: number;
}

export interface CorruptionFixture {
  /** Relative path ('MANIFEST', 'wal/...', 'segments/...') to content; the LOCK file is left out. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The WAL file holding the WAL-only batches. */
  readonly walFile: string;
  /** Where each WAL-only batch's record lies in walFile, in write order. */
  readonly walRecords: readonly WalRecordSpan[];
  /**
   * The model state's fingerprint after the checkpointed batches and the first k WAL-only
   * batches, for k = 0 to walRecords.length: the last one is the whole acknowledged state.
   */
  readonly prefixFingerprints: readonly string[];
  /** The model after every batch: the state an undamaged directory holds. */
  readonly model: MapModel;
  readonly points: number;
}

export const silentLogger: EngineLogger = { info() {}, warn() {}, error() {} };

const seriesNames = ['corrupt.cpu', 'corrupt.mem', 'corrupt.disk'];
const walSubdir = 'wal';

function randomBatch(prng: Prng, batch: number, points: number): ModelOp {
  const series = prng.pick(seriesNames);
  // Every eighth operation deletes a range, so that segments carry tombstones and the WAL range deletes.
  if (batch % 8 === 7) {
    const from = BigInt(prng.int(points * batch + 1));
    return { kind: 'deleteRange', series, from, to: from + BigInt(prng.int(points)) };
  }
  const rows: [bigint, number][] = [];
  for (let i = 0; i < points; i++) {
    // Mostly fresh keys, some overwrites of earlier ones, and now and then an int64 extreme.
    const roll = prng.int(40);
    const key =
      roll === 0
        ? -(2n ** 63n) + BigInt(prng.int(4))
        : roll === 1
          ? 2n ** 63n - 1n - BigInt(prng.int(4))
          : roll < 8
            ? BigInt(prng.int(points * (batch + 1)))
            : BigInt(points * batch + i);
    rows.push([key, (prng.int(2 ** 30) - 2 ** 29) / 64]);
  }
  return { kind: 'put', series, points: rows };
}

async function submit(engine: Engine, op: ModelOp): Promise<void> {
  if (op.kind === 'put') await engine.write(op.series, op.points);
  else if (op.kind === 'deleteRange') await engine.deleteRange(op.series, op.from, op.to);
  else await engine.dropSeries(op.series);
}

async function walFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, walSubdir))).filter((name) => name.endsWith('.log')).sort();
}

/** The one WAL file the engine appends to after a checkpoint, and its size. */
async function activeWal(dir: string): Promise<{ file: string; size: number }> {
  const names = await walFiles(dir);
  if (names.length !== 1)
    throw new Error(
      `OmenDB harness invariant violated: expected one WAL file after a checkpoint, found ${names.length}`,
    );
  const file = `${walSubdir}/${names[0]}`;
  return { file, size: (await stat(join(dir, file))).size };
}

async function readTree(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const relative = join(entry.parentPath, entry.name).slice(dir.length + 1);
    if (relative === 'LOCK') continue;
    files.set(relative, new Uint8Array(await readFile(join(dir, relative))));
  }
  return files;
}

/** Builds the fixture in `dir` (which must not exist), reads it, and removes `dir`. */
export async function buildCorruptionFixture(prng: Prng, dir: string): Promise<CorruptionFixture> {
  const model = new MapModel();
  const engine = await openEngine({ dir, logger: silentLogger, autoMaintenance: false });
  try {
    let batch = 0;
    for (let checkpoint = 0; checkpoint < 2; checkpoint++) {
      for (let i = 0; i < corruptionSegmentBatches; i++) {
        const op = randomBatch(prng, batch++, corruptionSegmentBatchPoints);
        await submit(engine, op);
        model.apply(op);
      }
      await engine.checkpoint();
    }
    const prefixFingerprints = [model.fingerprint()];
    const walRecords: WalRecordSpan[] = [];
    const first = await activeWal(dir);
    let start = first.size;
    for (let i = 0; i < corruptionWalBatches; i++) {
      const op = randomBatch(prng, batch++, corruptionWalBatchPoints);
      // Acknowledged means appended and fsynced: the file's new size is where the record ends.
      await submit(engine, op);
      model.apply(op);
      prefixFingerprints.push(model.fingerprint());
      const now = await activeWal(dir);
      if (now.file !== first.file || now.size <= start)
        throw new Error('OmenDB harness invariant violated: a WAL-only batch did not append to the WAL file');
      walRecords.push({ start, end: now.size });
      start = now.size;
    }
    const files = await readTree(dir);
    let points = 0;
    for (const series of model.series.values()) points += series.size;
    return { files, walFile: first.file, walRecords, prefixFingerprints, model, points };
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}
