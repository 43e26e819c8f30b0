import { describe, expect, it } from 'vitest';
import { SimFileSystem } from '../src/fs/sim-file-system.ts';
import { type Engine, openEngine } from '../src/engine.ts';
import type { EngineLogger } from '../src/storage/logger.ts';
import { silentLogger } from '../src/storage/logger.ts';
import type { EngineOptions } from '../src/storage/options.ts';
import {
  seriesCountMax,
  walCheckpointFactor,
  walSegmentBytesMax,
  writeBatchPointsMax,
} from '../src/limits.ts';
import { codeOf, errno } from './support/codes.ts';
import { engineFingerprint } from '../src/testing/map-model.ts';

const dir = '/db';

async function simEngine(extra: Partial<EngineOptions> = {}): Promise<{ fs: SimFileSystem; engine: Engine }> {
  const fs = new SimFileSystem();
  await fs.mkdir(dir);
  const engine = await openEngine({ dir, fs, logger: silentLogger, ...extra });
  return { fs, engine };
}

function capturingLogger(): EngineLogger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    info: (_f, message) => lines.push({ level: 'info', message }),
    warn: (_f, message) => lines.push({ level: 'warn', message }),
    error: (_f, message) => lines.push({ level: 'error', message }),
  };
}

describe('engine: I/O failures', () => {
  it('a failed WAL fsync rejects the batch, fails the engine, keeps reads, and recovers on reopen', async () => {
    const { fs, engine } = await simEngine();
    await engine.write('s', [[1, 1]]);
    fs.injectError((op) => (op.kind === 'sync' && op.path.includes('/wal/') ? errno('EIO') : undefined));
    expect(await codeOf(engine.write('s', [[2, 2]]))).toBe('OMENDB_ERR_WAL_IO');
    expect(await codeOf(engine.write('s', [[3, 3]]))).toBe('OMENDB_ERR_ENGINE_FAILED');
    expect(await codeOf(engine.checkpoint())).toBe('OMENDB_ERR_ENGINE_FAILED');
    expect(await codeOf(engine.compact())).toBe('OMENDB_ERR_ENGINE_FAILED');
    expect(engine.stats().failed).toBe('OMENDB_ERR_WAL_IO');
    expect(await engine.get('s', 1)).toBe(1);
    expect(await engine.get('s', 2)).toBeUndefined();
    fs.injectError(undefined);
    await engine.close();
    const reopened = await openEngine({ dir, fs, logger: silentLogger });
    expect(await reopened.get('s', 1)).toBe(1);
    await reopened.write('s', [[4, 4]]);
    expect(await reopened.get('s', 4)).toBe(4);
    await reopened.close();
  });

  it('a full disk on a WAL append rejects the batch with OMENDB_ERR_WAL_IO', async () => {
    const { fs, engine } = await simEngine();
    fs.injectError((op) => (op.kind === 'write' && op.path.includes('/wal/') ? errno('ENOSPC') : undefined));
    const results = await Promise.all([1, 2, 3].map((k) => codeOf(engine.write('s', [[k, k]]))));
    expect(results[0]).toBe('OMENDB_ERR_WAL_IO');
    // Writers queued behind the failed group are refused too; none is acknowledged.
    for (const code of results.slice(1))
      expect(['OMENDB_ERR_WAL_IO', 'OMENDB_ERR_ENGINE_FAILED']).toContain(code);
    fs.injectError(undefined);
    await engine.close();
  });

  it('a failed checkpoint fails the engine and loses nothing acknowledged', async () => {
    const { fs, engine } = await simEngine({ autoMaintenance: false });
    await engine.write('s', [
      [1, 1],
      [2, 2],
    ]);
    fs.injectError((op) =>
      op.path.includes('/segments/') && op.kind === 'write' ? errno('ENOSPC') : undefined,
    );
    expect(await codeOf(engine.checkpoint())).toBe('non-registry error: Error: ENOSPC');
    expect(engine.stats().failed).toBe('OMENDB_ERR_WAL_IO');
    expect(await codeOf(engine.write('s', [[3, 3]]))).toBe('OMENDB_ERR_ENGINE_FAILED');
    fs.injectError(undefined);
    await engine.close();
    const reopened = await openEngine({ dir, fs, logger: silentLogger });
    expect((await reopened.range('s')).points).toEqual([
      [1n, 1],
      [2n, 2],
    ]);
    expect(reopened.stats().recovery.orphanFilesRemoved).toBe(1);
    await reopened.close();
  });

  it('a failed compaction fails the engine and loses nothing', async () => {
    const { fs, engine } = await simEngine({ autoMaintenance: false });
    await engine.write('s', [[1, 1]]);
    await engine.checkpoint();
    await engine.write('s', [[1, 2]]);
    await engine.checkpoint();
    fs.injectError((op) =>
      op.kind === 'rename' && op.path.includes('/segments/') ? errno('EIO') : undefined,
    );
    expect(await codeOf(engine.compact())).toBe('non-registry error: Error: EIO');
    expect(engine.stats().failed).toBe('OMENDB_ERR_WAL_IO');
    fs.injectError(undefined);
    await engine.close();
    const reopened = await openEngine({ dir, fs, logger: silentLogger });
    expect(await reopened.get('s', 1)).toBe(2);
    await reopened.close();
  });
});

