import { keyMax, keyMin } from '@omendb/engine';
import type { Point } from '../../adapter.ts';
import type { EngineState, HistoryEntry, HistoryRecorder } from '../history.ts';

/**
 * The history, indexed per key for the checkers: which writes may have set each key (ok and
 * unknown ones; a failed write certainly did not happen) and which deletes may have removed it.
 */

/** What a checker reads: a recorder, or a history loaded back from its file. */
export type HistoryView = Pick<HistoryRecorder, 'entries' | 'pointsOf'>;

export interface KeyWrite {
  readonly entry: HistoryEntry;
  /** The value the batch leaves at the key: its last occurrence in the batch. */
  readonly value: number;
  /** Values of earlier occurrences of the key in the same batch (overwritten inside it). */
  readonly earlier: readonly number[];
}

export interface KeyDelete {
  readonly entry: HistoryEntry;
  readonly from: bigint;
  readonly to: bigint;
}

/** a completed before b was invoked: b's effect, if any, comes after a's. */
export function happenedBefore(a: HistoryEntry, b: HistoryEntry): boolean {
  return a.completedAt < b.invokedAt;
}

export class HistoryIndex {
  private readonly writes = new Map<string, Map<bigint, KeyWrite[]>>();
  private readonly deletes = new Map<string, KeyDelete[]>();
  private readonly batches = new Map<HistoryEntry, bigint[]>();

  constructor(view: HistoryView) {
    for (const entry of view.entries()) {
      if (entry.outcome === 'fail') continue;
      if (entry.op === 'write') this.addWrite(entry, batchPoints(view, entry));
      else if (entry.op === 'deleteRange')
        this.addDelete(entry, argKey(entry.args.from, keyMin), argKey(entry.args.to, keyMax));
      else if (entry.op === 'dropSeries') this.addDelete(entry, keyMin, keyMax);
    }
  }

  /** Every series the history wrote or the state holds. */
  seriesNames(state: EngineState): Set<string> {
    return new Set([...this.writes.keys(), ...state.keys()]);
  }

  /** Every key of a series that a write may have set or the state holds. */
  keysOf(series: string, state: EngineState): Set<bigint> {
    return new Set([...(this.writes.get(series)?.keys() ?? []), ...(state.get(series)?.keys() ?? [])]);
  }

  writesAt(series: string, key: bigint): readonly KeyWrite[] {
    return this.writes.get(series)?.get(key) ?? [];
  }

  deletesCovering(series: string, key: bigint): KeyDelete[] {
    return (this.deletes.get(series) ?? []).filter((d) => d.from <= key && key <= d.to);
  }

  /**
   * Every key of a series that a write may have set or the state holds, ascending, each with the
   * deletes covering it. A sweep over keys and deletes both sorted, so a million keys under ten
   * thousand deletes cost a sort, not their product. The list is only valid during the step.
   */
  *keysWithDeletes(series: string, state: EngineState): Generator<[bigint, readonly KeyDelete[]]> {
    const keys = [...this.keysOf(series, state)].sort(compareKeys);
    const deletes = [...(this.deletes.get(series) ?? [])].sort((a, b) => compareKeys(a.from, b.from));
    let active: KeyDelete[] = [];
    let next = 0;
    for (const key of keys) {
      while (next < deletes.length && (deletes[next] as KeyDelete).from <= key)
        active.push(deletes[next++] as KeyDelete);
      if (active.some((d) => d.to < key)) active = active.filter((d) => d.to >= key);
      yield [key, active];
    }
  }

  /** The distinct keys of one (ok or unknown) write batch with what it wrote at each. */
  batchKeys(entry: HistoryEntry): [bigint, KeyWrite][] {
    const keys = this.batches.get(entry) ?? [];
    return keys.map((key) => [
      key,
      this.writesAt(entry.series, key).find((w) => w.entry === entry) as KeyWrite,
    ]);
  }

  private addWrite(entry: HistoryEntry, points: readonly Point[]): void {
    const inBatch = new Map<bigint, number[]>();
    for (const [key, value] of points) {
      const values = inBatch.get(key);
      if (values === undefined) inBatch.set(key, [value]);
      else values.push(value);
    }
    this.batches.set(entry, [...inBatch.keys()]);
    let series = this.writes.get(entry.series);
    if (series === undefined) {
      series = new Map();
      this.writes.set(entry.series, series);
    }
    for (const [key, values] of inBatch) {
      const write: KeyWrite = {
        entry,
        value: values[values.length - 1] as number,
        earlier: values.slice(0, -1),
      };
      const list = series.get(key);
      if (list === undefined) series.set(key, [write]);
      else list.push(write);
    }
  }

  private addDelete(entry: HistoryEntry, from: bigint, to: bigint): void {
    const list = this.deletes.get(entry.series);
    if (list === undefined) this.deletes.set(entry.series, [{ entry, from, to }]);
    else list.push({ entry, from, to });
  }
}

function compareKeys(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A write's batch: kept in memory by the recorder, or inline in a history read from its file. */
export function batchPoints(view: HistoryView, entry: HistoryEntry): readonly Point[] {
  const kept = view.pointsOf(entry.index);
  if (kept !== undefined) return kept;
  const inline = entry.args.points;
  if (!Array.isArray(inline))
    throw new Error(
      `OmenDB harness invariant violated: write ${entry.index} has neither kept nor inline points`,
    );
  return inline.map((point: unknown) => {
    const [key, value] = point as [unknown, unknown];
    return [argKey(key, 0n), value as number] as const;
  });
}

/** A key argument as recorded: a decimal string (or a bigint or safe integer); absent is the extreme. */
export function argKey(value: unknown, absent: bigint): bigint {
  if (value === undefined || value === null) return absent;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new Error(`OmenDB harness invariant violated: recorded key ${String(value)} is not an integer`);
}
