import { describe, expect, it } from 'vitest';
import { soakOpsMax } from '../../../src/limits.ts';
import { ManualClock, realClock } from '../../../src/runner/clock.ts';
import type { Clock } from '../../../src/runner/scenario.ts';
import {
  type LoopIntervalCounts,
  type OpenLoopOptions,
  runOpenLoop,
} from '../../../src/scenario-support/soak/open-loop.ts';

function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.99) - 1] ?? 0;
}

interface Recorded {
  latencies: number[];
  intervals: LoopIntervalCounts[];
  drained: number;
}

function loop(
  clock: Clock,
  dispatch: (index: number) => Promise<number>,
  options: Partial<OpenLoopOptions<number>> = {},
) {
  const recorded: Recorded = { latencies: [], intervals: [], drained: 0 };
  const run = runOpenLoop<number>({
    clock,
    ratePerSecond: 100,
    durationMs: 10_000,
    intervalMs: 1_000,
    inFlightMax: 8,
    dispatch,
    completed: (_index, latencyMs, draining) => {
      recorded.latencies.push(latencyMs);
      if (draining) recorded.drained++;
    },
    intervalEnded: (counts) => recorded.intervals.push(counts),
    ...options,
  });
  return { run, recorded };
}

describe('runOpenLoop on the injected clock', () => {
  it('sends every operation at its intended time: rate x duration operations, no backlog', async () => {
    const clock = new ManualClock(1_000_000);
    const sentAt: number[] = [];
    const { run, recorded } = loop(clock, async (i) => {
      sentAt.push(clock.now());
      return i;
    });
    const summary = await run;
    expect(summary).toMatchObject({
      planned: 1_000,
      sent: 1_000,
      completed: 1_000,
      drained: 0,
      abandoned: 0,
    });
    expect(summary.backlogMax).toBe(0);
    // Operation i goes out at start + 10 ms x i, on the dot.
    expect(sentAt[0]).toBe(1_000_000);
    expect(sentAt[500]).toBeCloseTo(1_005_000, 6);
    expect(recorded.intervals).toHaveLength(10);
    for (const [k, counts] of recorded.intervals.entries())
      expect(counts).toMatchObject({
        index: k,
        tStartMs: k * 1_000,
        tEndMs: (k + 1) * 1_000,
        intended: 100,
        sent: 100,
        completed: 100,
        backlog: 0,
        inFlight: 0,
      });
    expect(Math.max(...recorded.latencies)).toBe(0);
  });

  it('measures latency from the intended time: a 1 s stall shows in the p99, and as backlog', async () => {
    const clock = new ManualClock();
    const sendTimes = new Map<number, number>();
    const serviceTimes: number[] = [];
    const { run, recorded } = loop(
      clock,
      async (i) => {
        const sent = clock.now();
        sendTimes.set(i, sent);
        // One operation at t = 3 s stalls the engine for a second; all others are instant.
        if (i === 300) await clock.sleep(1_000);
        serviceTimes.push(clock.now() - sent);
        return i;
      },
      { inFlightMax: 1 },
    );
    const summary = await run;
    const openLoopP99 = p99(recorded.latencies);
    const closedLoopP99 = p99(serviceTimes);
    console.log(
      `stall of 1 s: open-loop p99 ${openLoopP99.toFixed(1)} ms, send-to-completion p99 ${closedLoopP99.toFixed(1)} ms, backlog max ${summary.backlogMax}`,
    );
    // The 100 operations due during the stall waited behind it: 1% of 1,000 is inside the p99.
    expect(openLoopP99).toBeGreaterThan(850);
    expect(openLoopP99).toBeLessThanOrEqual(1_000);
    // Timed from their actual send, they look instant: the stall would be hidden.
    expect(closedLoopP99).toBe(0);
    expect(summary.backlogMax).toBeGreaterThanOrEqual(99);
    expect(recorded.intervals[3]?.backlogMax).toBeGreaterThanOrEqual(99);
    // Nothing was dropped and the rate was not lowered: every intended operation was sent.
    expect(summary.sent).toBe(1_000);
    expect(summary.completed).toBe(1_000);
  });

  it('reports the backlog at an interval end while the engine is stuck, and catches up after', async () => {
    // On the injected clock a stall moves time at once: the loop sees its end already past.
    const clock = new ManualClock();
    const { run, recorded } = loop(
      clock,
      async (i) => {
        if (i === 100) await clock.sleep(2_500);
        return i;
      },
      { inFlightMax: 1, durationMs: 5_000 },
    );
    await run;
    // Stuck from t = 1 s to 3.5 s: at the end of interval 1 and 2 everything due is backlog.
    expect(recorded.intervals[1]?.backlog).toBeGreaterThanOrEqual(99);
    expect(recorded.intervals[1]?.intended).toBe(100);
    expect(recorded.intervals.reduce((n, c) => n + c.sent, 0)).toBe(500);
    expect(recorded.intervals.at(-1)?.backlog).toBe(0);
  });

  it('ends a last, shorter interval at the duration', async () => {
    const clock = new ManualClock();
    const { run, recorded } = loop(clock, async (i) => i, { durationMs: 2_500 });
    const summary = await run;
    expect(summary.intervals).toBe(3);
    expect(recorded.intervals.map((c) => [c.tStartMs, c.tEndMs, c.intended])).toEqual([
      [0, 1_000, 100],
      [1_000, 2_000, 100],
      [2_000, 2_500, 50],
    ]);
  });

  it('drains what is in flight at the end, and abandons what outlives the drain', async () => {
    const clock = new ManualClock();
    const gate = () => {
      let open: () => void = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      return { opened, open };
    };
    const lastInterval = gate();
    const never = gate();
    const { run, recorded } = loop(
      clock,
      async (i) => {
        if (i === 998) await lastInterval.opened; // answers once the duration is over: drained
        if (i === 999) await never.opened; // answers after the drain gave up: abandoned
        return i;
      },
      {
        drainMsMax: 200,
        intervalEnded: (counts) => {
          recorded.intervals.push(counts);
          if (counts.index === 9) lastInterval.open();
        },
      },
    );
    const summary = await run;
    expect(summary).toMatchObject({ sent: 1_000, completed: 998, drained: 1, abandoned: 1 });
    expect(summary.drainMs).toBeGreaterThanOrEqual(200);
    expect(recorded.intervals[9]?.inFlight).toBe(2);
    const counted = recorded.latencies.length;
    never.open();
    await never.opened;
    await clock.sleep(0);
    // A late answer after the drain is not counted anywhere.
    expect(recorded.latencies).toHaveLength(counted);
    expect(recorded.drained).toBe(1);
  });

  it('stops early when asked, and fails when an operation rejects', async () => {
    const clock = new ManualClock();
    let stop = false;
    const stopped = loop(
      clock,
      async (i) => {
        if (i === 50) stop = true;
        return i;
      },
      { stop: () => stop },
    );
    const summary = await stopped.run;
    expect(summary.sent).toBeLessThan(60);
    const failing = loop(new ManualClock(), async (i) => {
      if (i === 20) throw new Error('boom');
      return i;
    });
    await expect(failing.run).rejects.toThrow('boom');
  });

  it('refuses a plan it cannot run', () => {
    const clock = new ManualClock();
    const bad = (options: Partial<OpenLoopOptions<number>>) => () => loop(clock, async (i) => i, options);
    expect(bad({ ratePerSecond: 0 })).toThrow(/invariant violated/);
    expect(bad({ durationMs: 0 })).toThrow(/invariant violated/);
    expect(bad({ intervalMs: Number.NaN })).toThrow(/invariant violated/);
    expect(bad({ inFlightMax: 0 })).toThrow(/invariant violated/);
    expect(bad({ ratePerSecond: 10_000, durationMs: ((soakOpsMax + 10_000) / 10_000) * 1000 })).toThrow(
      /operations planned/,
    );
  });
});

describe('runOpenLoop on the real clock', () => {
  it('holds the target rate for the duration', async () => {
    const started = performance.now();
    const { run, recorded } = loop(
      realClock,
      (i) => new Promise((resolve) => setTimeout(() => resolve(i), 2)),
      {
        ratePerSecond: 200,
        durationMs: 1_000,
        intervalMs: 500,
      },
    );
    const summary = await run;
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `real clock: ${summary.sent} sent in ${seconds.toFixed(2)} s, p99 ${p99(recorded.latencies).toFixed(1)} ms`,
    );
    expect(summary.planned).toBe(200);
    expect(summary.sent).toBe(200);
    expect(summary.completed + summary.drained).toBe(200);
    expect(recorded.intervals).toHaveLength(2);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThan(3);
  });
});
