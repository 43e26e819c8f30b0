import type { Prng } from '@omendb/engine';
import type { EngineAdapter, Point } from '../../adapter.ts';
import { classifyError } from '../../history/classify-error.ts';
import type { HistoryEntry } from '../../history/history.ts';
import { soakAggregateBucketKeys, soakReadSpanKeys } from '../../limits.ts';
import type { PrunedHistory } from './pruned-history.ts';

/**
 * The soak's workload: retention-style time series, so the data stays bounded however long the
 * run. Each series has a write frontier; a write appends the next batch of keys; a delete drops
 * everything older than the retained window, and only below every write still in flight, so a
 * delete never races a write. Values are a function of (series, key), so every read is checked
 * as it returns: a value that differs from the one written is a read mismatch (an absent key is
 * not: a delete may have taken it). Writes and deletes go into the pruned history for the final
 * set-full verification.
 */

export const soakOpKinds = ['write', 'get', 'range', 'aggregate', 'deleteRange'] as const;
export type SoakOpKind = (typeof soakOpKinds)[number];
/** Relative weights of the operation kinds. */
export type SoakMix = Readonly<Record<SoakOpKind, number>>;

export interface SoakOpResult {
  readonly kind: SoakOpKind;
  /** The registry code (or system code) of a failed operation. */
  readonly code?: string;
  /** A read returned something that was never written there. */
  readonly mismatch: boolean;
}

/** Keys are millisecond timestamps a second apart from a fixed epoch. */
export const soakKeyBase = 1_700_000_000_000n;
export const soakKeyStep = 1_000n;
/** Values carry the series index in 10 fractional bits (exact in a float64 below 2^43 keys). */
export const soakSeriesMax = 1_000;

export function soakSeriesName(seriesIndex: number): string {
  return `soak-${seriesIndex}`;
}

const soakKeyBaseNumber = Number(soakKeyBase);
const soakKeyStepNumber = Number(soakKeyStep);

/** One BigInt per key (not three): the key is computed exactly as a double first. */
export function soakKey(keyIndex: number): bigint {
  const key = soakKeyBaseNumber + keyIndex * soakKeyStepNumber;
  if (!Number.isSafeInteger(key))
    throw new Error(`OmenDB harness invariant violated: soak key index ${keyIndex}`);
  return BigInt(key);
}

export function soakValue(seriesIndex: number, keyIndex: number): number {
  return keyIndex + seriesIndex / 1024;
}

export function soakPoints(seriesIndex: number, first: number, count: number): Point[] {
  const points = new Array<Point>(count);
  for (let i = 0; i < count; i++) points[i] = [soakKey(first + i), soakValue(seriesIndex, first + i)];
  return points;
}

/** A write entry's points, rebuilt from its arguments: what the pruned history asks for. */
export function soakEntryPoints(entry: HistoryEntry): readonly Point[] {
  const { seriesIndex, first, count } = entry.args as { seriesIndex: number; first: number; count: number };
  return soakPoints(seriesIndex, first, count);
}

export interface SoakWorkloadOptions {
  readonly adapter: EngineAdapter;
  readonly prng: Prng;
  readonly history: PrunedHistory;
  readonly series: number;
  readonly batchPoints: number;
  readonly retentionKeys: number;
  readonly mix: SoakMix;
}

class SeriesState {
  /** The next key index to write. */
  frontier = 0;
  /** First key indexes of the writes in flight. */
  readonly inFlight = new Set<number>();

  /** Every key below it was written by a write that has completed (acknowledged or not). */
  completedFrontier(): number {
    let low = this.frontier;
    for (const first of this.inFlight) if (first < low) low = first;
    return low;
  }
}

export class SoakWorkload {
  private readonly states: SeriesState[];
  private readonly weights: readonly [SoakOpKind, number][];
  private readonly totalWeight: number;

