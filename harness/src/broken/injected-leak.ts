import type { EngineAdapter } from '../adapter.ts';
import { ForwardingAdapter } from './forwarding-adapter.ts';

/** By default each operation retains 4 KB (512 float64s) on the JS heap. */
export const injectedLeakBytesPerOpDefault = 4_096;

/**
 * Broken on purpose: a leak. Every data operation (write, get, range, aggregate, deleteRange)
 * retains a few kilobytes for as long as the adapter lives, as a cache that is never evicted
 * would. The memory sits on the JS heap (an array of doubles, not a Buffer, whose bytes would be
 * outside it), so heap-after-GC grows linearly with the operations: the soak's leak verdict must
 * fail against it.
 */
export class InjectedLeak extends ForwardingAdapter {
  private readonly retained: number[][] = [];
  private readonly doublesPerOp: number;

  constructor(inner: EngineAdapter, options: { readonly bytesPerOp?: number } = {}) {
    super(inner, 'injected-leak');
    const bytes = options.bytesPerOp ?? injectedLeakBytesPerOpDefault;
    if (!Number.isSafeInteger(bytes) || bytes < 8)
      throw new RangeError(`bytesPerOp must be an integer >= 8, not ${bytes}`);
    this.doublesPerOp = Math.floor(bytes / 8);
  }

  /** Bytes retained so far (payload only). */
  get retainedBytes(): number {
    return this.retained.length * this.doublesPerOp * 8;
  }

  /** Every data operation retains its share. */
  protected override beforeDataOperation(): void {
    // 0.5 is not a small integer: the array holds unboxed doubles, 8 bytes each.
    this.retained.push(new Array<number>(this.doublesPerOp).fill(0.5));
  }
}
