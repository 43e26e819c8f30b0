import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineLogger, Prng } from '@omendb/engine';
import { createPrng, Engine, isOmenDbError, seedFromEnv } from '@omendb/engine';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EngineAdapter, Point } from '../../../src/adapter.ts';
import { EmbeddedAdapter } from '../../../src/adapters/embedded/adapter.ts';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { readState } from '../../../src/conformance/assertions.ts';
import { embeddedColumnarBatchPointsMin } from '../../../src/limits.ts';

const opened: EngineAdapter[] = [];

async function open<T extends EngineAdapter>(adapter: T): Promise<T> {
  await adapter.open();
  opened.push(adapter);
  return adapter;
}

afterEach(async () => {
  for (const adapter of opened.splice(0)) await adapter.close().catch(() => undefined);
  vi.restoreAllMocks();
});

function randomBatch(prng: Prng): Point[] {
  return Array.from(
    { length: 1 + prng.int(20) },
    (): Point => [BigInt(prng.int(200) - 100), prng.int(1000) / 4],
  );
}

/** Simulated, with a tiny memtable: flushes and compactions happen between the power losses. */
function simulated(options: ConstructorParameters<typeof EmbeddedAdapter>[0] = {}): EmbeddedAdapter {
  return new EmbeddedAdapter({
    simulated: true,
    memtableBytesMax: 2_048,
    compactionSegmentsTrigger: 2,
    ...options,
  });
}

const quiet: EngineLogger = { info() {}, warn() {}, error() {} };

function rejectsCode(error: unknown): string {
  return isOmenDbError(error) ? error.code : String(error);
}

