import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../src/engine.ts';
import { keyMax, keyMin } from '../src/storage/keys.ts';
import { silentLogger } from '../src/storage/logger.ts';
import { codeOf } from './support/codes.ts';

let dir: string;
const open = (extra: Partial<Parameters<typeof openEngine>[0]> = {}): Promise<Engine> =>
  openEngine({ dir, logger: silentLogger, ...extra });

beforeEach(async () => {
  dir = await mkdtemp(`${tmpdir()}/omendb-engine-`);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('engine: writes and reads', () => {
  it('round-trips every int64 key exactly, including the extremes', async () => {
    const engine = await open();
    const keys = [keyMin, keyMin + 1n, -1n, 0n, 1n, 2n ** 53n + 1n, keyMax - 1n, keyMax];
    await engine.write(
      's',
      keys.map((k, i) => [k, i + 0.5]),
    );
    for (const [i, k] of keys.entries()) expect(await engine.get('s', k)).toBe(i + 0.5);
    const all = await engine.range('s');
    expect(all.points.map(([k]) => k)).toEqual(keys);
    expect(all.next).toBeNull();
    await engine.close();
    const reopened = await open();
    expect((await reopened.range('s')).points.map(([k]) => k)).toEqual(keys);
    await reopened.checkpoint();
    await reopened.close();
    const third = await open();
    expect((await third.range('s', keyMax, keyMax)).points).toEqual([[keyMax, keys.length - 0.5]]);
    expect((await third.range('s', keyMin, keyMin)).points).toEqual([[keyMin, 0.5]]);
    await third.close();
  });

  it('replaces existing keys, and the last occurrence in a batch wins', async () => {
    const engine = await open();
    await engine.write('s', [
      [5, 1],
      [3, 2],
      [5, 3],
    ]);
    expect(await engine.get('s', 5)).toBe(3);
    await engine.checkpoint();
    await engine.write('s', [[5, 9]]);
    expect(await engine.get('s', 5)).toBe(9);
    expect((await engine.range('s')).points).toEqual([
      [3n, 2],
      [5n, 9],
    ]);
    await engine.close();
  });

  it('accepts writes in any order and returns ranges sorted', async () => {
    const engine = await open();
    const keys = [9, 1, 7, 3, 5, 2, 8, 4, 6, 0];
    for (const k of keys) await engine.write('s', [[k, k * 10]]);
    const result = await engine.range('s', 2, 7);
    expect(result.points).toEqual([2, 3, 4, 5, 6, 7].map((k) => [BigInt(k), k * 10]));
    await engine.close();
  });

  it('paginates with limit and after', async () => {
    const engine = await open();
    await engine.write(
      's',
      Array.from({ length: 25 }, (_, i) => [i, i] as const),
    );
    await engine.checkpoint();
    await engine.write('s', [[100, 1]]);
    const seen: bigint[] = [];
    let after: bigint | undefined;
    for (let page = 0; page < 10; page++) {
      const result = await engine.range('s', undefined, undefined, {
        limit: 7,
        ...(after === undefined ? {} : { after }),
      });
      seen.push(...result.points.map(([k]) => k));
      if (result.next === null) break;
      after = result.next;
    }
    expect(seen).toEqual([...Array.from({ length: 25 }, (_, i) => BigInt(i)), 100n]);
    expect((await engine.range('s', 0, 10, { after: 10 })).points).toEqual([]);
    await engine.close();
  });

  it('deletes inclusive ranges across memtable and segments', async () => {
    const engine = await open();
    await engine.write(
      's',
      Array.from({ length: 10 }, (_, i) => [i, i] as const),
    );
    await engine.checkpoint();
    await engine.write('s', [
      [10, 10],
      [4, 44],
    ]);
    await engine.deleteRange('s', 3, 5);
    expect((await engine.range('s')).points.map(([k]) => Number(k))).toEqual([0, 1, 2, 6, 7, 8, 9, 10]);
    await engine.write('s', [[4, 4.5]]);
    expect(await engine.get('s', 4)).toBe(4.5);
    expect(await engine.get('s', 3)).toBeUndefined();
    await engine.checkpoint();
    await engine.compact();
    expect((await engine.range('s')).points.map(([k]) => Number(k))).toEqual([0, 1, 2, 4, 6, 7, 8, 9, 10]);
    await engine.deleteRange('s', keyMax - 1n, keyMax);
    await engine.deleteRange('s');
    expect((await engine.range('s')).points).toEqual([]);
    await engine.close();
  });

  it('drops a series and lists only series with points', async () => {
    const engine = await open();
    await engine.write('a', [[1, 1]]);
    await engine.write('b', [[1, 1]]);
    await engine.checkpoint();
    await engine.dropSeries('a');
    expect(await engine.listSeries()).toEqual(['b']);
    expect(await engine.get('a', 1)).toBeUndefined();
    await engine.write('a', [[2, 2]]);
    expect((await engine.range('a')).points).toEqual([[2n, 2]]);
    await engine.close();
    const reopened = await open();
    expect(await reopened.listSeries()).toEqual(['a', 'b']);
    expect((await reopened.range('a')).points).toEqual([[2n, 2]]);
    await reopened.close();
  });

  it('rejects bad input with registry codes and loses nothing', async () => {
    const engine = await open();
    await engine.write('ok', [[1, 1]]);
    expect(await codeOf(engine.write('bad/name', [[1, 1]]))).toBe('OMENDB_ERR_INPUT_SERIES_NAME');
    expect(await codeOf(engine.write('', [[1, 1]]))).toBe('OMENDB_ERR_INPUT_SERIES_NAME');
    expect(await codeOf(engine.write('x'.repeat(129), [[1, 1]]))).toBe('OMENDB_ERR_INPUT_SERIES_NAME');
    expect(await codeOf(engine.write('ok', [[1, Number.NaN]]))).toBe('OMENDB_ERR_INPUT_VALUE');
    expect(await codeOf(engine.write('ok', [[1, Number.POSITIVE_INFINITY]]))).toBe('OMENDB_ERR_INPUT_VALUE');
    expect(await codeOf(engine.write('ok', [[2 ** 53, 1]]))).toBe('OMENDB_ERR_INPUT_KEY');
    expect(await codeOf(engine.write('ok', [[2n ** 63n, 1]]))).toBe('OMENDB_ERR_INPUT_KEY');
    expect(await codeOf(engine.write('ok', [[1.5, 1]]))).toBe('OMENDB_ERR_INPUT_KEY');
    expect(await codeOf(engine.write('ok', [[1] as unknown as [number, number]]))).toBe(
      'OMENDB_ERR_INPUT_POINTS',
    );
    expect(await codeOf(engine.write('ok', 'x' as unknown as []))).toBe('OMENDB_ERR_INPUT_POINTS');
    expect(await codeOf(engine.range('ok', 5, 1))).toBe('OMENDB_ERR_INPUT_RANGE');
    expect(await codeOf(engine.range('ok', 1, 5, { limit: 0 }))).toBe('OMENDB_ERR_INPUT_RANGE');
    expect(await codeOf(engine.deleteRange('ok', 5, 1))).toBe('OMENDB_ERR_INPUT_RANGE');
    // A batch with one bad point writes nothing of it.
    expect(
      await codeOf(
        engine.write('ok', [
          [2, 2],
          [3, Number.NaN],
        ]),
      ),
    ).toBe('OMENDB_ERR_INPUT_VALUE');
    expect((await engine.range('ok')).points).toEqual([[1n, 1]]);
    await engine.close();
    expect(await codeOf(engine.write('ok', [[1, 1]]))).toBe('OMENDB_ERR_ENGINE_CLOSED');
    expect(await codeOf(engine.get('ok', 1))).toBe('OMENDB_ERR_ENGINE_CLOSED');
  });

  it('refuses a second open of the same directory', async () => {
    const engine = await open();
    expect(await codeOf(open())).toBe('OMENDB_ERR_DIR_LOCKED');
    await engine.close();
    const again = await open();
    await again.close();
  });

  it('shares fsyncs between concurrent writers (group commit)', async () => {
    const engine = await open();
    await Promise.all(Array.from({ length: 200 }, (_, i) => engine.write('s', [[i, i]])));
    const stats = engine.stats();
    expect(stats.writes).toBe(200);
    expect(stats.fsyncs).toBeLessThan(200);
    expect((await engine.range('s')).points).toHaveLength(200);
    await engine.close();
  });
});

describe('engine: withCheckpointedFiles', () => {
  it('checkpoints first, holds compaction off while the copy runs, and lets writes go on', async () => {
    const engine = await open({ autoMaintenance: false });
    await engine.write('s', [
      [1, 1],
      [2, 2],
    ]);
    await engine.checkpoint();
    await engine.write('s', [[3, 3]]);
    let compacted = false;
    let compaction: Promise<void> | undefined;
    const listed = await engine.withCheckpointedFiles(async ({ manifest, fs, dir: root }) => {
      // The write made before the call is in a listed segment: two segments, nothing in the memtable.
      expect(manifest.segments).toHaveLength(2);
      expect(engine.stats().memtablePoints).toBe(0);
      compaction = engine.compact().then(() => {
        compacted = true;
      });
      await engine.write('s', [[4, 4]]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(compacted).toBe(false);
      for (const segment of manifest.segments)
        expect(await fs.exists(`${root}/segments/${segment.file}`)).toBe(true);
      return manifest.segments.map((segment) => segment.file);
    });
    await compaction;
    expect(compacted).toBe(true);
    expect(listed).toHaveLength(2);
    expect(engine.stats().segments).toBe(1);
    expect((await engine.range('s')).points).toHaveLength(4);
    await engine.close();
    await expect(engine.withCheckpointedFiles(async () => 0)).rejects.toMatchObject({
      code: 'OMENDB_ERR_ENGINE_CLOSED',
    });
  });
});

describe('engine: a lost MANIFEST', () => {
  it('refuses to open segments without a MANIFEST instead of deleting them as orphans', async () => {
    const engine = await open();
    await engine.write('s', [[1, 1]]);
    await engine.checkpoint();
    await engine.close();
    const { readdir, unlink } = await import('node:fs/promises');
    const segments = await readdir(`${dir}/segments`);
    expect(segments.length).toBeGreaterThan(0);
    await unlink(`${dir}/MANIFEST`);
    expect(await codeOf(open())).toBe('OMENDB_ERR_MANIFEST_CORRUPT');
    // Nothing was removed: the data is still there for an operator to recover.
    expect(await readdir(`${dir}/segments`)).toEqual(segments);
  });
});
