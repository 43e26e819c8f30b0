import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import { createPrng, seedFromEnv } from '../../src/util/prng.ts';
import { killBatchPoints } from './fixtures/kill-batches.ts';

/**
 * A real kill -9: a child process writes batches with sync 'commit' and reports each
 * acknowledgement; it is SIGKILLed at a random moment; reopening the directory (taking over the
 * dead process's lock) must show every acknowledged batch whole, and no batch in part.
 */
const kills = Number(process.env.OMENDB_KILLS ?? 20);
const batchesPerChild = 100_000;
const childStartTimeoutMs = 20_000;
const writer = fileURLToPath(new URL('./fixtures/kill-writer.ts', import.meta.url));

function startWriter(
  dir: string,
  first: number,
): { child: ChildProcess; acked: number[]; ready: Promise<void> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', writer, dir, String(first), String(batchesPerChild)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const acked: number[] = [];
  let buffered = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('writer did not start')), childStartTimeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'READY') {
          clearTimeout(timer);
          resolve();
        } else if (line.startsWith('ACK ')) acked.push(Number(line.slice(4)));
      }
    });
    child.on('exit', () => reject(new Error('writer exited before READY')));
  });
  return { child, acked, ready };
}

describe('kill -9', () => {
  it(`keeps every acknowledged batch across ${kills} SIGKILLs`, async () => {
    const seed = seedFromEnv();
    console.log(`kill -9 seed ${seed} (replay: OMENDB_SEED=${seed})`);
    const prng = createPrng(seed);
    const dir = await mkdtemp(`${tmpdir()}/omendb-kill-`);
    const acknowledged: number[] = [];
    try {
      for (let kill = 0; kill < kills; kill++) {
        const first = kill * batchesPerChild;
        const { child, acked, ready } = startWriter(dir, first);
        await ready;
        await new Promise((resolve) => setTimeout(resolve, 20 + prng.int(300)));
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        acknowledged.push(...acked);
        const engine = await openEngine({ dir, logger: silentLogger, autoMaintenance: false });
        // Every acknowledged batch is there, whole.
        for (const batch of acked) {
          const page = await engine.range(
            'kill',
            BigInt(batch * killBatchPoints),
            BigInt((batch + 1) * killBatchPoints - 1),
          );
          expect(page.points.length, `batch ${batch} after kill ${kill}`).toBe(killBatchPoints);
          expect(page.points.every(([, v]) => v === batch)).toBe(true);
        }
        // No batch is there in part (a batch is atomic across a crash).
        const all = await engine.range('kill', BigInt(first * killBatchPoints), undefined, {
          limit: 1_000_000,
        });
        const perBatch = new Map<number, number>();
        for (const [key] of all.points) {
          const batch = Number(key / BigInt(killBatchPoints));
          perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
        }
        for (const [batch, count] of perBatch) expect(count, `batch ${batch} partial`).toBe(killBatchPoints);
        console.log(
          `kill ${kill}: ${acked.length} acknowledged, ${perBatch.size} present, replayed ${engine.stats().recovery.replayedRecords} WAL records`,
        );
        await engine.close();
      }
      expect(acknowledged.length).toBeGreaterThan(kills);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
