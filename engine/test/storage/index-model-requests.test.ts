import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../../src/engine.ts';
import { OmenDbError } from '../../src/errors.ts';
import { buildKeyIndexModel } from '../../src/index/index-factories.ts';
import type { EngineLogger } from '../../src/storage/logger.ts';
import {
  type IndexModelJob,
  type IndexModelJobResult,
  runIndexModelJob,
} from '../../src/storage/index-model-job.ts';
import {
  inThreadSegmentJobs,
  type SegmentJobExecutor,
  type SegmentJobRunner,
  splitSegmentJobs,
} from '../../src/storage/segment-job-runner.ts';
import { runSegmentJob } from '../../src/storage/segment-jobs.ts';
import { SegmentWorkerClient } from '../../src/storage/segment-worker-client.ts';

/** Series in the fixture: two large runs (one per segment) and a small one, by points. */
const sizes = { big: 40_000, big2: 20_000, small: 100 } as const;
/** Runs over this many points go to the "worker" (as segmentJobInThreadPointsMax does). */
const inThreadMax = 16_384;

const keyOf = (series: string, i: number): bigint =>
  1_700_000_000_000n + BigInt(i) * 1000n + BigInt((i * 7) % 13) + BigInt(series.length);
const pointValue = (i: number): number => i / 4;

interface HeldJob {
  readonly job: IndexModelJob;
  readonly resolve: (result: IndexModelJobResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A runner whose large jobs run on this thread (flushes and compactions answer at once) but whose
 * model jobs wait until the test settles them: what the segment worker looks like, under control.
 */
class HeldModelJobs implements SegmentJobRunner {
  readonly held: HeldJob[] = [];
  readonly posted: IndexModelJob[] = [];
  private closed = false;
  private readonly large: SegmentJobExecutor = {
    inThread: false,
    run: runSegmentJob,
    runModels: (job) =>
      new Promise((resolve, reject) => {
        if (this.closed) throw new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'closed');
        this.posted.push(job);
        this.held.push({ job, resolve, reject });
      }),
  };

  executorFor(points: number): SegmentJobExecutor {
    return points <= inThreadMax ? inThreadSegmentJobs : this.large;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.held.splice(0))
      job.reject(new OmenDbError('OMENDB_ERR_ENGINE_CLOSED', 'closed with a job out'));
  }

  /** Settles the oldest held job as the worker would: from the file. */
  async answer(): Promise<void> {
    const next = this.held.shift()!;
    next.resolve(await runIndexModelJob(next.job));
    await settled();
  }
}

function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function recordingLogger(): EngineLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, error() {}, warn: (_fields, message) => warnings.push(message) };
}

let dir = '';

/** Segment 1 holds big and small, segment 2 big2. */
async function buildFixture(): Promise<void> {
  const engine = await openEngine({ dir, sync: 'none', autoMaintenance: false });
  try {
    for (const series of ['big', 'small', 'big2'] as const) {
      const n = sizes[series];
      const keys = BigInt64Array.from({ length: n }, (_, i) => keyOf(series, i));
      const values = Float64Array.from({ length: n }, (_, i) => pointValue(i));
      await engine.writeColumns(series, keys, values);
      if (series === 'small') await engine.checkpoint();
    }
    await engine.checkpoint();
  } finally {
    await engine.close();
  }
}

/** Every present key of `series` at a stride, and absent keys beside them, read back exactly. */
async function expectExactReads(engine: Engine, series: keyof typeof sizes): Promise<void> {
  const n = sizes[series];
  for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 200))) {
    expect(await engine.get(series, keyOf(series, i))).toBe(pointValue(i));
    expect(await engine.get(series, keyOf(series, i) + 1n)).toBeUndefined();
  }
  expect(await engine.get(series, keyOf(series, n - 1))).toBe(pointValue(n - 1));
}

