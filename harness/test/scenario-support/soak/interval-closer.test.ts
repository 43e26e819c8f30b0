import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedAdapter } from '../../../src/adapters/embedded/adapter.ts';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { ResourceProbe } from '../../../src/scenario-support/resource-probe.ts';
import { IntervalCloser, progressNote } from '../../../src/scenario-support/soak/interval-closer.ts';
import { IntervalLogWriter, readIntervalLog } from '../../../src/scenario-support/soak/interval-log.ts';
import { IntervalStats } from '../../../src/scenario-support/soak/interval-stats.ts';
import type { LoopIntervalCounts } from '../../../src/scenario-support/soak/open-loop.ts';
import { header, interval } from './intervals-fixture.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-closer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const counts = (index: number): LoopIntervalCounts => ({
  index,
  tStartMs: index * 1_000,
  tEndMs: (index + 1) * 1_000,
  intended: 100,
  sent: 100,
  completed: 90,
  backlog: 10,
  backlogMax: 12,
  inFlight: 3,
});

describe('IntervalCloser', () => {
  it('appends each interval with a resource sample (heap after GC, disk) and reports progress', async () => {
    const adapter = new EmbeddedAdapter();
    await adapter.open();
    const probe = new ResourceProbe(adapter);
    const path = join(dir, 'intervals.jsonl');
    const log = new IntervalLogWriter(path);
    await log.start(header());
    const notes: string[] = [];
    const closer = new IntervalCloser(
      { progress: (_d, _t, note) => notes.push(note ?? '') },
      probe,
      log,
      10_000,
    );
    const stats = new IntervalStats();
    stats.record({ kind: 'write', mismatch: false }, 3);
    closer.ended(counts(0), stats.take());
    closer.ended(counts(1), stats.take());
    await closer.flushed();
    probe.close();
    await adapter.close();
    const { intervals } = await readIntervalLog(path);
    expect(intervals.map((i) => [i.index, i.completed, i.achievedRate, i.backlog, i.inFlight])).toEqual([
      [0, 90, 90, 10, 3],
      [1, 90, 90, 10, 3],
    ]);
    const first = intervals[0]!;
    expect(first.heapAfterGc).toBe(true);
    expect(first.rssBytes).toBeGreaterThan(0);
    expect(first.heapUsedBytes).toBeGreaterThan(0);
    expect(first.walBytes).not.toBeNull();
    expect(first.dataBytes).not.toBeNull();
    expect(first.opsByKind).toEqual({ write: 1 });
    expect(notes[0]).toMatch(
      /^elapsed 1s remaining 9s rate 90\.0\/s p99 3(\.\d+)? ms rss \d+ MB backlog 10$/,
    );
  });

  it('stops the run on a failure to append, and rethrows it', async () => {
    const adapter = new ModelAdapter();
    await adapter.open();
    const probe = new ResourceProbe(adapter);
    const closer = new IntervalCloser(
      { progress: () => {} },
      probe,
      new IntervalLogWriter(join(dir, 'no-such-dir', 'intervals.jsonl')),
      10_000,
    );
    expect(closer.failed).toBe(false);
    closer.ended(counts(0), new IntervalStats().take());
    closer.ended(counts(1), new IntervalStats().take());
    await expect(closer.flushed()).rejects.toThrow(/ENOENT/);
    expect(closer.failed).toBe(true);
    probe.close();
  });

  it('writes n/a for an RSS it could not measure', () => {
    expect(progressNote({ ...interval(0), rssBytes: null }, 120_000)).toMatch(/rss n\/a backlog 0$/);
  });
});