  constructor(private readonly options: SoakWorkloadOptions) {
    const { series, batchPoints, retentionKeys, mix } = options;
    if (!Number.isSafeInteger(series) || series < 1 || series > soakSeriesMax)
      throw new Error(`OmenDB harness invariant violated: ${series} soak series (1 to ${soakSeriesMax})`);
    if (!Number.isSafeInteger(batchPoints) || batchPoints < 1 || !Number.isSafeInteger(retentionKeys))
      throw new Error('OmenDB harness invariant violated: batchPoints and retentionKeys must be integers');
    this.states = Array.from({ length: series }, () => new SeriesState());
    this.weights = soakOpKinds
      .map((kind) => [kind, mix[kind]] as [SoakOpKind, number])
      .filter(([, w]) => w > 0);
    this.totalWeight = this.weights.reduce((sum, [, w]) => sum + w, 0);
    if (this.totalWeight <= 0)
      throw new Error('OmenDB harness invariant violated: the soak mix has no weight');
  }

  /** Keys written so far, over every series. */
  keysWritten(): number {
    return this.states.reduce((sum, s) => sum + s.frontier, 0);
  }

  /** Chooses the next operation (synchronously, so the choices follow the seed) and performs it. */
  perform(): Promise<SoakOpResult> {
    const kind = this.pickKind();
    const seriesIndex = this.options.prng.int(this.states.length);
    switch (kind) {
      case 'write':
        return this.write(seriesIndex);
      case 'deleteRange':
        return this.deleteOld(seriesIndex);
      case 'range':
        return this.range(seriesIndex);
      case 'aggregate':
        return this.aggregate(seriesIndex);
      default:
        return this.get(seriesIndex);
    }
  }

  private pickKind(): SoakOpKind {
    let r = this.options.prng.next() * this.totalWeight;
    for (const [kind, weight] of this.weights) {
      if (r < weight) return kind;
      r -= weight;
    }
    return (this.weights[this.weights.length - 1] as [SoakOpKind, number])[0];
  }

  private async write(seriesIndex: number): Promise<SoakOpResult> {
    const { adapter, history, batchPoints } = this.options;
    const state = this.states[seriesIndex] as SeriesState;
    const first = state.frontier;
    state.frontier += batchPoints;
    state.inFlight.add(first);
    const series = soakSeriesName(seriesIndex);
    const index = history.begin('write', series, soakKey(first), soakKey(first + batchPoints - 1), {
      seriesIndex,
      first,
      count: batchPoints,
    });
    try {
      await adapter.write(series, soakPoints(seriesIndex, first, batchPoints));
      history.complete(index, 'ok');
      return { kind: 'write', mismatch: false };
    } catch (error) {
      const { outcome, code } = classifyError(error);
      history.complete(index, outcome, code);
      return { kind: 'write', code, mismatch: false };
    } finally {
      state.inFlight.delete(first);
    }
  }

  /** Drops every key of the series below the retained window; a get while nothing is that old. */
  private async deleteOld(seriesIndex: number): Promise<SoakOpResult> {
    const { adapter, history, retentionKeys } = this.options;
    const boundary = (this.states[seriesIndex] as SeriesState).completedFrontier() - retentionKeys;
    if (boundary <= 0) return this.get(seriesIndex);
    const series = soakSeriesName(seriesIndex);
    const from = soakKeyBase;
    const to = soakKey(boundary) - 1n;
    const index = history.begin('deleteRange', series, from, to, {
      from: from.toString(),
      to: to.toString(),
    });
    try {
      await adapter.deleteRange(series, from, to);
      history.complete(index, 'ok');
      return { kind: 'deleteRange', mismatch: false };
    } catch (error) {
      const { outcome, code } = classifyError(error);
      history.complete(index, outcome, code);
      return { kind: 'deleteRange', code, mismatch: false };
    }
  }

  /** The retained window of a series: key indexes [low, high). */
  private window(seriesIndex: number): [number, number] {
    const high = (this.states[seriesIndex] as SeriesState).completedFrontier();
    return [Math.max(0, high - this.options.retentionKeys), high];
  }

