import type { Point } from '../../../src/adapter.ts';
import type { HistoryView } from '../../../src/history/checkers/history-index.ts';
import type { EngineState, HistoryEntry, OperationName, Outcome } from '../../../src/history/history.ts';

/**
 * Hand-made histories for the checkers' tests. Operations are sequential by default (each takes
 * [t, t+1], then t moves on by 2); `at` gives explicit invoke and completion times for
 * concurrent ones. Keys may be numbers for brevity; args hold them as the recorder does
 * (decimal strings).
 */

export interface OpOptions {
  readonly outcome?: Outcome;
  readonly at?: readonly [number, number];
  readonly process?: number;
  /** Store the points only inline in args (as in a history read back from its file). */
  readonly inlineOnly?: boolean;
}

type Key = number | bigint;

export class HandHistory implements HistoryView {
  private readonly list: HistoryEntry[] = [];
  private readonly points = new Map<number, readonly Point[]>();
  private time = 0;

  write(series: string, points: readonly (readonly [Key, number])[], options: OpOptions = {}): HistoryEntry {
    const batch = points.map(([k, v]) => [BigInt(k), v] as const);
    const entry = this.add('write', series, { points: batch.map(([k, v]) => [k.toString(), v]) }, options);
    if (options.inlineOnly !== true) this.points.set(entry.index, batch);
    return entry;
  }

  deleteRange(
    series: string,
    from: Key | undefined,
    to: Key | undefined,
    options: OpOptions = {},
  ): HistoryEntry {
    const args: Record<string, unknown> = {};
    if (from !== undefined) args.from = from.toString();
    if (to !== undefined) args.to = to.toString();
    return this.add('deleteRange', series, args, options);
  }

  drop(series: string, options: OpOptions = {}): HistoryEntry {
    return this.add('dropSeries', series, {}, options);
  }

  get(series: string, key: Key, result: number | null, options: OpOptions = {}): HistoryEntry {
    return this.add('get', series, { key: key.toString() }, options, result);
  }

  range(
    series: string,
    args: { from?: Key; to?: Key; limit?: number; after?: Key },
    count: number,
    options: OpOptions = {},
  ): HistoryEntry {
    const recorded: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(args))
      recorded[name] = typeof value === 'number' && name === 'limit' ? value : value.toString();
    return this.add('range', series, recorded, options, { count, next: null });
  }

  entries(): readonly HistoryEntry[] {
    return [...this.list].sort((a, b) => a.completedAt - b.completedAt);
  }

  pointsOf(index: number): readonly Point[] | undefined {
    return this.points.get(index);
  }

  private add(
    op: OperationName,
    series: string,
    args: Record<string, unknown>,
    options: OpOptions,
    result?: unknown,
  ): HistoryEntry {
    const [invokedAt, completedAt] = options.at ?? [this.time, this.time + 1];
    this.time = Math.max(this.time, completedAt) + 1;
    const outcome = options.outcome ?? 'ok';
    const entry: HistoryEntry = {
      process: options.process ?? 0,
      index: this.list.length,
      op,
      series,
      args,
      invokedAt,
      completedAt,
      outcome,
      ...(outcome === 'ok'
        ? {}
        : { code: outcome === 'fail' ? 'OMENDB_ERR_INPUT_KEY' : 'OMENDB_ERR_HARNESS_UNAVAILABLE' }),
      ...(result === undefined ? {} : { result }),
    };
    this.list.push(entry);
    return entry;
  }
}

/** A state from series to [key, value] pairs. */
export function stateOf(series: Record<string, readonly (readonly [Key, number])[]>): EngineState {
  return new Map(
    Object.entries(series).map(([name, points]) => [name, new Map(points.map(([k, v]) => [BigInt(k), v]))]),
  );
}