describe('EmbeddedAdapter over the simulated file system', () => {
  it('keeps every write acknowledged under sync commit through seeded power losses', async () => {
    const seed = seedFromEnv();
    console.log(`embedded power loss seed ${seed} (replay: OMENDB_SEED=${seed})`);
    const prng = createPrng(seed);
    const adapter = await open(simulated());
    const model = await open(new ModelAdapter());
    for (let round = 0; round < 8; round++) {
      for (let op = 0; op < 25; op++) {
        const series = prng.pick(['p.a', 'p.b', 'p.c']);
        if (prng.chance(0.85)) {
          const batch = randomBatch(prng);
          await adapter.write(series, batch);
          await model.write(series, batch);
        } else {
          const from = BigInt(prng.int(200) - 100);
          const to = from + BigInt(prng.int(30));
          await adapter.deleteRange(series, from, to);
          await model.deleteRange(series, from, to);
        }
      }
      await adapter.powerLoss(prng.int(2 ** 31));
      expect(await readState(adapter), `round ${round}`).toEqual(await readState(model));
    }
  });

  it('a batch in flight at the power loss is there whole or not at all', async () => {
    const seed = seedFromEnv();
    console.log(`embedded in-flight seed ${seed} (replay: OMENDB_SEED=${seed})`);
    const prng = createPrng(seed);
    for (let trial = 0; trial < 20; trial++) {
      const adapter = await open(simulated());
      await adapter.write('f.a', [[0n, 0]]);
      const batch: Point[] = Array.from({ length: 50 }, (_, i) => [BigInt(i + 1), i]);
      const inFlight = adapter.write('f.a', batch).then(
        () => 'ok',
        (error: unknown) => rejectsCode(error),
      );
      // Let the write get a random distance into its I/O before the power goes.
      for (let tick = prng.int(6); tick > 0; tick--) await new Promise((resolve) => setImmediate(resolve));
      await adapter.powerLoss(prng.int(2 ** 31));
      const outcome = await inFlight;
      const points = (await adapter.range('f.a')).points;
      expect([1, 51], `trial ${trial} (${outcome})`).toContain(points.length);
      if (outcome === 'ok') expect(points).toHaveLength(51);
    }
  });

  it('an I/O step that loses power fails the write; after powerLoss every acknowledged write is there', async () => {
    const adapter = await open(simulated({ logger: quiet }));
    const fs = adapter.simFileSystem();
    const acknowledged: Point[] = [];
    fs.failAtOp(fs.opCount + 12);
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const point: Point = [BigInt(i), i];
      try {
        await adapter.write('c.a', [point]);
        acknowledged.push(point);
      } catch (error) {
        codes.push(rejectsCode(error));
      }
    }
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.every((code) => code === 'OMENDB_ERR_WAL_IO' || code === 'OMENDB_ERR_ENGINE_FAILED')).toBe(
      true,
    );
    await adapter.powerLoss(5);
    expect(adapter.simFileSystem()).not.toBe(fs);
    const keys = new Set((await adapter.range('c.a')).points.map(([key]) => key));
    for (const [key] of acknowledged) expect(keys.has(key)).toBe(true);
    await adapter.write('c.a', [[100n, 1]]);
    expect(await adapter.get('c.a', 100n)).toBe(1);
  });

  it('after an injected fsync error the engine refuses writes until restart, which keeps acknowledged ones', async () => {
    const logged: string[] = [];
    const logger: EngineLogger = {
      info() {},
      warn() {},
      error(_fields, message) {
        logged.push(message);
      },
    };
    const adapter = await open(simulated({ logger }));
    await adapter.write('e.a', [[1n, 1]]);
    const fs = adapter.simFileSystem();
    fs.injectError((op) =>
      op.kind === 'sync' ? Object.assign(new Error('EIO (injected)'), { code: 'EIO' }) : undefined,
    );
    await expect(adapter.write('e.a', [[2n, 2]])).rejects.toMatchObject({ code: 'OMENDB_ERR_WAL_IO' });
    await expect(adapter.write('e.a', [[3n, 3]])).rejects.toMatchObject({ code: 'OMENDB_ERR_ENGINE_FAILED' });
    expect(logged.length).toBeGreaterThan(0); // the live engine's logger is the caller's
    fs.injectError(undefined);
    await adapter.restart();
    expect(await adapter.get('e.a', 1n)).toBe(1);
    expect(await adapter.get('e.a', 3n)).toBeUndefined();
    await adapter.write('e.a', [[4n, 4]]);
    // A dead engine's last words (it cannot close on a machine without power) are not passed on.
    logged.length = 0;
    await adapter.write('e.a', [[5n, 5]]);
    await adapter.powerLoss(9);
    expect(logged).toEqual([]);
    expect(await adapter.get('e.a', 5n)).toBe(5);
  });

  it('a power loss while closed keeps what the clean close made durable; the next open recovers it', async () => {
    const adapter = simulated();
    await adapter.open();
    await adapter.write('z.a', [[1n, 1]]);
    await adapter.close();
    await adapter.powerLoss(3);
    expect(adapter.isOpen).toBe(false);
    await open(adapter);
    expect(await adapter.get('z.a', 1n)).toBe(1);
  });

  it('a failed reopen leaves the adapter open without an engine: calls are ADAPTER_STATE until reopened', async () => {
    const adapter = await open(simulated());
    await adapter.write('r.a', [[1n, 1]]);
    const fs = adapter.simFileSystem();
    fs.injectError((op) =>
      op.kind === 'mkdir' ? Object.assign(new Error('EACCES (injected)'), { code: 'EACCES' }) : undefined,
    );
    await expect(adapter.restart()).rejects.toMatchObject({ code: 'EACCES' });
    await expect(adapter.get('r.a', 1n)).rejects.toMatchObject({ code: 'OMENDB_ERR_HARNESS_ADAPTER_STATE' });
    await expect(adapter.compact()).rejects.toMatchObject({ code: 'OMENDB_ERR_HARNESS_ADAPTER_STATE' });
    fs.injectError(undefined);
    await adapter.close();
    await adapter.open();
    expect(await adapter.get('r.a', 1n)).toBe(1);
  });

  it('compact() merges segments and keeps every point', async () => {
    const adapter = await open(simulated({ autoMaintenance: false }));
    for (let i = 0; i < 3; i++) {
      await adapter.write('k.a', [[BigInt(i), i]]);
      await adapter.checkpoint();
    }
    await adapter.compact();
    expect((await adapter.range('k.a')).points).toEqual([
      [0n, 0],
      [1n, 1],
      [2n, 2],
    ]);
    expect(adapter.dir).toBe('/omendb');
  });

  it('is durable only under sync commit', () => {
    expect(simulated().capabilities.durable).toBe(true);
    expect(simulated({ sync: 'interval' }).capabilities.durable).toBe(false);
    expect(simulated({ sync: 'none' }).capabilities.durable).toBe(false);
    expect(new EmbeddedAdapter({ sync: 'none' }).capabilities.durable).toBe(true);
    expect(simulated().capabilities.simulatedPowerLoss).toBe(true);
  });
});

