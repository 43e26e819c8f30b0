import { servedSegmentJobs } from '../support/served-segment-jobs.ts';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { splitSegmentJobs, inThreadSegmentJobs } from '../../src/storage/segment-job-runner.ts';
import { type BuiltSegment, type FlushJob, runSegmentJob } from '../../src/storage/segment-jobs.ts';
import { SegmentWorkerClient } from '../../src/storage/segment-worker-client.ts';
import { segmentWorkerMarker } from '../../src/storage/segment-worker-protocol.ts';
import { buildKeyIndexModel } from '../../src/index/index-factories.ts';
import { runIndexModelJob } from '../../src/storage/index-model-job.ts';
import { codeOf } from '../support/codes.ts';
import { writeModelFixture } from './model-fixture.ts';

const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);

function flushJob(points: number, seriesCount = 3): FlushJob {
  const series = [];
  for (let s = seriesCount - 1; s >= 0; s--) {
    // Keys arrive descending: all but the first land in the unsorted tail, so the job must sort.
    const keys = BigInt64Array.from({ length: points }, (_, i) => BigInt((points - i) * 7 + s));
    const values = Float64Array.from({ length: points }, (_, i) => i / 3 + s);
    series.push({ name: `series-${s}`, keys, values, sortedCount: 1, tombstones: [], dropped: false });
  }
  return { kind: 'flush', file: 'seg-1.arrow', index: 'rmi', series };
}

/** A structured clone of the job: what the worker gets (the client transfers, so detaches, the original). */
function copyOf(job: FlushJob): FlushJob {
  return structuredClone(job);
}

