import { servedSegmentJobs } from '../support/served-segment-jobs.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { compactionSliceRowsMax, segmentWorkerNiceLevel } from '../../src/limits.ts';
import type { BuiltSegment, CompactionJob, FlushJob } from '../../src/storage/segment-jobs.ts';
import { SegmentWorkerClient } from '../../src/storage/segment-worker-client.ts';
import { lowerThreadPriority } from '../../src/storage/segment-worker.ts';

/** The nice value of each thread of this process (Linux: field 19 of /proc/self/task/TID/stat). */
function threadNiceValues(): Map<string, number> {
  const nice = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name's closing parenthesis start at field 3 (state).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      nice.set(tid, Number(fields[19 - 3]));
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return nice;
}

function smallFlushJob(): FlushJob {
  const keys = BigInt64Array.from({ length: 1000 }, (_, i) => BigInt(i));
  const values = Float64Array.from({ length: 1000 }, (_, i) => i / 2);
  return {
    kind: 'flush',
    file: 'seg-1.arrow',
    index: 'binary',
    series: [{ name: 's', keys, values, sortedCount: 1000, tombstones: [], dropped: false }],
  };
}

describe('segment worker priority', () => {
  it.runIf(process.platform === 'linux')(
    'runs its thread at segmentWorkerNiceLevel and leaves the calling thread as it was',
    async () => {
      const mainNice = getPriority();
      expect(mainNice).toBeLessThan(segmentWorkerNiceLevel);
      const before = threadNiceValues();
      const client = new SegmentWorkerClient();
      try {
        const built = await client.run(smallFlushJob());
        expect(built?.points).toBe(1000);
        const lowered = [...threadNiceValues()].filter(
          ([tid, nice]) => !before.has(tid) && nice === segmentWorkerNiceLevel,
        );
        expect(lowered.length).toBeGreaterThanOrEqual(1);
        expect(getPriority()).toBe(mainNice);
      } finally {
        await client.close();
      }
    },
  );

  it('does nothing off Linux, where the nice value would be the whole process', () => {
    const mainNice = getPriority();
    expect(lowerThreadPriority('darwin')).toBe(false);
    expect(lowerThreadPriority('win32')).toBe(false);
    expect(getPriority()).toBe(mainNice);
  });
});

/** Two overlapping segments of `points` each: merging them yields several times (compactionSliceRowsMax). */
function compactionJob(points: number): CompactionJob {
  const input = (offset: number) => ({
    kind: 'data' as const,
    series: [
      {
        name: 's',
        keys: BigInt64Array.from({ length: points }, (_, i) => BigInt(2 * i + offset)),
        values: Float64Array.from({ length: points }, (_, i) => i),
        tombstones: [],
        dropped: false,
      },
    ],
  });
  return { kind: 'compact', file: 'seg-9.arrow', index: 'binary', inputs: [input(0), input(1)] };
}

describe('segment worker job order', () => {
  it('answers a flush that arrives during a compaction before the compaction', async () => {
    const { port, replies: repliesOf } = servedSegmentJobs();
    try {
      port.postMessage({ id: 1, job: compactionJob(4 * compactionSliceRowsMax) });
      port.postMessage({ id: 2, job: smallFlushJob() });
      const replies = await repliesOf(2);
      expect(replies.map((reply) => reply.id)).toEqual([2, 1]);
      expect(replies.every((reply) => reply.ok)).toBe(true);
      expect(replies[1]!.ok && (replies[1]!.result as BuiltSegment).points).toBe(8 * compactionSliceRowsMax);
    } finally {
      port.close();
    }
  });
});