  /** A key index in the window (0 while the series is empty: an absent key, a valid read too). */
  private keyInWindow(seriesIndex: number): number {
    const [low, high] = this.window(seriesIndex);
    return high > low ? low + this.options.prng.int(high - low) : 0;
  }

  /** The first key index of a read of soakReadSpanKeys keys inside the window. */
  private spanInWindow(seriesIndex: number): number {
    const [low, high] = this.window(seriesIndex);
    const last = Math.max(low, high - soakReadSpanKeys);
    return low + this.options.prng.int(last - low + 1);
  }

  private get(seriesIndex: number): Promise<SoakOpResult> {
    const keyIndex = this.keyInWindow(seriesIndex);
    return this.read('get', async () => {
      const value = await this.options.adapter.get(soakSeriesName(seriesIndex), soakKey(keyIndex));
      return value !== undefined && value !== soakValue(seriesIndex, keyIndex);
    });
  }

  private range(seriesIndex: number): Promise<SoakOpResult> {
    const first = this.spanInWindow(seriesIndex);
    const last = first + soakReadSpanKeys - 1;
    return this.read('range', async () => {
      const page = await this.options.adapter.range(
        soakSeriesName(seriesIndex),
        soakKey(first),
        soakKey(last),
        {
          limit: soakReadSpanKeys,
        },
      );
      let previous = -1;
      for (const [key, value] of page.points) {
        const keyIndex = keyIndexOf(key);
        if (keyIndex === null || keyIndex < first || keyIndex > last || keyIndex <= previous) return true;
        if (value !== soakValue(seriesIndex, keyIndex)) return true;
        previous = keyIndex;
      }
      return false;
    });
  }

  /** Count, min and max per bucket: min and max must be values written at keys of their bucket. */
  private aggregate(seriesIndex: number): Promise<SoakOpResult> {
    const first = this.spanInWindow(seriesIndex);
    const last = first + soakReadSpanKeys - 1;
    const bucket = BigInt(soakAggregateBucketKeys) * soakKeyStep;
    return this.read('aggregate', async () => {
      const result = await this.options.adapter.aggregate(
        soakSeriesName(seriesIndex),
        soakKey(first),
        soakKey(last),
        { bucket, fns: ['count', 'min', 'max'] },
      );
      for (const b of result.buckets) {
        const start = keyIndexOf(b.start);
        if (start === null || start % soakAggregateBucketKeys !== 0) return true;
        const low = Math.max(first, start);
        const high = Math.min(last, start + soakAggregateBucketKeys - 1);
        const min = writtenKeyIndex(seriesIndex, b.min, low, high);
        const max = writtenKeyIndex(seriesIndex, b.max, low, high);
        if (min === null || max === null || min > max) return true;
        if (!(b.count >= 1 && b.count <= max - min + 1)) return true;
      }
      return false;
    });
  }

  private async read(kind: SoakOpKind, perform: () => Promise<boolean>): Promise<SoakOpResult> {
    try {
      return { kind, mismatch: await perform() };
    } catch (error) {
      return { kind, code: classifyError(error).code, mismatch: false };
    }
  }
}

/** The key index of a key on the soak's grid, or null for a key the soak never writes. */
function keyIndexOf(key: bigint): number | null {
  const offset = key - soakKeyBase;
  if (offset < 0n || offset % soakKeyStep !== 0n) return null;
  return Number(offset / soakKeyStep);
}

/** The key index in [low, high] whose written value is exactly `value`, or null. */
function writtenKeyIndex(
  seriesIndex: number,
  value: number | undefined,
  low: number,
  high: number,
): number | null {
  if (value === undefined) return null;
  const keyIndex = Math.round(value - seriesIndex / 1024);
  if (keyIndex < low || keyIndex > high || soakValue(seriesIndex, keyIndex) !== value) return null;
  return keyIndex;
}
