import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine.ts';
import { memtableGrowInPlacePointsMin } from '../../src/limits.ts';
import {
  inThreadSegmentJobs,
  type SegmentJobExecutor,
  type SegmentJobRunner,
  splitSegmentJobs,
} from '../../src/storage/segment-job-runner.ts';
import { type FlushJob, runSegmentJob, type SegmentJob } from '../../src/storage/segment-jobs.ts';
import { SegmentWorkerClient } from '../../src/storage/segment-worker-client.ts';

/** A big series lives on growable shared columns; a small one on plain arrays. */
const bigPoints = memtableGrowInPlacePointsMin + 34_464;
const smallPoints = 100;
const inThreadMax = 16_384;
const keyOf = (i: number): bigint => 1_700_000_000_000n + BigInt(i) * 1000n;

/** Large jobs run on this thread, but are handed over as to the worker (inThread false): recorded. */
class RecordingJobs implements SegmentJobRunner {
  readonly flushes: FlushJob[] = [];
  private readonly large: SegmentJobExecutor = {
    inThread: false,
    run: (job: SegmentJob) => {
      if (job.kind === 'flush') this.flushes.push(job);
      return runSegmentJob(job);
    },
    runModels: () => new Promise(() => undefined),
  };

  executorFor(points: number): SegmentJobExecutor {
    return points <= inThreadMax ? inThreadSegmentJobs : this.large;
  }

  async close(): Promise<void> {}
}

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-flush-shared-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `count` points in batches; every third batch goes in after the next one (an unsorted tail). */
async function writeSeries(engine: Engine, series: string, count: number): Promise<void> {
  const batch = 5_000;
  const starts: number[] = [];
  for (let from = 0; from < count; from += batch) starts.push(from);
  for (let i = 0; i + 1 < starts.length; i += 3) [starts[i], starts[i + 1]] = [starts[i + 1]!, starts[i]!];
  for (const from of starts) {
    const points: [bigint, number][] = [];
    for (let i = from; i < Math.min(count, from + batch); i++) points.push([keyOf(i), i / 4]);
    await engine.write(series, points);
  }
}

async function expectExact(engine: Engine, series: string, count: number): Promise<void> {
  for (const i of [0, 1, 4_999, 5_000, Math.floor(count / 2), count - 1].filter((i) => i < count))
    expect(await engine.get(series, keyOf(i))).toBe(i / 4);
  expect(await engine.get(series, keyOf(count))).toBeUndefined();
  const page = await engine.range(series, undefined, undefined, { limit: count + 1 });
  expect(page.points.length).toBe(count);
  let mismatches = 0;
  for (let i = 0; i < count; i++) {
    const [key, value] = page.points[i]!;
    if (key !== keyOf(i) || value !== i / 4) mismatches++;
  }
  expect(mismatches).toBe(0);
}

describe('a flush for the segment worker', () => {
  it('hands a big series over on its shared memory, uncopied, and copies only small ones', async () => {
    const jobs = new RecordingJobs();
    const engine = await openEngine({ dir, autoMaintenance: false }, { segmentJobs: jobs });
    try {
      await writeSeries(engine, 'big', bigPoints);
      await writeSeries(engine, 'small', smallPoints);
      await engine.checkpoint();
      const [flush] = jobs.flushes;
      const big = flush!.series.find((s) => s.name === 'big')!;
      const small = flush!.series.find((s) => s.name === 'small')!;
      expect(big.keys.length).toBe(bigPoints);
      expect(big.keys.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(big.values.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(small.keys.buffer).toBeInstanceOf(ArrayBuffer);
      await expectExact(engine, 'big', bigPoints);
      await expectExact(engine, 'small', smallPoints);
    } finally {
      await engine.close();
    }
  });

  it('builds the same segment in the real worker thread, the frozen memtable readable meanwhile', async () => {
    const engine = await openEngine(
      { dir, autoMaintenance: false },
      { segmentJobs: splitSegmentJobs(new SegmentWorkerClient(), inThreadMax) },
    );
    try {
      await writeSeries(engine, 'big', bigPoints);
      const flushing = engine.checkpoint();
      // Reads while the worker sorts and encodes the shared columns: served by the frozen memtable.
      expect(await engine.get('big', keyOf(12_345))).toBe(12_345 / 4);
      await flushing;
      await expectExact(engine, 'big', bigPoints);
      await engine.close();
      const reopened = await openEngine({ dir });
      try {
        await expectExact(reopened, 'big', bigPoints);
      } finally {
        await reopened.close();
      }
    } finally {
      await engine.close().catch(() => undefined);
    }
  });
});
