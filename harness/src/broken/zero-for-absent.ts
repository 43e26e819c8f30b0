import type { EngineAdapter } from '../adapter.ts';
import { ForwardingAdapter } from './forwarding-adapter.ts';

/**
 * Broken on purpose: get() answers 0 where there is no point, the placeholder-for-absent defect
 * the project's origin document shipped. A checker that tells absent from present must catch it.
 */
export class ZeroForAbsent extends ForwardingAdapter {
  constructor(inner: EngineAdapter) {
    super(inner, 'zero-for-absent');
  }

  protected override async _get(series: string, key: bigint): Promise<number | undefined> {
    return (await this.inner.get(series, key)) ?? 0;
  }
}