describe('EmbeddedAdapter on the real file system', () => {
  it('makes a temporary directory at open and removes it at close', async () => {
    const adapter = new EmbeddedAdapter();
    expect(adapter.dir).toBeUndefined();
    await adapter.open();
    const dir = adapter.dir!;
    expect(existsSync(join(dir, 'wal'))).toBe(true);
    await adapter.close();
    expect(existsSync(dir)).toBe(false);
    expect(adapter.dir).toBeUndefined();
  });

  it('keeps a given directory: close and open again find the data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'omendb-embedded-test-'));
    try {
      const adapter = new EmbeddedAdapter({ dir, sync: 'none' });
      await adapter.open();
      await adapter.write('g.a', [[2n ** 63n - 1n, 1.5]]);
      await adapter.close();
      expect(existsSync(join(dir, 'MANIFEST'))).toBe(true);
      await adapter.open();
      expect(await adapter.get('g.a', 2n ** 63n - 1n)).toBe(1.5);
      await adapter.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('removes its temporary directory when the engine fails to open', async () => {
    const adapter = new EmbeddedAdapter({ memtableBytesMax: 0 });
    await expect(adapter.open()).rejects.toMatchObject({ code: 'OMENDB_ERR_INPUT_OPTIONS' });
    expect(adapter.isOpen).toBe(false);
    expect(adapter.dir).toBeUndefined();
  });

  it(`sends batches of ${embeddedColumnarBatchPointsMin} points or more through writeColumns`, async () => {
    const columns = vi.spyOn(Engine.prototype, 'writeColumns');
    const rows = vi.spyOn(Engine.prototype, 'write');
    const adapter = await open(new EmbeddedAdapter());
    const batch = (n: number): Point[] => Array.from({ length: n }, (_, i) => [BigInt(i), i]);
    await adapter.write('w.a', batch(embeddedColumnarBatchPointsMin - 1));
    expect(rows).toHaveBeenCalledTimes(1);
    expect(columns).not.toHaveBeenCalled();
    await adapter.write('w.b', batch(embeddedColumnarBatchPointsMin));
    expect(columns).toHaveBeenCalledTimes(1);
    expect((await adapter.range('w.b', 1023n)).points).toEqual([[1023n, 1023]]);
  });

  it('describes itself with the engine package version', async () => {
    const manifestPath = createRequire(import.meta.url).resolve('@omendb/engine/package.json');
    const { version } = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string };
    expect(await new EmbeddedAdapter().describe()).toEqual({
      engine: 'omendb',
      version,
      adapter: 'embedded',
    });
  });

  it('declares no process, power loss or metrics, and refuses them by capability', async () => {
    const adapter = await open(new EmbeddedAdapter());
    expect(adapter.capabilities).toMatchObject({
      simulatedPowerLoss: false,
      killable: false,
      metrics: false,
      arrow: true,
      checkpoint: true,
    });
    expect(() => adapter.simFileSystem()).toThrow(
      expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_CAPABILITY' }),
    );
    await expect(adapter.powerLoss(1)).rejects.toMatchObject({ code: 'OMENDB_ERR_HARNESS_CAPABILITY' });
  });
});
