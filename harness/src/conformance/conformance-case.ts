import type { CapabilityName, EngineAdapter } from '../adapter.ts';

/** One conformance case: run against a fresh adapter from the factory, closed afterwards. */
export interface ConformanceCase {
  /** '<operation>: <what must hold>', unique in the suite. */
  readonly name: string;
  /** Capabilities the case needs: on an adapter without them it is registered as skipped. */
  readonly requires?: readonly CapabilityName[];
  /** false: the case gets the adapter unopened (lifecycle cases open it themselves). Default true. */
  readonly opens?: boolean;
  run(adapter: EngineAdapter): Promise<void>;
}