describe('segment worker client', () => {
  it('builds in the worker exactly what the job builds on this thread, with working indexes', async () => {
    const client = new SegmentWorkerClient();
    try {
      const job = flushJob(5000);
      const local = await runSegmentJob(copyOf(job));
      const remote = await client.run(job);
      // Transferred, not copied: the job's arrays are detached from this thread.
      expect(job.series[0]!.keys.length).toBe(0);
      expect(remote).toBeDefined();
      expect(Buffer.from(remote!.bytes).equals(Buffer.from(local!.bytes))).toBe(true);
      expect(remote!.crc32).toBe(local!.crc32);
      expect(remote!.points).toBe(15_000);
      expect(remote!.series.map((s) => s.name)).toEqual(['series-0', 'series-1', 'series-2']);
      expect(remote!.series[1]!.keys).toEqual(local!.series[1]!.keys);
      expect(remote!.models).toEqual(local!.models);
      expect(client.jobsOut).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('keeps a registry code across the thread boundary, and plain errors as errors', async () => {
    const client = new SegmentWorkerClient();
    try {
      const corrupt = await codeOf(
        client.run({
          kind: 'compact',
          file: 'seg-9.arrow',
          index: 'binary',
          inputs: [
            {
              kind: 'bytes',
              bytes: new Uint8Array(64),
              expected: { file: 'seg-1.arrow', bytes: 64, crc32: 1 },
            },
          ],
        }),
      );
      expect(corrupt).toBe('OMENDB_ERR_SEGMENT_CORRUPT');
      const bad = flushJob(10, 1);
      (bad.series[0]!.values as Float64Array)[3] = Number.NaN;
      expect(await codeOf(client.run(bad))).toMatch(/^non-registry error: Error: OmenDB invariant violated/);
      // The worker survives a failed job.
      expect((await client.run(flushJob(10, 1)))?.points).toBe(10);
    } finally {
      await client.close();
    }
  });

  it('never has more jobs out than its bound; later jobs wait for a slot', async () => {
    const client = new SegmentWorkerClient(undefined, 1);
    try {
      let most = 0;
      const jobs = [1, 2, 3, 4].map(async () => {
        const result = client.run(flushJob(20_000, 1));
        most = Math.max(most, client.jobsOut);
        return result;
      });
      const observe = setInterval(() => {
        most = Math.max(most, client.jobsOut);
      }, 1);
      const results = await Promise.all(jobs);
      clearInterval(observe);
      expect(results.map((r) => r?.points)).toEqual([20_000, 20_000, 20_000, 20_000]);
      expect(most).toBe(1);
    } finally {
      await client.close();
    }
  });

  it.each([
    ['exits', 'exiting-segment-worker.js'],
    ['throws', 'throwing-segment-worker.js'],
    ['cannot start', 'no-such-segment-worker.js'],
  ])(
    'fails the job with OMENDB_ERR_SEGMENT_WORKER_FAILED when the worker %s, and starts a new one next time',
    async (_what, file) => {
      const client = new SegmentWorkerClient(fixture(file));
      try {
        expect(await codeOf(client.run(flushJob(10, 1)))).toBe('OMENDB_ERR_SEGMENT_WORKER_FAILED');
        expect(client.jobsOut).toBe(0);
        expect(await codeOf(client.run(flushJob(10, 1)))).toBe('OMENDB_ERR_SEGMENT_WORKER_FAILED');
      } finally {
        await client.close();
      }
    },
  );

  it("fails only the dead thread's jobs: its late exit does not fail a job on the new thread", async () => {
    const dir = await mkdtemp(`${tmpdir()}/omendb-throw-once-`);
    process.env.OMENDB_TEST_THROW_ONCE_MARKER = `${dir}/marker`;
    const client = new SegmentWorkerClient(fixture('throw-once-segment-worker.js'));
    try {
      expect(await codeOf(client.run(flushJob(10, 1)))).toBe('OMENDB_ERR_SEGMENT_WORKER_FAILED');
      // The first thread's 'exit' arrives some turns after its 'error', while this job is out.
      const result = await client.run(flushJob(20_000, 1));
      expect(result?.points).toBe(20_000);
    } finally {
      await client.close();
      delete process.env.OMENDB_TEST_THROW_ONCE_MARKER;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses jobs once closed', async () => {
    const client = new SegmentWorkerClient();
    await client.close();
    expect(await codeOf(client.run(flushJob(10, 1)))).toBe('OMENDB_ERR_ENGINE_CLOSED');
    expect(() => new SegmentWorkerClient(undefined, 0)).toThrow(/invariant/);
  });

  it('does not keep the process alive once idle (loaded through tsx, as bin/omendb.js runs it)', async () => {
    const script = fileURLToPath(fixture('idle-segment-worker-process.ts'));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      timeout: 30_000,
    });
    expect(stdout.trim()).toBe('built 2');
  });
});

describe('segment worker client: index model jobs', () => {
  it('builds the models of an opened segment in the worker, from its file, after the flushes out', async () => {
    const dir = await mkdtemp(`${tmpdir()}/omendb-worker-models-`);
    const client = new SegmentWorkerClient();
    try {
      const { job, series } = await writeModelFixture(dir);
      const flush = client.run(flushJob(20_000, 2));
      const models = client.runModels(job);
      const again = client.runModels(job);
      // The flush is out; the model jobs wait until no flush or compaction is, then go one at a time.
      expect(client.jobsOut).toBe(1);
      expect(client.segmentJobsOut).toBe(1);
      const order: string[] = [];
      const done = await Promise.all([
        flush.then((r) => {
          order.push('flush');
          return r;
        }),
        models.then((r) => {
          order.push('models');
          return r;
        }),
        again.then((r) => {
          order.push('again');
          return r;
        }),
      ]);
      expect(order).toEqual(['flush', 'models', 'again']);
      const result = done[1];
      expect(result.missing).toBe(false);
      if (result.missing) return;
      expect(result.models).toEqual([
        buildKeyIndexModel('rmi', series[1]!.keys),
        buildKeyIndexModel('rmi', series[0]!.keys),
      ]);
      expect(client.jobsOut).toBe(0);
    } finally {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never has a flush wait for a model job to be posted: model jobs take no flush slot', async () => {
    const dir = await mkdtemp(`${tmpdir()}/omendb-worker-models-`);
    const client = new SegmentWorkerClient(undefined, 1);
    try {
      const { job } = await writeModelFixture(dir);
      const models = client.runModels(job);
      expect(client.jobsOut).toBe(1);
      const flush = client.run(flushJob(10, 1));
      // Posted at once, beside the model job, though the flush bound is 1.
      expect(client.jobsOut).toBe(2);
      expect(client.segmentJobsOut).toBe(1);
      expect((await flush)?.points).toBe(10);
      expect((await models).missing).toBe(false);
    } finally {
      await client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails a waiting model job with OMENDB_ERR_ENGINE_CLOSED on close, and refuses new ones', async () => {
    const dir = await mkdtemp(`${tmpdir()}/omendb-worker-models-`);
    const client = new SegmentWorkerClient();
    try {
      const { job } = await writeModelFixture(dir);
      const flush = codeOf(client.run(flushJob(20_000, 1)));
      const models = codeOf(client.runModels(job));
      await client.close();
      expect(await flush).toBe('OMENDB_ERR_ENGINE_CLOSED');
      expect(await models).toBe('OMENDB_ERR_ENGINE_CLOSED');
      expect(await codeOf(client.runModels(job))).toBe('OMENDB_ERR_ENGINE_CLOSED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('split segment jobs', () => {
  it('runs small jobs on this thread and larger ones on the other executor', async () => {
    const client = new SegmentWorkerClient();
    const split = splitSegmentJobs(client, 100);
    expect(split.executorFor(100)).toBe(inThreadSegmentJobs);
    expect(split.executorFor(101)).toBe(client);
    expect(inThreadSegmentJobs.executorFor(1e9)).toBe(inThreadSegmentJobs);
    await split.close();
    await inThreadSegmentJobs.close();
    expect(await codeOf(client.run(flushJob(1, 1)))).toBe('OMENDB_ERR_ENGINE_CLOSED');
  });
});

describe('segment worker (the thread side, served on a channel here)', () => {
  it('answers jobs in arrival order, results and errors alike, moving result buffers', async () => {
    const { port, replies: repliesOf } = servedSegmentJobs();
    const bad = flushJob(5, 1);
    (bad.series[0]!.values as Float64Array)[0] = Number.POSITIVE_INFINITY;
    port.postMessage({ id: 1, job: flushJob(50_000, 1) });
    port.postMessage({ id: 2, job: bad });
    port.postMessage({ id: 3, job: { kind: 'compact', file: 'f', index: 'rmi', inputs: [] } });
    const replies = await repliesOf(3);
    port.close();
    expect(replies.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(replies[0]!.ok && (replies[0]!.result as BuiltSegment).points).toBe(50_000);
    expect(!replies[1]!.ok && replies[1]!.error.message).toMatch(/non-finite value/);
    expect(replies[2]!.ok && replies[2]!.result).toBeUndefined();
    expect(segmentWorkerMarker).toBe('omendbSegmentWorker');
  });

  it('answers index model jobs with their models moved, and a gone file as missing', async () => {
    const dir = await mkdtemp(`${tmpdir()}/omendb-worker-models-`);
    const { port, replies: repliesOf } = servedSegmentJobs();
    try {
      const { job } = await writeModelFixture(dir);
      port.postMessage({ id: 1, job });
      port.postMessage({ id: 2, job: { ...job, path: `${dir}/gone.arrow` } });
      const replies = await repliesOf(2);
      expect(replies[0]).toEqual({ id: 1, ok: true, result: await runIndexModelJob(job) });
      expect(replies[1]).toEqual({ id: 2, ok: true, result: { missing: true } });
    } finally {
      port.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
