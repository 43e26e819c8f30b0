import type { AdapterFactory, Capabilities, EngineAdapter } from '../adapter.ts';
import { aggregateCases } from './aggregate.ts';
import type { ConformanceCase } from './conformance-case.ts';
import { deleteRangeCases } from './delete-range.ts';
import { durabilityCases } from './durability.ts';
import { errorCases } from './errors.ts';
import { getCases } from './get.ts';
import { lifecycleCases } from './lifecycle.ts';
import { rangeCases } from './range.ts';
import { seriesCases } from './series.ts';
import { writeCases } from './write.ts';

/**
 * The conformance suite: what every engine behind the adapter contract must do, one file per
 * operation. Like abstract-level's suite it is framework-agnostic: the caller passes its test
 * functions (vitest's, or a collecting stand-in) and the cases assert with node:assert.
 */

export type CaseBody = () => Promise<void>;

export interface ConformanceIt {
  (name: string, body: CaseBody): unknown;
  /** Registers a case that is visibly skipped; without it a skipped case runs as a note. */
  skip?: (name: string, body: CaseBody) => unknown;
}

export interface ConformanceTestApi {
  /** Must await an async body (vitest does): the suite reads the capabilities before it registers. */
  describe(name: string, body: () => Promise<void>): unknown;
  it: ConformanceIt;
  beforeEach?: (hook: () => Promise<void>) => unknown;
  afterEach?: (hook: () => Promise<void>) => unknown;
}

export const conformanceCases: readonly ConformanceCase[] = [
  ...writeCases,
  ...getCases,
  ...rangeCases,
  ...aggregateCases,
  ...deleteRangeCases,
  ...seriesCases,
  ...errorCases,
  ...lifecycleCases,
  ...durabilityCases,
];

/** The capabilities a case needs that these lack (empty: it runs). */
export function missingCapabilities(
  conformanceCase: ConformanceCase,
  capabilities: Capabilities,
): (keyof Capabilities)[] {
  return (conformanceCase.requires ?? []).filter((name) => !capabilities[name]);
}

export function conformanceCounts(capabilities: Capabilities): { cases: number; skipped: number } {
  const skipped = conformanceCases.filter((c) => missingCapabilities(c, capabilities).length > 0).length;
  return { cases: conformanceCases.length, skipped };
}

/**
 * Registers every case under describe(`conformance <name>`). Each case gets a fresh adapter from
 * the factory, opened (unless it opens it itself) and closed in finally. Cases are skipped by
 * capability only; the factory is called once more up front, never opened, to read them.
 */
export function runConformance(name: string, factory: AdapterFactory, test: ConformanceTestApi): void {
  test.describe(`conformance ${name}`, async () => {
    const probe = await factory();
    const { capabilities } = probe;
    await probe.close();
    // A case that timed out may still hold its adapter: close it before the next case starts.
    const live = new Set<EngineAdapter>();
    test.afterEach?.(async () => {
      for (const adapter of live) await adapter.close().catch(() => undefined);
      live.clear();
    });
    for (const conformanceCase of conformanceCases) {
      const missing = missingCapabilities(conformanceCase, capabilities);
      if (missing.length === 0) {
        test.it(conformanceCase.name, () => runCase(conformanceCase, factory, live));
        continue;
      }
      const title = `${conformanceCase.name} (skipped: ${name} lacks ${missing.join(', ')})`;
      const note: CaseBody = async () => {
        console.log(`conformance ${name}: skipped ${title}`);
      };
      if (test.it.skip === undefined) test.it(title, note);
      else test.it.skip(title, note);
    }
    const { cases, skipped } = conformanceCounts(capabilities);
    console.log(`conformance ${name}: ${cases} cases (${skipped} skipped)`);
  });
}

async function runCase(
  conformanceCase: ConformanceCase,
  factory: AdapterFactory,
  live: Set<EngineAdapter>,
): Promise<void> {
  const adapter = await factory();
  live.add(adapter);
  try {
    if (conformanceCase.opens !== false) await adapter.open();
    await conformanceCase.run(adapter);
  } catch (error) {
    // The case's failure is the news: a close that fails after it must not hide it.
    await adapter.close().catch(() => undefined);
    throw error;
  } finally {
    live.delete(adapter);
  }
  await adapter.close();
}
