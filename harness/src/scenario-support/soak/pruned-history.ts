import type { Point } from '../../adapter.ts';
import type { HistoryView } from '../../history/checkers/history-index.ts';
import type { HistoryEntry, Outcome } from '../../history/history.ts';
import { historyEventGapMs, soakHistoryEntriesMax } from '../../limits.ts';
import type { Clock } from '../../runner/scenario.ts';

/**
 * The soak's history for the set-full checker, kept bounded for a day-long run: only writes and
 * deletes (reads are verified as they return), no points (a write's points are rebuilt from its
 * arguments when the checker asks), and pruned as it goes. When a delete is acknowledged, the
 * writes wholly inside its range that completed before it was invoked are dropped (their keys are
 * gone, whatever they held), and so are the earlier deletes it covers. What stays is the retained
 * window plus the latest deletes, so memory follows retention, not duration. A deleted key that
 * comes back has no write left that could explain it: set-full reports it as neverWritten.
 */

type HistoryOp = 'write' | 'deleteRange';

interface Pending {
  readonly op: HistoryOp;
  readonly series: string;
  readonly from: bigint;
  readonly to: bigint;
  readonly args: Record<string, unknown>;
  readonly invokedAt: number;
}

interface Kept {
  readonly entry: HistoryEntry;
  readonly from: bigint;
  readonly to: bigint;
}

interface SeriesEntries {
  readonly writes: Set<number>;
  readonly deletes: Set<number>;
}

export interface PrunedHistoryOptions {
  readonly clock: Clock;
  /** Time zero on the clock (default: now). */
  readonly origin?: number;
  /** Rebuilds a write's points from its entry (its args): the history keeps none. */
  readonly pointsOf: (entry: HistoryEntry) => readonly Point[];
  /** Entries kept at most (default soakHistoryEntriesMax); past it the history overflows. */
  readonly entriesMax?: number;
}

export interface PrunedHistoryStats {
  readonly kept: number;
  readonly keptMax: number;
  readonly pruned: number;
  readonly overflowed: boolean;
}

export class PrunedHistory implements HistoryView {
  private readonly clock: Clock;
  private readonly origin: number;
  private readonly entriesMax: number;
  private readonly kept = new Map<number, Kept>();
  private readonly bySeries = new Map<string, SeriesEntries>();
  private readonly pending = new Map<number, Pending>();
  private nextIndex = 0;
  private lastEventAt = Number.NEGATIVE_INFINITY;
  private prunedCount = 0;
  private keptMax = 0;
  private overflow = false;

  constructor(private readonly options: PrunedHistoryOptions) {
    this.clock = options.clock;
    this.origin = options.origin ?? options.clock.now();
    this.entriesMax = options.entriesMax ?? soakHistoryEntriesMax;
  }

  /** True once more than entriesMax entries had to be kept: the history is incomplete from then on. */
  get overflowed(): boolean {
    return this.overflow;
  }

  /** Records the invocation of a write of keys [from, to] or a delete of [from, to]; returns its index. */
  begin(op: HistoryOp, series: string, from: bigint, to: bigint, args: Record<string, unknown>): number {
    const index = this.nextIndex++;
    this.pending.set(index, { op, series, from, to, args, invokedAt: this.stamp() });
    return index;
  }

  /** Records the completion; an acknowledged delete prunes what it makes irrelevant. */
  complete(index: number, outcome: Outcome, code?: string): void {
    const pending = this.pending.get(index);
    if (pending === undefined)
      throw new Error(
        `OmenDB harness invariant violated: history entry ${index} completed twice or never begun`,
      );
    this.pending.delete(index);
    const completedAt = this.stamp();
    // A refused operation certainly did not happen: the checker ignores it, so it is not kept.
    if (outcome === 'fail' || this.overflow) return;
    if (this.kept.size >= this.entriesMax) {
      this.overflow = true;
      // Nothing more can be verified: the memory goes back, the run goes on.
      this.kept.clear();
      this.bySeries.clear();
      return;
    }
    const entry: HistoryEntry = {
      process: 0,
      index,
      op: pending.op,
      series: pending.series,
      args: pending.args,
      invokedAt: pending.invokedAt,
      completedAt,
      outcome,
      ...(code === undefined ? {} : { code }),
    };
    this.kept.set(index, { entry, from: pending.from, to: pending.to });
    const lists = this.seriesEntries(pending.series);
    (pending.op === 'write' ? lists.writes : lists.deletes).add(index);
    if (pending.op === 'deleteRange' && outcome === 'ok') this.prune(lists, index, pending);
    if (this.kept.size > this.keptMax) this.keptMax = this.kept.size;
  }

  /** Every operation still in flight (the drain gave up on it) becomes an unknown outcome. */
  abandonPending(): number {
    const abandoned = [...this.pending.keys()];
    for (const index of abandoned) this.complete(index, 'unknown', 'ABANDONED');
    return abandoned.length;
  }

  entries(): readonly HistoryEntry[] {
    return [...this.kept.values()].map((k) => k.entry);
  }

  pointsOf(index: number): readonly Point[] | undefined {
    const kept = this.kept.get(index);
    return kept === undefined || kept.entry.op !== 'write' ? undefined : this.options.pointsOf(kept.entry);
  }

  stats(): PrunedHistoryStats {
    return {
      kept: this.kept.size,
      keptMax: this.keptMax,
      pruned: this.prunedCount,
      overflowed: this.overflow,
    };
  }

  private prune(lists: SeriesEntries, deleteIndex: number, del: Pending): void {
    const covered = (index: number) => {
      const k = this.kept.get(index) as Kept;
      return k.from >= del.from && k.to <= del.to && k.entry.completedAt < del.invokedAt;
    };
    for (const set of [lists.writes, lists.deletes]) {
      for (const index of set) {
        if (index === deleteIndex || !covered(index)) continue;
        set.delete(index);
        this.kept.delete(index);
        this.prunedCount++;
      }
    }
  }

  private seriesEntries(series: string): SeriesEntries {
    let lists = this.bySeries.get(series);
    if (lists === undefined) {
      lists = { writes: new Set(), deletes: new Set() };
      this.bySeries.set(series, lists);
    }
    return lists;
  }

  /** Strictly increasing event times, as the history recorder's: happened-before stays exact. */
  private stamp(): number {
    const at = Math.max(this.clock.now() - this.origin, this.lastEventAt + historyEventGapMs);
    this.lastEventAt = at;
    return at;
  }
}
