import type { CaseBody, ConformanceIt, ConformanceTestApi } from '../../src/conformance/run-conformance.ts';

/**
 * A tiny test API that collects what runConformance registers and runs it on demand, so a test
 * can count the suite's failures (against a broken engine they are the expected outcome) rather
 * than have them reported as its own.
 */

export interface CollectedCase {
  readonly name: string;
  readonly body: CaseBody;
  readonly skipped: boolean;
}

export interface CaseResult {
  readonly name: string;
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly error?: unknown;
}

export interface CollectingApi {
  readonly api: ConformanceTestApi;
  /** Waits for the describe bodies (they read capabilities first), then returns what they registered. */
  collected(): Promise<CollectedCase[]>;
  /** Runs every registered case in order, each followed by the afterEach hooks. */
  run(): Promise<CaseResult[]>;
  /** Runs the afterEach hooks once. */
  afterEach(): Promise<void>;
}

export function collectingApi(options: { withSkip?: boolean; withAfterEach?: boolean } = {}): CollectingApi {
  const pending: Promise<void>[] = [];
  const cases: CollectedCase[] = [];
  const hooks: (() => Promise<void>)[] = [];
  const it: ConformanceIt = (name, body) => {
    cases.push({ name, body, skipped: false });
  };
  if (options.withSkip !== false) {
    it.skip = (name, body) => {
      cases.push({ name, body, skipped: true });
    };
  }
  const api: ConformanceTestApi = {
    describe(_name, body) {
      pending.push(body());
    },
    it,
    ...(options.withAfterEach === false
      ? {}
      : {
          afterEach(hook: () => Promise<void>) {
            hooks.push(hook);
          },
        }),
  };
  const afterEach = async () => {
    for (const hook of hooks) await hook();
  };
  const collected = async () => {
    await Promise.all(pending);
    return cases;
  };
  return {
    api,
    collected,
    afterEach,
    async run() {
      const results: CaseResult[] = [];
      for (const { name, body, skipped } of await collected()) {
        if (skipped) {
          results.push({ name, status: 'skipped' });
          continue;
        }
        try {
          await body();
          results.push({ name, status: 'passed' });
        } catch (error) {
          results.push({ name, status: 'failed', error });
        } finally {
          await afterEach();
        }
      }
      return results;
    },
  };
}

export function failedNames(results: readonly CaseResult[]): string[] {
  return results.filter((r) => r.status === 'failed').map((r) => r.name);
}
