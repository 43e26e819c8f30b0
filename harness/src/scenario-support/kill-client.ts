import type { Prng } from '@omendb/engine';
import type { EngineAdapter, Point } from '../adapter.ts';
import type { HistoryRecorder } from '../history/history.ts';
import {
  crashKillBackoffMs,
  crashKillBatchPointsMax,
  crashKillClientOpsMax,
  crashKillDeleteSpanMax,
  crashKillOpDeadlineMs,
  crashKillOverwritePointsMax,
} from '../limits.ts';
import type { Clock } from '../runner/scenario.ts';
import { withDeadline } from './deadline.ts';
import type { Gate } from './gate.ts';

/**
 * One crash-kill client (a logical process of the history): in a loop until stopped, it writes
 * batches of fresh keys, overwrites some of its earlier keys with new values, and deletes ranges
 * of its keys, every operation recorded in the history. Its keys live in its own part of the
 * key space of each series (so a client's operations on a key are sequential, and the checkers
 * can judge them), every value it writes is new (so a value read back names the write that left
 * it), and half the clients use negative keys.
 */

export const killSeries: readonly string[] = ['kill.a', 'kill.b', 'kill.c'];

export interface KillClientStats {
  operations: number;
  acknowledgedPoints: number;
}

export class KillClient {
  readonly stats: KillClientStats = { operations: 0, acknowledgedPoints: 0 };
  private stopped = false;
  /** Keys written so far per series (the client's keys are base + 0 .. count - 1). */
  private readonly counts = new Map<string, number>();
  private nextValue = 0;
  private readonly base: bigint;
  private readonly sign: bigint;

  constructor(
    readonly id: number,
    private readonly adapter: EngineAdapter,
    private readonly history: HistoryRecorder,
    private readonly prng: Prng,
    private readonly gate: Gate,
    private readonly clock: Clock,
  ) {
    this.base = BigInt(id + 1) << 40n;
    this.sign = id % 2 === 0 ? 1n : -1n;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Runs until stop() (or crashKillClientOpsMax operations); never rejects. */
  async run(): Promise<void> {
    for (let op = 0; op < crashKillClientOpsMax && !this.stopped; op++) {
      await this.gate.wait();
      if (this.stopped) return;
      const ok = await this.step();
      // A refused or unknown operation: the server may be down; do not hammer it.
      if (!ok) await this.clock.sleep(crashKillBackoffMs);
    }
  }

  private key(index: number): bigint {
    return this.sign * (this.base + BigInt(index));
  }

  private value(): number {
    // Unique across clients and writes, and exact as a float64 (below 2^53).
    return this.id * 1_000_000_000 + this.nextValue++;
  }

  /** One operation; true when it was acknowledged. */
  private async step(): Promise<boolean> {
    this.stats.operations++;
    const series = this.prng.pick(killSeries);
    const count = this.counts.get(series) ?? 0;
    const roll = this.prng.int(20);
    if (roll < 3 && count > 0) return this.deleteRange(series, count);
    if (roll < 7 && count > 0) return this.overwrite(series, count);
    return this.writeFresh(series, count);
  }

  private writeFresh(series: string, count: number): Promise<boolean> {
    const size = 1 + this.prng.int(crashKillBatchPointsMax);
    const points: Point[] = [];
    for (let i = 0; i < size; i++) points.push([this.key(count + i), this.value()]);
    this.counts.set(series, count + size);
    return this.write(series, points);
  }

  private overwrite(series: string, count: number): Promise<boolean> {
    const size = 1 + this.prng.int(crashKillOverwritePointsMax);
    const points: Point[] = [];
    for (let i = 0; i < size; i++) points.push([this.key(this.prng.int(count)), this.value()]);
    return this.write(series, points);
  }

  private async write(series: string, points: Point[]): Promise<boolean> {
    try {
      await this.history.run(this.id, 'write', series, { points }, () =>
        withDeadline(this.adapter.write(series, points), crashKillOpDeadlineMs),
      );
      this.stats.acknowledgedPoints += points.length;
      return true;
    } catch {
      return false;
    }
  }

  private async deleteRange(series: string, count: number): Promise<boolean> {
    const first = this.prng.int(count);
    const last = Math.min(count - 1, first + this.prng.int(crashKillDeleteSpanMax));
    // Negative keys run the other way: the range is [key(last), key(first)].
    const [from, to] = this.sign > 0n ? [this.key(first), this.key(last)] : [this.key(last), this.key(first)];
    try {
      await this.history.run(
        this.id,
        'deleteRange',
        series,
        { from: from.toString(), to: to.toString() },
        () => withDeadline(this.adapter.deleteRange(series, from, to), crashKillOpDeadlineMs),
      );
      return true;
    } catch {
      return false;
    }
  }
}
