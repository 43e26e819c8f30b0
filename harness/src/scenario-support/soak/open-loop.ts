import {
  soakBlockedPollMs,
  soakDrainMsMax,
  soakDrainPollMs,
  soakOpsMax,
  soakSettleYields,
} from '../../limits.ts';
import type { Clock } from '../../runner/scenario.ts';

/**
 * An open-loop load generator, safe from coordinated omission: operation i has an intended send
 * time, start + i / rate, fixed before the run; the loop sends every operation whose time has
 * come while fewer than inFlightMax are in flight, and an operation's latency runs from its
 * intended time to its completion. An engine that stalls therefore shows the stall in every
 * operation that waited behind it, not in one. Operations that are due but cannot be sent are
 * the backlog: counted and reported, never dropped, and the rate is never lowered.
 *
 * Time comes only from the injected clock (now and sleep), so a ManualClock runs a day in
 * seconds. The loop ends at the duration, then gives the operations in flight a bounded drain.
 */

export interface LoopIntervalCounts {
  readonly index: number;
  /** Since the loop's start. */
  readonly tStartMs: number;
  readonly tEndMs: number;
  /** Operations whose intended time fell in the interval. */
  readonly intended: number;
  readonly sent: number;
  readonly completed: number;
  /** Operations due at the interval's end and not yet sent. */
  readonly backlog: number;
  /** The largest backlog seen during the interval. */
  readonly backlogMax: number;
  readonly inFlight: number;
}

export interface OpenLoopOptions<T> {
  readonly clock: Clock;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly intervalMs: number;
  readonly inFlightMax: number;
  /** How long operations in flight at the end may take to finish (default soakDrainMsMax). */
  readonly drainMsMax?: number;
  /** Starts operation `index`. It should not reject (count failures in T); a rejection stops the loop. */
  dispatch(index: number): Promise<T>;
  /** One finished operation with its latency from its intended send time; `draining` after the duration. */
  completed(result: T, latencyMs: number, draining: boolean): void;
  /** An interval has ended: called in order, synchronously, as soon as the loop sees its end. */
  intervalEnded(counts: LoopIntervalCounts): void;
  /** Asked at every pass: true ends the run early (the caller's own failure), then the drain runs. */
  stop?(): boolean;
}

export interface OpenLoopSummary {
  /** Operations intended over the duration: ceil(duration x rate). */
  readonly planned: number;
  readonly sent: number;
  /** Completed within the duration. */
  readonly completed: number;
  /** Completed during the drain. */
  readonly drained: number;
  /** Still in flight when the drain gave up: their outcome is unknown. */
  readonly abandoned: number;
  readonly drainMs: number;
  readonly intervals: number;
  readonly backlogMax: number;
}

/**
 * A clock's sleep of less than this is not asked for: on a float clock far from its origin a
 * tiny sleep may not move time at all, and the loop would spin.
 */
const sleepMsMin = 0.001;

/** Interval times to the microsecond: 7000.000000000001 ms is float noise, not information. */
function microseconds(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function runOpenLoop<T>(options: OpenLoopOptions<T>): Promise<OpenLoopSummary> {
  return new OpenLoop(options).run();
}

function invariant(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`OmenDB harness invariant violated: ${message}`);
}

class OpenLoop<T> {
  private readonly planned: number;
  private readonly msPerOp: number;
  private start = 0;
  private inFlight = 0;
  private sent = 0;
  private completedCount = 0;
  private drained = 0;
  private draining = false;
  private closed = false;
  private failed = false;
  private failure: unknown;
  private backlogMax = 0;
  private intervalIndex = 0;
  private intervalSent = 0;
  private intervalCompleted = 0;
  private intervalBacklogMax = 0;
  private readonly intervalCount: number;

  constructor(private readonly options: OpenLoopOptions<T>) {
    const { ratePerSecond, durationMs, intervalMs, inFlightMax } = options;
    invariant(Number.isFinite(ratePerSecond) && ratePerSecond > 0, `rate ${ratePerSecond} is not positive`);
    invariant(Number.isFinite(durationMs) && durationMs > 0, `duration ${durationMs} is not positive`);
    invariant(Number.isFinite(intervalMs) && intervalMs > 0, `interval ${intervalMs} is not positive`);
    invariant(Number.isSafeInteger(inFlightMax) && inFlightMax >= 1, `inFlightMax ${inFlightMax}`);
    this.msPerOp = 1000 / ratePerSecond;
    this.planned = Math.ceil((durationMs * ratePerSecond) / 1000);
    invariant(this.planned <= soakOpsMax, `${this.planned} operations planned, more than ${soakOpsMax}`);
    this.intervalCount = Math.ceil(durationMs / intervalMs);
  }

