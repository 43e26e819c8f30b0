import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupHeaderBytesMax } from '../../src/limits.ts';
import { receiveBackup } from '../../src/storage/backup-receive.ts';
import { backupStream } from '../../src/storage/backup-stream.ts';
import { type Engine, openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import { restoreBackup } from '../../src/storage/restore.ts';
import { createPrng, type Prng, seedFromEnv } from '../../src/util/prng.ts';
import { codeOf } from '../support/codes.ts';
import { batchOf, checkSetFull, readAllPoints, seriesOf } from './backup-workload.ts';

let root: string;
let engine: Engine;

beforeEach(async () => {
  root = await mkdtemp(`${tmpdir()}/omendb-backup-stream-`);
  engine = await openEngine({
    dir: `${root}/data`,
    logger: silentLogger,
    sync: 'none',
    memtableBytesMax: 16 * 1024,
  });
});

afterEach(async () => {
  await engine.close().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

/** The whole stream of a checkpoint as one byte array. */
async function streamBytes(): Promise<Uint8Array> {
  return engine.withCheckpointedFiles(async (view) => {
    const parts: Uint8Array[] = [];
    for await (const chunk of backupStream(view).chunks) parts.push(chunk);
    return Buffer.concat(parts);
  });
}

/** `bytes` in pieces of random sizes, as a network delivers them. */
async function* pieces(bytes: Uint8Array, prng: Prng): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(prng.next() * 5000);
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

describe('backup stream', () => {
  it('round-trips under concurrent writes, in pieces of any size: restore holds every acknowledged write', async () => {
    const seed = seedFromEnv();
    console.log(`backup stream round trip: seed ${seed}`);
    const prng = createPrng(seed);
    for (let batch = 0; batch < 100; batch++) await engine.write(seriesOf(batch), batchOf(batch));
    let next = 100;
    let stopped = false;
    const writer = (async () => {
      while (!stopped && next < 2000) {
        const batch = next++;
        await engine.write(seriesOf(batch), batchOf(batch));
      }
    })();
    const acknowledgedBefore = new Set(Array.from({ length: 100 }, (_, i) => i));
    await engine.withCheckpointedFiles(async (view) =>
      receiveBackup(
        (async function* () {
          const stream = backupStream(view);
          const parts: Uint8Array[] = [];
          for await (const chunk of stream.chunks) parts.push(chunk);
          yield* pieces(Buffer.concat(parts), prng);
        })(),
        `${root}/backup`,
        'url:test',
      ),
    );
    stopped = true;
    await writer;
    expect(next).toBeGreaterThan(100);
    await restoreBackup(`${root}/backup`, `${root}/restored`);
    const restored = await openEngine({ dir: `${root}/restored`, logger: silentLogger });
    const points = await readAllPoints(restored);
    await restored.close();
    expect(checkSetFull({ points, acknowledgedBefore, submitted: next }).violations).toEqual([]);
  });

  it('refuses a stream cut short, one with a flipped byte and one with bytes after its end; no BACKUP.json is written', async () => {
    for (let batch = 0; batch < 40; batch++) await engine.write(seriesOf(batch), batchOf(batch));
    const bytes = await streamBytes();
    const prng = createPrng(1);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 100]! ^= 1;
    const cases: [string, Uint8Array][] = [
      ['cut', bytes.subarray(0, bytes.length - 10)],
      ['flipped', flipped],
      ['trailing', Buffer.concat([bytes, Buffer.from('x')])],
      ['no header', Buffer.from('{"format":')],
      ['bad header', Buffer.from('{"format": 1}\n')],
      ['not json', Buffer.from('\u00ff\n')],
    ];
    for (const [name, body] of cases) {
      const out = `${root}/out-${name}`;
      expect(await codeOf(receiveBackup(pieces(body, prng), out, 'url:test')), name).toBe(
        'OMENDB_ERR_BACKUP_CORRUPT',
      );
      expect(await readdir(out).catch(() => []), name).not.toContain('BACKUP.json');
    }
    // The same stream whole is accepted.
    await receiveBackup(pieces(bytes, prng), `${root}/out-whole`, 'url:test');
  });

  it('refuses a header line past backupHeaderBytesMax without reading on', async () => {
    let yielded = 0;
    const endless = (async function* () {
      const block = new Uint8Array(1024 * 1024).fill(32);
      while (yielded++ < 64) yield block;
    })();
    expect(await codeOf(receiveBackup(endless, `${root}/out`, 'url:test'))).toBe('OMENDB_ERR_BACKUP_CORRUPT');
    expect(yielded * 1024 * 1024).toBeLessThanOrEqual(backupHeaderBytesMax + 2 * 1024 * 1024);
  });

  it('the server side ends the stream when a segment no longer matches its manifest record', async () => {
    for (let batch = 0; batch < 10; batch++) await engine.write(seriesOf(batch), batchOf(batch));
    const code = await codeOf(
      engine.withCheckpointedFiles(async (view) => {
        const record = view.manifest.segments[0]!;
        const manifest = { ...view.manifest, segments: [{ ...record, crc32: (record.crc32 + 1) >>> 0 }] };
        for await (const _ of backupStream({ ...view, manifest }).chunks);
      }),
    );
    expect(code).toBe('OMENDB_ERR_BACKUP_CORRUPT');
  });
});
