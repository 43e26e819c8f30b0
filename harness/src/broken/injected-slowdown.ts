import type { AggregateResult } from '@omendb/engine';
import type { AggregateQuery, EngineAdapter, Point, RangeOptions, RangePage } from '../adapter.ts';
import type { Clock } from '../runner/scenario.ts';
import { ForwardingAdapter } from './forwarding-adapter.ts';

/** By default the delay grows by 1 ms per minute of the clock since open. */
export const injectedSlowdownMsPerMinuteDefault = 1;

/**
 * Broken on purpose: an engine that slows down as it runs (a structure that degrades, a queue
 * that never drains). Every data operation first waits msPerMinute x (minutes of the clock since
 * open), on the injected clock, so a simulated day shows the same growth as a real one: the
 * soak's latency-drift verdict must fail against it.
 */
export class InjectedSlowdown extends ForwardingAdapter {
  private readonly msPerMinute: number;
  private openedAt: number | undefined;

  constructor(
    inner: EngineAdapter,
    private readonly clock: Clock,
    options: { readonly msPerMinute?: number } = {},
  ) {
    super(inner, 'injected-slowdown');
    const rate = options.msPerMinute ?? injectedSlowdownMsPerMinuteDefault;
    if (!(Number.isFinite(rate) && rate > 0))
      throw new RangeError(`msPerMinute must be positive, not ${rate}`);
    this.msPerMinute = rate;
  }

  /** The delay an operation starting now waits, in ms. */
  currentDelayMs(): number {
    return this.openedAt === undefined ? 0 : ((this.clock.now() - this.openedAt) / 60_000) * this.msPerMinute;
  }

  protected override async _open(): Promise<void> {
    await this.inner.open();
    this.openedAt = this.clock.now();
  }

  private async slow(): Promise<void> {
    const delay = this.currentDelayMs();
    if (delay > 0) await this.clock.sleep(delay);
  }

  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    await this.slow();
    return this.inner.write(series, points);
  }

  protected override async _get(series: string, key: bigint): Promise<number | undefined> {
    await this.slow();
    return this.inner.get(series, key);
  }

  protected override async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    await this.slow();
    return this.inner.range(series, from, to, options);
  }

  protected override async _aggregate(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    query: AggregateQuery,
  ): Promise<AggregateResult> {
    await this.slow();
    return this.inner.aggregate(series, from, to, query);
  }

  protected override async _deleteRange(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
  ): Promise<void> {
    await this.slow();
    return this.inner.deleteRange(series, from, to);
  }
}