  async run(): Promise<OpenLoopSummary> {
    const { clock, durationMs } = this.options;
    this.start = clock.now();
    const end = this.start + durationMs;
    let settled = 0;
    // Bounded in time: every pass either sends, ends an interval, yields (at most
    // soakSettleYields passes in a row) or sleeps at least sleepMsMin, until the end.
    for (;;) {
      const now = clock.now();
      while (this.intervalIndex < this.intervalCount && now >= this.boundaryAt(this.intervalIndex))
        this.endInterval();
      if (now >= end || this.failed || this.options.stop?.() === true) break;
      const due = this.dueAt(now);
      while (this.sent < due && this.inFlight < this.options.inFlightMax) this.send();
      const backlog = due - this.sent;
      if (backlog > this.intervalBacklogMax) this.intervalBacklogMax = backlog;
      if (this.inFlight > 0 && settled < soakSettleYields) {
        settled++;
        await clock.sleep(0);
        continue;
      }
      settled = 0;
      const nextEvent = Math.min(this.boundaryAt(this.intervalIndex), end);
      const wait =
        backlog > 0
          ? Math.min(nextEvent - now, soakBlockedPollMs)
          : Math.min(nextEvent, this.sent < this.planned ? this.intendedAt(this.sent) : end) - now;
      await clock.sleep(Math.max(wait, sleepMsMin));
    }
    const drainMs = await this.drain();
    this.closed = true;
    if (this.failed) throw this.failure;
    return {
      planned: this.planned,
      sent: this.sent,
      completed: this.completedCount,
      drained: this.drained,
      abandoned: this.inFlight,
      drainMs,
      intervals: this.intervalIndex,
      backlogMax: this.backlogMax,
    };
  }

  private async drain(): Promise<number> {
    const { clock } = this.options;
    const drainMsMax = this.options.drainMsMax ?? soakDrainMsMax;
    this.draining = true;
    const started = clock.now();
    let settled = 0;
    while (this.inFlight > 0 && !this.failed) {
      if (settled < soakSettleYields) {
        settled++;
        await clock.sleep(0);
        continue;
      }
      const left = drainMsMax - (clock.now() - started);
      if (left <= 0) break;
      await clock.sleep(Math.max(Math.min(left, soakDrainPollMs), sleepMsMin));
    }
    return clock.now() - started;
  }

  private intendedAt(index: number): number {
    return this.start + index * this.msPerOp;
  }

  /** Operations whose intended time is at or before `now`. */
  private dueAt(now: number): number {
    return this.countBefore(now, true);
  }

  /** Operations whose intended time is before t (or at it, when `inclusive`). */
  private countBefore(t: number, inclusive: boolean): number {
    const before = (i: number) => (inclusive ? this.intendedAt(i) <= t : this.intendedAt(i) < t);
    // An estimate from the rate, corrected by the exact test of intendedAt (float rounding).
    let n = Math.min(this.planned, Math.max(0, Math.floor((t - this.start) / this.msPerOp) + 1));
    while (n > 0 && !before(n - 1)) n--;
    while (n < this.planned && before(n)) n++;
    return n;
  }

  private boundaryAt(index: number): number {
    return Math.min(this.start + (index + 1) * this.options.intervalMs, this.start + this.options.durationMs);
  }

  private send(): void {
    const index = this.sent++;
    const intendedAt = this.intendedAt(index);
    this.intervalSent++;
    this.inFlight++;
    this.options.dispatch(index).then(
      (result) => this.finish(result, intendedAt),
      (error: unknown) => {
        this.inFlight--;
        if (!this.failed) {
          this.failed = true;
          this.failure = error;
        }
      },
    );
  }

  private finish(result: T, intendedAt: number): void {
    this.inFlight--;
    // An operation that outlived the drain is abandoned: its late answer is no longer counted.
    if (this.closed) return;
    const latencyMs = Math.max(0, this.options.clock.now() - intendedAt);
    if (this.draining) this.drained++;
    else {
      this.completedCount++;
      this.intervalCompleted++;
    }
    this.options.completed(result, latencyMs, this.draining);
  }

  private endInterval(): void {
    const index = this.intervalIndex++;
    const tStart = this.start + index * this.options.intervalMs;
    const tEnd = this.boundaryAt(index);
    const intendedBefore = this.countBefore(tEnd, false);
    const backlog = Math.max(0, intendedBefore - this.sent);
    const backlogMax = Math.max(this.intervalBacklogMax, backlog);
    if (backlogMax > this.backlogMax) this.backlogMax = backlogMax;
    const counts: LoopIntervalCounts = {
      index,
      tStartMs: microseconds(tStart - this.start),
      tEndMs: microseconds(tEnd - this.start),
      intended: intendedBefore - this.countBefore(tStart, false),
      sent: this.intervalSent,
      completed: this.intervalCompleted,
      backlog,
      backlogMax,
      inFlight: this.inFlight,
    };
    this.intervalSent = 0;
    this.intervalCompleted = 0;
    this.intervalBacklogMax = 0;
    this.options.intervalEnded(counts);
  }
}