describe('engine: durability modes', () => {
  it("'none' never fsyncs the WAL on the write path", async () => {
    const { engine } = await simEngine({ sync: 'none' });
    for (let i = 0; i < 5; i++) await engine.write('s', [[i, i]]);
    expect(engine.stats().fsyncs).toBe(0);
    expect(engine.stats().groupCommits).toBe(5);
    await engine.close();
  });

  it("'interval' acknowledges before the fsync and fsyncs within the interval", async () => {
    const { fs, engine } = await simEngine({ sync: 'interval', syncIntervalMs: 5 });
    await engine.write('s', [[1, 1]]);
    expect(engine.stats().fsyncs).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(engine.stats().fsyncs).toBeGreaterThanOrEqual(1);
    // After the interval fsync, a crash that loses every unsynced byte keeps the write.
    const after = fs.crashLosingAll();
    const reopened = await openEngine({ dir, fs: after, logger: silentLogger });
    expect(await reopened.get('s', 1)).toBe(1);
    await reopened.close();
  });

  it("'interval' fails the engine when the timed fsync fails", async () => {
    const { fs, engine } = await simEngine({ sync: 'interval', syncIntervalMs: 5 });
    fs.injectError((op) => (op.kind === 'sync' ? errno('EIO') : undefined));
    await engine.write('s', [[1, 1]]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(engine.stats().failed).toBe('OMENDB_ERR_WAL_IO');
    fs.injectError(undefined);
    await engine.close();
  });
});

describe('engine: limits', () => {
  it('refuses a batch over writeBatchPointsMax and keeps what is stored', async () => {
    const { engine } = await simEngine();
    await engine.write('s', [[1, 1]]);
    expect(await codeOf(engine.write('s', new Array(writeBatchPointsMax + 1)))).toBe(
      'OMENDB_ERR_LIMIT_BATCH_POINTS',
    );
    const keys = new BigInt64Array(writeBatchPointsMax + 1);
    expect(await codeOf(engine.writeColumns('s', keys, new Float64Array(keys.length)))).toBe(
      'OMENDB_ERR_LIMIT_BATCH_POINTS',
    );
    expect(await codeOf(engine.writeColumns('s', keys, new Float64Array(1)))).toBe('OMENDB_ERR_INPUT_POINTS');
    expect(
      await codeOf(engine.writeColumns('s', new BigInt64Array([1n]), new Float64Array([Number.NaN]))),
    ).toBe('OMENDB_ERR_INPUT_VALUE');
    expect((await engine.range('s')).points).toEqual([[1n, 1]]);
    await engine.close();
  });

  it('refuses a series beyond seriesCountMax and keeps the others', async () => {
    const { engine } = await simEngine({ sync: 'none', autoMaintenance: false });
    const writes: Promise<number>[] = [];
    for (let i = 0; i < seriesCountMax; i++) writes.push(engine.write(`s${i}`, [[1, i]]));
    await Promise.all(writes);
    expect(await codeOf(engine.write('one-too-many', [[1, 1]]))).toBe('OMENDB_ERR_LIMIT_SERIES_COUNT');
    // An existing series still takes writes, and a dropped one frees its place.
    await engine.write('s0', [[2, 2]]);
    await engine.dropSeries('s1');
    await engine.write('now-fits', [[1, 1]]);
    expect(await engine.get('now-fits', 1)).toBe(1);
    expect(await engine.get(`s${seriesCountMax - 1}`, 1)).toBe(seriesCountMax - 1);
    await engine.close();
  });

  it('accepts an empty batch as a no-op', async () => {
    const { engine } = await simEngine();
    expect(await engine.write('s', [])).toBe(0);
    expect(engine.stats().writes).toBe(0);
    await engine.close();
    expect(await codeOf(engine.write('s', []))).toBe('OMENDB_ERR_ENGINE_CLOSED');
  });

  it('rolls the WAL over at walSegmentBytesMax and recovers across files', async () => {
    const { fs, engine } = await simEngine({ sync: 'none', autoMaintenance: false });
    const batch = 1_000_000;
    const batches = Math.ceil(walSegmentBytesMax / (batch * 16)) + 1;
    for (let b = 0; b < batches; b++) {
      const keys = new BigInt64Array(batch);
      const values = new Float64Array(batch);
      for (let i = 0; i < batch; i++) {
        keys[i] = BigInt(b * batch + i);
        values[i] = b;
      }
      await engine.writeColumns('big', keys, values);
    }
    const files = await fs.list(`${dir}/wal`);
    expect(files.length).toBeGreaterThanOrEqual(2);
    const recovered = fs.crashKeepingAll();
    const reopened = await openEngine({ dir, fs: recovered, logger: silentLogger, autoMaintenance: false });
    expect(reopened.stats().recovery.replayedRecords).toBe(batches);
    expect(reopened.stats().memtablePoints).toBe(batches * batch);
    expect(await reopened.get('big', BigInt(batches * batch - 1))).toBe(batches - 1);
    await reopened.close();
  });
});

describe('engine: maintenance and recovery reporting', () => {
  it('flushes and compacts in the background when limits are reached', async () => {
    const { engine } = await simEngine({ memtableBytesMax: 4096, compactionSegmentsTrigger: 2 });
    for (let i = 0; i < 40; i++)
      await engine.write(
        's',
        Array.from({ length: 50 }, (_, j) => [i * 50 + j, j] as const),
      );
    await engine.close();
    const stats = engine.stats();
    expect(stats.flushes).toBeGreaterThan(1);
    expect(stats.compactions).toBeGreaterThan(0);
  });

  it('reports a torn tail in stats and the log', async () => {
    const { fs, engine } = await simEngine({ autoMaintenance: false });
    await engine.write('s', [[1, 1]]);
    const wal = (await fs.list(`${dir}/wal`))[0]!;
    const handle = await fs.open(`${dir}/wal/${wal}`, 'write');
    const size = await handle.size();
    await handle.write(size, new Uint8Array([1, 2, 3, 4, 5]));
    await handle.sync();
    await handle.close();
    const logger = capturingLogger();
    const reopened = await openEngine({ dir, fs: fs.crashKeepingAll(), logger });
    expect(reopened.stats().recovery.tornTail).toEqual({ file: wal, offset: size, bytesDropped: 5 });
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('torn'))).toBe(true);
    expect(await reopened.get('s', 1)).toBe(1);
    await reopened.close();
  });

  it('reads stay consistent while a compaction runs', async () => {
    const { engine } = await simEngine({ autoMaintenance: false, sync: 'none' });
    const n = 200_000;
    for (let layer = 0; layer < 3; layer++) {
      const keys = new BigInt64Array(n);
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        keys[i] = BigInt(i * 3 + layer);
        values[i] = layer;
      }
      await engine.writeColumns('s', keys, values);
      await engine.checkpoint();
    }
    const expected = await engineFingerprint(engine);
    const compaction = engine.compact();
    let reads = 0;
    let done = false;
    void compaction.then(() => {
      done = true;
    });
    while (!done) {
      const page = await engine.range('s', 299_990n, 300_050n);
      expect(page.points.map(([k]) => Number(k))).toEqual(Array.from({ length: 61 }, (_, i) => 299_990 + i));
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await compaction;
    expect(reads).toBeGreaterThan(1);
    expect(engine.stats().segments).toBe(1);
    expect(await engineFingerprint(engine)).toBe(expected);
    await engine.close();
  });
});

