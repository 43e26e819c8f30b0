import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { segmentJobInThreadPointsMax } from '../src/limits.ts';
import { openEngine } from '../src/engine.ts';
import { silentLogger } from '../src/storage/logger.ts';
import type { EngineOptions } from '../src/storage/options.ts';
import type { SegmentJobExecutor, SegmentJobRunner } from '../src/storage/segment-job-runner.ts';
import { SegmentWorkerClient } from '../src/storage/segment-worker-client.ts';
import { engineFingerprint } from '../src/testing/map-model.ts';
import { codeOf } from './support/codes.ts';

/** Flushes and compactions through the segment worker thread, on the real file system. */
let dir: string;
const options = (extra: Partial<EngineOptions> = {}): EngineOptions => ({
  dir,
  logger: silentLogger,
  autoMaintenance: false,
  ...extra,
});

beforeEach(async () => {
  dir = await mkdtemp(`${tmpdir()}/omendb-segment-jobs-`);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The worker, with every job held until `release()`: a flush or compaction as slow as a test wants. */
function gatedWorker(): SegmentJobExecutor &
  SegmentJobRunner & { started: Promise<void>; release: () => void } {
  const inner = new SegmentWorkerClient();
  let release = (): void => undefined;
  let started = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const startedPromise = new Promise<void>((resolve) => {
    started = resolve;
  });
  const executor = {
    inThread: false,
    started: startedPromise,
    release,
    run: async (job: Parameters<SegmentJobExecutor['run']>[0]) => {
      started();
      await gate;
      return inner.run(job);
    },
    executorFor: () => executor,
    close: () => inner.close(),
  };
  return executor;
}

const descending = (from: number, count: number): [number, number][] =>
  Array.from({ length: count }, (_, i) => [from - i, (from - i) / 4]);

describe('engine with the segment worker', () => {
  it('keeps reads and writes correct while a flush job is out, then publishes the segment', async () => {
    const jobs = gatedWorker();
    const engine = await openEngine(options(), { segmentJobs: jobs });
    // Descending keys leave an unsorted tail: reads sort the frozen memtable here while the worker sorts its copy.
    await engine.write('s', descending(2000, 2000));
    await engine.deleteRange('s', 100, 199);
    await engine.write('gone', [[1, 1]]);
    await engine.dropSeries('gone');
    const before = await engineFingerprint(engine);
    const checkpoint = engine.checkpoint();
    await jobs.started;
    expect(engine.stats().segments).toBe(0);
    expect(engine.stats().memtablePoints).toBe(1900);
    expect(await engine.get('s', 1500)).toBe(375);
    expect(await engine.get('s', 150)).toBeUndefined();
    expect((await engine.range('s', 95, 205)).points.length).toBe(11);
    expect(await engineFingerprint(engine)).toBe(before);
    // Writes go on into the new memtable and shadow the frozen one.
    await engine.write('s', [[1500, -1]]);
    expect(await engine.get('s', 1500)).toBe(-1);
    jobs.release();
    await checkpoint;
    expect(engine.stats().segments).toBe(1);
    expect(engine.stats().index.kind).toBe('rmi');
    expect(engine.stats().index.keys).toBe(1900);
    expect(await engine.get('s', 1500)).toBe(-1);
    expect(await engine.get('s', 1499)).toBe(1499 / 4);
    const after = await engineFingerprint(engine);
    await engine.close();
    const reopened = await openEngine(options());
    expect(await engineFingerprint(reopened)).toBe(after);
    await reopened.close();
  });

  it.each(['rmi', 'binary'] as const)(
    'compacts in the worker from the segment files, with %s indexes, and keeps the view',
    async (index) => {
      const worker = new SegmentWorkerClient();
      const engine = await openEngine(options({ index }), { segmentJobs: worker });
      for (let round = 0; round < 4; round++) {
        await engine.write('a', descending(1000 * (round + 1), 1000));
        await engine.write('b', [[round, round]]);
        if (round === 2) await engine.deleteRange('a', 500, 1500);
        await engine.checkpoint();
      }
      const before = await engineFingerprint(engine);
      expect(engine.stats().segments).toBe(4);
      await engine.compact();
      expect(engine.stats().segments).toBe(1);
      expect(engine.stats().compactions).toBe(1);
      expect(engine.stats().index.kind).toBe(index);
      expect(await engineFingerprint(engine)).toBe(before);
      expect(await engine.get('a', 1000)).toBeUndefined();
      expect(await engine.get('a', 3001)).toBe(3001 / 4);
      await engine.close();
      const reopened = await openEngine(options({ index }));
      expect(await engineFingerprint(reopened)).toBe(before);
      await reopened.close();
    },
  );

  it('fails the engine with OMENDB_ERR_SEGMENT_WORKER_FAILED when the worker dies, and recovers it all on reopen', async () => {
    const crashing = new SegmentWorkerClient(
      new URL('./storage/fixtures/exiting-segment-worker.js', import.meta.url),
    );
    const engine = await openEngine(options(), { segmentJobs: crashing });
    await engine.write('s', descending(100, 100));
    expect(await codeOf(engine.checkpoint())).toBe('OMENDB_ERR_SEGMENT_WORKER_FAILED');
    expect(engine.stats().failed).toBe('OMENDB_ERR_SEGMENT_WORKER_FAILED');
    expect(await codeOf(engine.write('s', [[1000, 1]]))).toBe('OMENDB_ERR_ENGINE_FAILED');
    // Reads keep working: the frozen memtable was never dropped.
    expect(await engine.get('s', 50)).toBe(12.5);
    await engine.close();
    const reopened = await openEngine(options());
    expect((await reopened.range('s')).points.length).toBe(100);
    await reopened.close();
  });

  it('fails a compaction whose input file changed on disk, rather than merge unchecked bytes', async () => {
    const worker = new SegmentWorkerClient();
    const engine = await openEngine(options(), { segmentJobs: worker });
    for (let round = 0; round < 2; round++) {
      await engine.write('a', descending(100 * (round + 1), 100));
      await engine.checkpoint();
    }
    const [first] = (await readdir(`${dir}/segments`)).sort();
    const path = `${dir}/segments/${first}`;
    const bytes = await readFile(path);
    bytes[bytes.length >> 1]! ^= 0xff;
    await writeFile(path, bytes);
    expect(await codeOf(engine.compact())).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    expect(engine.stats().failed).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
    await engine.close();
  });

  it('by default sends a flush of more than segmentJobInThreadPointsMax points to the worker', async () => {
    const toWorker = vi.spyOn(SegmentWorkerClient.prototype, 'run');
    const engine = await openEngine(options());
    const points = segmentJobInThreadPointsMax + 1;
    const keys = BigInt64Array.from({ length: points }, (_, i) => BigInt(points - i));
    const values = Float64Array.from({ length: points }, (_, i) => i);
    await engine.writeColumns('big', keys, values);
    await engine.write('small', [[1, 1]]);
    await engine.checkpoint();
    // The big flush went to the worker thread; the one-point flush below stays in-thread.
    expect(toWorker).toHaveBeenCalledTimes(1);
    expect(engine.stats().segmentPoints).toBe(points + 1);
    expect(await engine.get('big', 1)).toBe(points - 1);
    await engine.write('small', [[2, 2]]);
    await engine.checkpoint();
    expect(toWorker).toHaveBeenCalledTimes(1);
    toWorker.mockRestore();
    expect(engine.stats().segments).toBe(2);
    await engine.close();
    const reopened = await openEngine(options());
    expect(await reopened.get('big', BigInt(points))).toBe(0);
    expect((await reopened.range('small')).points).toEqual([
      [1n, 1],
      [2n, 2],
    ]);
    await reopened.close();
  });
});
