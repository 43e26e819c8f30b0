import type { EngineAdapter, Point, RangeOptions, RangePage } from '../adapter.ts';
import { ForwardingAdapter } from './forwarding-adapter.ts';

/**
 * Broken on purpose: once the engine has been restarted, get() and range() answer, for every key
 * written more than once, the value from before its last write: a stale value, as from an engine
 * that replays its log in the wrong order. Keys written once keep their value and deleted keys
 * stay deleted, so only a checker of last-write-wins across restarts catches it.
 */
export class StaleAfterRestart extends ForwardingAdapter {
  /** series -> key -> the value before the key's last acknowledged write (keys written twice or more). */
  private readonly previous = new Map<string, Map<bigint, number>>();
  /** series -> key -> the key's last acknowledged value. */
  private readonly last = new Map<string, Map<bigint, number>>();
  private restarted = false;

  constructor(inner: EngineAdapter) {
    super(inner, 'stale-after-restart');
  }

  /** Whether reads are stale now (after the first restart). */
  get stale(): boolean {
    return this.restarted;
  }

  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    await this.inner.write(series, points);
    const last = mapOf(this.last, series);
    const previous = mapOf(this.previous, series);
    // Inside a batch the last occurrence wins, so only the batch's final value per key counts.
    const batch = new Map<bigint, number>(points);
    for (const [key, value] of batch) {
      const before = last.get(key);
      if (before !== undefined) previous.set(key, before);
      last.set(key, value);
    }
  }

  protected override async _restart(): Promise<void> {
    await this.inner.restart();
    this.restarted = true;
  }

  protected override async _get(series: string, key: bigint): Promise<number | undefined> {
    const value = await this.inner.get(series, key);
    if (!this.restarted || value === undefined) return value;
    return this.previous.get(series)?.get(key) ?? value;
  }

  protected override async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    const page = await this.inner.range(series, from, to, options);
    const previous = this.previous.get(series);
    if (!this.restarted || previous === undefined) return page;
    return { ...page, points: page.points.map(([key, value]) => [key, previous.get(key) ?? value] as const) };
  }

  protected override async _deleteRange(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
  ): Promise<void> {
    await this.inner.deleteRange(series, from, to);
    // A deleted key starts over: a later write is its first again.
    for (const map of [this.last.get(series), this.previous.get(series)]) {
      for (const key of map?.keys() ?? []) {
        if ((from === undefined || key >= from) && (to === undefined || key <= to)) map!.delete(key);
      }
    }
  }

  protected override async _dropSeries(series: string): Promise<void> {
    await this.inner.dropSeries(series);
    this.last.delete(series);
    this.previous.delete(series);
  }
}

function mapOf(maps: Map<string, Map<bigint, number>>, series: string): Map<bigint, number> {
  let map = maps.get(series);
  if (map === undefined) {
    map = new Map();
    maps.set(series, map);
  }
  return map;
}