describe('engine: the WAL stays bounded', () => {
  async function walBytesOnDisk(fs: SimFileSystem): Promise<number> {
    let bytes = 0;
    for (const name of await fs.list(`${dir}/wal`)) bytes += (await fs.readFile(`${dir}/wal/${name}`)).length;
    return bytes;
  }

  it('checkpoints when deletes keep the memtable small while the WAL grows (found by the soak)', async () => {
    const memtableBytes = 4096;
    const { fs, engine } = await simEngine({ memtableBytesMax: memtableBytes });
    const retainedKeys = 40;
    let walMax = 0;
    // A retention workload: fresh keys in, everything older than the last 40 deleted. The live
    // data stays under 1 KiB, so the memtable never fills; only the WAL keeps growing.
    for (let round = 0; round < 400; round++) {
      const first = round * 20;
      await engine.write(
        's',
        Array.from({ length: 20 }, (_, i) => [first + i, i] as [number, number]),
      );
      await engine.deleteRange('s', 0, Math.max(0, first + 20 - retainedKeys - 1));
      // The simulated disk answers in microtasks; a turn of the event loop lets the background
      // checkpoint progress as real I/O would.
      await new Promise((resolve) => setImmediate(resolve));
      walMax = Math.max(walMax, await walBytesOnDisk(fs));
    }
    const stats = engine.stats();
    expect(stats.walBytesWritten).toBeGreaterThan(20 * memtableBytes);
    expect(stats.flushes).toBeGreaterThan(0);
    // The trigger (walCheckpointFactor x memtableBytesMax) plus the records appended while the
    // checkpoint it started ran.
    expect(walMax).toBeLessThan(walCheckpointFactor * memtableBytes * 2);
    expect((await engine.range('s', 0, 10_000)).points).toHaveLength(retainedKeys);
    await engine.close();
  });
});
