import { describe, expect, it } from 'vitest';
import type { CheckerResult } from '../../../src/history/checkers/checker-result.ts';
import type { SoakIntervalLine } from '../../../src/scenario-support/soak/interval-log.ts';
import { type SoakVerification, soakVerdicts } from '../../../src/scenario-support/soak/soak-verdicts.ts';
import { intervals, thresholds } from './intervals-fixture.ts';

const passing: CheckerResult = {
  checker: 'set-full',
  counts: { checked: 500, lost: 0, wrongValue: 0, neverWritten: 0 },
  mustBeZero: ['lost', 'wrongValue', 'neverWritten'],
  examples: [],
  pass: true,
};
const verified: SoakVerification = { verified: true, result: passing };
const end = {
  type: 'end' as const,
  durationRunMs: 3_600_000,
  planned: 6_000,
  sent: 6_000,
  completed: 6_000,
  drained: 0,
  abandoned: 0,
  drainMs: 0,
  intervals: 60,
  backlogMax: 0,
  verified: true,
};

function judge(lines: SoakIntervalLine[], verification: SoakVerification | null = verified, finished = true) {
  const { checks, figures } = soakVerdicts(
    finished ? { intervals: lines, end } : { intervals: lines },
    verification ?? undefined,
    thresholds,
  );
  const by = Object.fromEntries(checks.map((c) => [c.name, c]));
  return { checks, figures, by };
}

