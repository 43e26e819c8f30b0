import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { policyShapeProblem } from '../../harness/src/cli/gate-command.ts';
import { type GatePolicy, judge } from '../../harness/src/readiness/gate.ts';
import type { ReadinessReport } from '../../harness/src/readiness/types.ts';

/**
 * The release gate (scenarios/readiness.release.gate.json) against the committed sample report,
 * a real ci-profile readiness run: the ci gate passes it, the release gate fails it on exactly
 * Stability (a 60 s soak of a 24 h requirement) and Scale Validation (1M of 10M points), and
 * passes it once those two categories score in full.
 */

async function json<T>(relative: string): Promise<T> {
  return JSON.parse(await readFile(new URL(relative, import.meta.url), 'utf8')) as T;
}

describe('the release gate', () => {
  it('is a gate policy, and fails a ci-profile report on Stability and Scale Validation alone', async () => {
    const policy = await json<GatePolicy>('../readiness.release.gate.json');
    expect(policyShapeProblem(policy)).toBeNull();
    const sample = await json<ReadinessReport>('../../reports/sample/readiness.json');
    expect(judge(sample).pass).toBe(true);
    const release = judge(sample, { policy });
    expect(release.pass).toBe(false);
    expect(new Set(release.failures.map((f) => f.category))).toEqual(
      new Set(['stability', 'scale-validation']),
    );
    expect(release.failures).toContainEqual(
      expect.objectContaining({ kind: 'below-required', category: 'stability', threshold: 100 }),
    );
    const proven = {
      ...sample,
      categories: sample.categories.map((c) =>
        c.id === 'stability' || c.id === 'scale-validation' ? { ...c, score: 100 } : c,
      ),
    };
    expect(judge(proven, { policy }).pass).toBe(true);
  });
});