const middle = (series: keyof typeof sizes): bigint => keyOf(series, sizes[series] >>> 1);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-model-requests-'));
  await buildFixture();
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('learned indexes of opened segments, built in the segment worker', () => {
  it("does not build a large run's model on the first lookup: binary search until the worker's arrives", async () => {
    const jobs = new HeldModelJobs();
    const engine = await openEngine({ dir, autoMaintenance: false }, { segmentJobs: jobs });
    try {
      const all = sizes.big + sizes.big2 + sizes.small;
      expect(engine.stats().index).toMatchObject({ keys: 0, leaves: 0, pendingKeys: all });
      expect(jobs.posted).toEqual([]);
      expect(await engine.get('big', middle('big'))).toBe(pointValue(sizes.big >>> 1));
      // Asked for, not built: nothing indexed yet, and one job out for big's run alone.
      expect(engine.stats().index).toMatchObject({ keys: 0, leaves: 0, pendingKeys: all });
      expect(jobs.posted.map((job) => job.runs)).toEqual([[0]]);
      expect(jobs.posted[0]!.path).toMatch(/segments[/\\]seg-\d+\.arrow$/);
      await expectExactReads(engine, 'big');
      expect(jobs.posted.length).toBe(1);
      // A small run is built on this thread on its first lookup, as before.
      await expectExactReads(engine, 'small');
      expect(engine.stats().index).toMatchObject({ keys: sizes.small, pendingKeys: sizes.big + sizes.big2 });
      await jobs.answer();
      const stats = engine.stats().index;
      expect(stats).toMatchObject({
        keys: sizes.big + sizes.small,
        pendingKeys: sizes.big2,
        modelFailures: 0,
      });
      expect(stats.leaves).toBeGreaterThan(1);
      await expectExactReads(engine, 'big');
      expect(jobs.posted.length).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it('queues runs asked for while a job is out, one job per segment, one job at a time', async () => {
    const jobs = new HeldModelJobs();
    const engine = await openEngine({ dir, autoMaintenance: false }, { segmentJobs: jobs });
    try {
      await engine.get('big', middle('big'));
      await engine.get('big2', middle('big2'));
      expect(jobs.posted.length).toBe(1);
      await jobs.answer();
      expect(jobs.posted.map((job) => job.runs)).toEqual([[0], [0]]);
      await jobs.answer();
      expect(engine.stats().index).toMatchObject({ pendingKeys: sizes.small, modelFailures: 0 });
      await expectExactReads(engine, 'big2');
    } finally {
      await engine.close();
    }
  });

  it.each([
    ['the job fails', (held: HeldJob) => held.reject(new Error('worker ran out of memory'))],
    [
      'the model does not match the keys',
      (held: HeldJob) =>
        held.resolve({ missing: false, models: [buildKeyIndexModel('rmi', BigInt64Array.of(1n, 2n, 3n))] }),
    ],
    ['the job answers no model for the run', (held: HeldJob) => held.resolve({ missing: false, models: [] })],
  ])('keeps binary search and a healthy engine when %s, counting and logging it', async (_what, settle) => {
    const jobs = new HeldModelJobs();
    const logger = recordingLogger();
    const engine = await openEngine({ dir, autoMaintenance: false, logger }, { segmentJobs: jobs });
    try {
      await engine.get('big', middle('big'));
      settle(jobs.held.shift()!);
      await settled();
      expect(engine.stats().index).toMatchObject({
        modelFailures: 1,
        pendingKeys: sizes.big2 + sizes.small,
        keys: sizes.big,
        leaves: 0,
      });
      expect(logger.warnings).toEqual(['index model job failed; the runs keep binary search']);
      await expectExactReads(engine, 'big');
      // Never asked for again, and the engine still takes writes.
      expect(jobs.posted.length).toBe(1);
      await engine.write('big', [[1n, 5]]);
      await engine.checkpoint();
      expect(engine.stats().failed).toBeNull();
      expect(await engine.get('big', 1n)).toBe(5);
    } finally {
      await engine.close();
    }
  });

  it('closes with a model job out, without waiting for it or logging a failure', async () => {
    const jobs = new HeldModelJobs();
    const logger = recordingLogger();
    const engine = await openEngine({ dir, autoMaintenance: false, logger }, { segmentJobs: jobs });
    await engine.get('big', middle('big'));
    await engine.get('big2', middle('big2'));
    expect(jobs.held.length).toBe(1);
    await engine.close();
    await settled();
    // The queued request for big2 is let go of unasked.
    expect(jobs.posted.length).toBe(1);
    expect(logger.warnings).toEqual([]);
  });

  it('lets go of a segment a compaction dropped while its job was out, and of the ones queued behind it', async () => {
    const jobs = new HeldModelJobs();
    const logger = recordingLogger();
    const engine = await openEngine({ dir, autoMaintenance: false, logger }, { segmentJobs: jobs });
    try {
      await engine.get('big', middle('big'));
      await engine.get('big2', middle('big2'));
      await engine.compact();
      expect(engine.stats().segments).toBe(1);
      // The job reads a file that is gone: no model, nothing wrong.
      await jobs.answer();
      expect(jobs.posted.length).toBe(1);
      // The compacted segment came with its models from the compaction job.
      expect(engine.stats().index).toMatchObject({
        keys: sizes.big + sizes.big2 + sizes.small,
        pendingKeys: 0,
        modelFailures: 0,
      });
      expect(logger.warnings).toEqual([]);
      await expectExactReads(engine, 'big');
      await expectExactReads(engine, 'big2');
    } finally {
      await engine.close();
    }
  });

  it('asks for nothing with binary search, or with a runner that runs every job on this thread', async () => {
    for (const [index, runner] of [
      ['binary', new HeldModelJobs()],
      ['rmi', inThreadSegmentJobs],
    ] as const) {
      const engine = await openEngine({ dir, autoMaintenance: false, index }, { segmentJobs: runner });
      try {
        await expectExactReads(engine, 'big');
        if (runner instanceof HeldModelJobs) expect(runner.posted).toEqual([]);
        expect(engine.stats().index.pendingKeys).toBe(index === 'rmi' ? sizes.big2 + sizes.small : 0);
      } finally {
        await engine.close();
      }
    }
  });
});

describe('learned indexes of opened segments, with the real segment worker', () => {
  it('installs the model built in the worker thread, and closes cleanly with a job out', async () => {
    const engine = await openEngine(
      { dir, autoMaintenance: false },
      { segmentJobs: splitSegmentJobs(new SegmentWorkerClient(), inThreadMax) },
    );
    try {
      await engine.get('big', middle('big'));
      expect(engine.stats().index.pendingKeys).toBe(sizes.big + sizes.big2 + sizes.small);
      const deadline = Date.now() + 30_000;
      while (engine.stats().index.pendingKeys > sizes.big2 + sizes.small && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(engine.stats().index).toMatchObject({ keys: sizes.big, modelFailures: 0 });
      expect(engine.stats().index.leaves).toBeGreaterThan(0);
      await expectExactReads(engine, 'big');
      // Closing while big2's job is out in the thread: close neither waits for it nor leaks it.
      await engine.get('big2', middle('big2'));
    } finally {
      await engine.close();
    }
  });
});