describe('soakVerdicts', () => {
  it('passes a flat, error-free, verified run, with every figure computed', () => {
    // RSS and heap jitter by a megabyte around a constant: no line explains them.
    const { checks, figures, by } = judge(
      intervals(60, (i) => ({ rssMb: 100 + (i % 2), heapMb: 20 + ((i * 7) % 3) / 3 })),
    );
    expect(checks.filter((c) => !c.pass)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'leak-rss',
      'leak-heap',
      'disk-growth',
      'latency-drift',
      'error-rate',
      'achieved-rate-share',
      'read-mismatches',
      'verification',
      'set-full.lost',
      'set-full.wrongValue',
      'set-full.neverWritten',
    ]);
    expect(figures).toMatchObject({
      partial: false,
      durationRunMs: 3_600_000,
      intervals: 60,
      postWarmupIntervals: 59,
      opsIntended: 6_000,
      opsCompleted: 6_000,
      achievedRateShare: 1,
      errors: 0,
      errorRate: 0,
      backlogMax: 59,
      readMismatches: 0,
      peakRssBytes: 101 * 1024 * 1024,
      openFdsMax: 30,
      eventLoopDelayP99MsMax: 1.5,
      walBytesLast: 1_000,
      dataBytesLast: 2_000,
    });
    expect(figures.achievedRate).toBeCloseTo(100 / 60, 3);
    expect(figures.leak.heapAfterGc).toBe(true);
    expect(figures.drift?.windowIntervals).toBe(12);
    expect(by.verification?.value).toBe('500 keys checked, 0 violations');
  });

  it('keeps write and read latencies apart, and takes the median of the event-loop p99 after warm-up', () => {
    const { figures } = judge(
      intervals(10, (i) => ({
        latencies: [i === 5 ? 400 : 2],
        getLatencies: [1, 1, 1],
        eventLoopMs: i === 0 ? 900 : i === 9 ? null : i,
      })),
    );
    expect(figures.latencyMsByKind.write?.max).toBeCloseTo(400, 0);
    expect(figures.latencyMsByKind.get?.max).toBeCloseTo(1, 2);
    expect(figures.latencyMs.max).toBeCloseTo(400, 0);
    // Post-warm-up intervals 1..8 (9 is unknown): the median of 1..8 is 4.5; the max keeps the warm-up's 900.
    expect(figures.eventLoopDelayP99MsMedian).toBe(4.5);
    expect(figures.eventLoopDelayP99MsMax).toBe(900);
  });

  it('gives the latencies after warm-up apart from the whole run, which keeps the cold start', () => {
    const { figures } = judge(
      intervals(10, (i) => ({ latencies: [i === 0 ? 900 : 2], getLatencies: [i === 0 ? 800 : 1] })),
    );
    expect(figures.latencyMs.max).toBeCloseTo(900, 0);
    expect(figures.latencyMsByKind.get?.max).toBeCloseTo(800, 0);
    expect(figures.latencyMsAfterWarmup?.max).toBeCloseTo(2, 2);
    expect(figures.latencyMsByKindAfterWarmup.write?.max).toBeCloseTo(2, 2);
    expect(figures.latencyMsByKindAfterWarmup.get?.max).toBeCloseTo(1, 2);
    expect(judge([]).figures.latencyMsAfterWarmup).toBeNull();
  });

  it('fails the leak verdict on RSS growing steadily after warm-up, with its slope in MB/h and R²', () => {
    // 1 MB a minute is 60 MB/h; the warm-up interval (a big jump) is left out.
    const { by, figures } = judge(intervals(60, (i) => ({ rssMb: i === 0 ? 500 : 100 + i })));
    expect(figures.leak.rss).toEqual({ slopeMbPerHour: 60, r2: 1, samples: 59 });
    expect(by['leak-rss']).toMatchObject({ pass: false, value: 60 });
    expect(by['leak-heap']?.pass).toBe(true);
  });

  it('fails the disk verdict on a WAL that only grows, passes one that checkpoints, and has none without files', () => {
    // What the first 30-minute HTTP soak recorded: 7.65 MB more WAL every minute (459 MB/h).
    const growing = judge(intervals(60, (i) => ({ walMb: 7.65 * i })));
    expect(growing.figures.disk).toMatchObject({ r2: 1, samples: 59 });
    expect(growing.figures.disk?.slopeMbPerHour).toBeCloseTo(459, 0);
    expect(growing.by['disk-growth']).toMatchObject({ pass: false });
    // A WAL checkpointed at 64 MB: a sawtooth that levels off.
    const bounded = judge(intervals(60, (i) => ({ walMb: (7.65 * i) % 64 })));
    expect(bounded.by['disk-growth']?.pass).toBe(true);
    const unmeasured = judge(intervals(60, () => ({ walMb: null })));
    expect(unmeasured.figures.disk).toBeNull();
    expect(unmeasured.checks.map((c) => c.name)).not.toContain('disk-growth');
  });

  it('fails on heap growth too, but not on a steep sawtooth no line explains', () => {
    const heap = judge(intervals(60, (i) => ({ heapMb: 20 + i / 2 })));
    expect(by(heap, 'leak-heap')).toMatchObject({ pass: false, value: 30 });
    const sawtooth = judge(intervals(60, (i) => ({ rssMb: 100 + (i % 10) * 20 })));
    expect(sawtooth.figures.leak.rss?.slopeMbPerHour).toBeGreaterThan(20);
    expect(sawtooth.figures.leak.rss?.r2).toBeLessThan(0.5);
    expect(by(sawtooth, 'leak-rss')?.pass).toBe(true);
  });

  it('says no evidence, and fails, with fewer than 3 samples after warm-up', () => {
    const { by: checks, figures } = judge(intervals(3));
    expect(figures.postWarmupIntervals).toBe(2);
    expect(checks['leak-rss']).toMatchObject({
      pass: false,
      value: 'no evidence: 2 intervals after warm-up with a sample',
    });
    const unmeasured = judge(intervals(10, () => ({ heapMb: null })));
    expect(by(unmeasured, 'leak-heap')?.pass).toBe(false);
    expect(by(unmeasured, 'leak-rss')?.pass).toBe(true);
    const none = judge(intervals(1));
    expect(by(none, 'latency-drift')).toMatchObject({
      pass: false,
      value: 'no evidence: 0 intervals after warm-up',
    });
  });

  it('fails the drift verdict when the late p99 is more than driftMax times the early one', () => {
    const growing = (i: number) => ({
      latencies: Array.from({ length: 100 }, (_, k) => (k < 98 ? 1 : 10 + i)),
    });
    const { figures, by: checks } = judge(intervals(61, growing));
    // Windows of 12 intervals of 100 latencies, 2 slow ones each (10 + i ms): the p99 of a window
    // is its 12th slowest, 16 ms over intervals 1-12 and 64 ms over intervals 49-60.
    expect(figures.drift?.windowIntervals).toBe(12);
    expect(figures.drift?.earlyP99Ms).toBeCloseTo(16, 1);
    expect(figures.drift?.lateP99Ms).toBeCloseTo(64, 1);
    expect(checks['latency-drift']).toMatchObject({ pass: false });
    expect(checks['latency-drift']?.value).toBeCloseTo(4, 2);
  });

  it('floors sub-millisecond p99s, so jitter below a millisecond is not drift', () => {
    const { figures, by: checks } = judge(intervals(20, (i) => ({ latencies: [i < 10 ? 0.01 : 0.9] })));
    expect(figures.drift?.ratio).toBe(1);
    expect(checks['latency-drift']?.pass).toBe(true);
  });

  it('fails on errors, a missed rate and read mismatches', () => {
    const { by: checks, figures } = judge(
      intervals(10, (i) => ({
        errors: i === 5 ? 2 : 0,
        intended: 120,
        completed: 100,
        readMismatches: i === 7 ? 1 : 0,
      })),
    );
    expect(figures.errorsByCode).toEqual({ OMENDB_ERR_WAL_IO: 2 });
    expect(checks['error-rate']).toMatchObject({ pass: false, value: 0.002 });
    expect(checks['achieved-rate-share']).toMatchObject({ pass: false, value: 0.833333 });
    expect(checks['read-mismatches']).toMatchObject({ pass: false, value: 1 });
    const idle = judge(intervals(5, () => ({ latencies: [], intended: 0 })));
    expect(by(idle, 'error-rate')?.value).toBe('no evidence: no completed operation');
    expect(by(idle, 'achieved-rate-share')?.value).toBe('no evidence: no operation intended');
  });

  it('fails verification when it is missing, was given up, or found violations', () => {
    const partial = judge(intervals(10), null, false);
    expect(partial.figures.partial).toBe(true);
    expect(by(partial, 'verification')).toMatchObject({
      pass: false,
      value: 'not verified: run ended early',
    });
    expect(by(partial, 'leak-rss')?.pass).toBe(true);
    const missing = judge(intervals(10), null, true);
    expect(by(missing, 'verification')?.value).toBe('not verified: no verification result');
    const given = judge(intervals(10), { verified: false, reason: 'the history outgrew it' });
    expect(by(given, 'verification')?.value).toBe('not verified: the history outgrew it');
    const lost = judge(intervals(10), {
      verified: true,
      result: { ...passing, counts: { ...passing.counts, lost: 3 }, pass: false },
    });
    expect(by(lost, 'verification')).toMatchObject({ pass: false, value: '500 keys checked, 3 violations' });
    expect(by(lost, 'set-full.lost')).toMatchObject({ pass: false, value: 3 });
  });

  it('covers an empty interval list without inventing figures', () => {
    const { figures } = judge([], null, false);
    expect(figures).toMatchObject({
      durationRunMs: 0,
      intervals: 0,
      peakRssBytes: null,
      lastRssBytes: null,
      drift: null,
    });
  });
});

function by(judged: { by: Record<string, { pass: boolean; value: unknown }> }, name: string) {
  return judged.by[name];
}
