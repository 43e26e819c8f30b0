import { open } from 'node:fs/promises';
import { openEngine } from '../src/engine.ts';
import type { KeySet } from './distributions.ts';
import { type PassFigures, timeEach, timeMs } from './measure.ts';
import { createSqlite, checkpointSqlite, sqliteBatchInserter } from './sqlite-baseline.ts';
import { ingestBatchPoints, seriesName } from './workloads.ts';

/**
 * Durable ingest: the same points in the same batches of ingestBatchPoints, one batch after the
 * other, each acknowledged only once it is on disk. Per-batch latency is timed batch by batch;
 * records/s is points over the summed batch times (opening and closing are not included).
 */

/** p50 and p99 are per batch (ingestBatchPoints points, durable on return). */
export interface IngestFigures extends PassFigures {
  readonly recordsPerS: number;
}

/** Bytes per raw record: the int64 key and the float64 value, little-endian, back to back. */
const rawRecordBytes = 16;

function batchCount(points: number): number {
  return Math.ceil(points / ingestBatchPoints);
}

/**
 * The physical limit: append the records to one file and fsync after each batch, through the same
 * node:fs/promises file handles the engine uses. Nothing is indexed, nothing can be read back fast.
 */
export async function ingestRaw(file: string, set: KeySet): Promise<IngestFigures> {
  const { keys, values } = set;
  const handle = await open(file, 'w');
  const buffer = new ArrayBuffer(ingestBatchPoints * rawRecordBytes);
  const words = new BigInt64Array(buffer);
  const doubles = new Float64Array(buffer);
  const bytes = new Uint8Array(buffer);
  let position = 0;
  try {
    const pass = await timeEach(batchCount(keys.length), async (batch) => {
      const from = batch * ingestBatchPoints;
      const to = Math.min(keys.length, from + ingestBatchPoints);
      for (let i = from; i < to; i++) {
        words[2 * (i - from)] = keys[i]!;
        doubles[2 * (i - from) + 1] = values[i]!;
      }
      const length = (to - from) * rawRecordBytes;
      await handle.write(bytes, 0, length, position);
      position += length;
      await handle.sync();
      return to - from;
    });
    return perPoint(pass.figures, pass.checksum, keys.length);
  } finally {
    await handle.close();
  }
}

/** The engine in its default 'commit' mode: each writeColumns resolves after its WAL fsync. */
export async function ingestEngine(
  dir: string,
  set: KeySet,
): Promise<{ ingest: IngestFigures; checkpointMs: number; compactMs: number; closeMs: number }> {
  const { keys, values } = set;
  const engine = await openEngine({ dir, sync: 'commit' });
  try {
    const pass = await timeEach(batchCount(keys.length), (batch) => {
      const from = batch * ingestBatchPoints;
      const to = Math.min(keys.length, from + ingestBatchPoints);
      return engine.writeColumns(seriesName, keys.subarray(from, to), values.subarray(from, to));
    });
    // Into one segment: lookups then search one key index, and the directory holds one file.
    const [, checkpointMs] = await timeMs(() => engine.checkpoint());
    const [, compactMs] = await timeMs(() => engine.compact());
    const [, closeMs] = await timeMs(() => engine.close());
    return { ingest: perPoint(pass.figures, pass.checksum, keys.length), checkpointMs, compactMs, closeMs };
  } finally {
    await engine.close();
  }
}

/** SQLite, WAL journal with synchronous=FULL: each batch one transaction, fsynced at commit. */
export async function ingestSqlite(
  file: string,
  set: KeySet,
): Promise<{ ingest: IngestFigures; checkpointMs: number }> {
  const { keys, values } = set;
  const db = createSqlite(file);
  try {
    const insertBatch = sqliteBatchInserter(db);
    const pass = await timeEach(batchCount(keys.length), (batch) => {
      const from = batch * ingestBatchPoints;
      const to = Math.min(keys.length, from + ingestBatchPoints);
      insertBatch(keys, values, from, to);
      return to - from;
    });
    const [, checkpointMs] = await timeMs(() => checkpointSqlite(db));
    return { ingest: perPoint(pass.figures, pass.checksum, keys.length), checkpointMs };
  } finally {
    db.close();
  }
}

/** Checks that every point was written; records/s from batches/s (the last batch may be short). */
function perPoint(figures: PassFigures, written: number, points: number): IngestFigures {
  if (written !== points) throw new Error(`ingest wrote ${written} of ${points} points`);
  return { ...figures, recordsPerS: (figures.opsPerS * points) / batchCount(points) };
}
