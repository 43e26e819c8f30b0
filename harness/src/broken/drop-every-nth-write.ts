import type { EngineAdapter, Point } from '../adapter.ts';
import { ForwardingAdapter } from './forwarding-adapter.ts';

/** By default one write in 97 is lost: rare enough to pass a casual test, common enough to be caught. */
export const dropEveryNthWriteDefault = 97;

/**
 * Broken on purpose: acknowledges every write but silently drops every nth one (the nth, 2nth,
 * ... write call, counted from open). crash-kill and property-model must fail against it.
 */
export class DropEveryNthWrite extends ForwardingAdapter {
  private writes = 0;
  private droppedCount = 0;
  private readonly n: number;

  constructor(inner: EngineAdapter, options: { readonly n?: number } = {}) {
    super(inner, 'drop-every-nth-write');
    const n = options.n ?? dropEveryNthWriteDefault;
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, not ${n}`);
    this.n = n;
  }

  /** Writes acknowledged but never made. */
  get dropped(): number {
    return this.droppedCount;
  }

  protected override async _write(series: string, points: readonly Point[]): Promise<void> {
    this.writes++;
    if (this.writes % this.n === 0) {
      this.droppedCount++;
      return;
    }
    await this.inner.write(series, points);
  }
}
