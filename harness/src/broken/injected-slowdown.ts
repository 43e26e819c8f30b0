import type { EngineAdapter } from '../adapter.ts';
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

  /** Every data operation waits the delay its time in the run has reached. */
  protected override async beforeDataOperation(): Promise<void> {
    const delay = this.currentDelayMs();
    if (delay > 0) await this.clock.sleep(delay);
  }
}
