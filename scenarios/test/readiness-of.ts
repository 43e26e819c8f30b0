import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { buildReport } from '../../harness/src/readiness/build-report.ts';
import { type GateVerdict, judge } from '../../harness/src/readiness/gate.ts';
import { defaultPolicyPath } from '../../harness/src/readiness/policy.ts';
import type { CategoryResult, CheckResult, ReadinessReport } from '../../harness/src/readiness/types.ts';

/**
 * The readiness report and gate verdict of one run directory under the repository's policy: how
 * the scenario tests prove that a canary's defect reaches the category meant to catch it (and
 * fails the gate), and that the honest engine's run passes the same checks. Static facts and
 * module coverage are left out: they say nothing of the engine under test, and are tested apart.
 */

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface Readiness {
  readonly report: ReadinessReport;
  readonly verdict: GateVerdict;
  category(id: string): CategoryResult;
  check(categoryId: string, checkId: string): CheckResult;
}

export async function readinessOf(runDir: string): Promise<Readiness> {
  const { report } = await buildReport({
    inDirs: [runDir],
    outDir: join(runDir, 'readiness'),
    policyPath: fileURLToPath(defaultPolicyPath),
    repoRoot,
    staticFacts: [],
    moduleCoverage: async () => [],
    gitCommit: null,
  });
  const category = (id: string): CategoryResult => {
    const found = report.categories.find((c) => c.id === id);
    expect(found, `category ${id} in the policy`).toBeDefined();
    return found!;
  };
  const check = (categoryId: string, checkId: string): CheckResult => {
    const found = category(categoryId).checks.find((c) => c.id === checkId);
    expect(found, `check ${categoryId}/${checkId} in the policy`).toBeDefined();
    return found!;
  };
  return { report, verdict: judge(report), category, check };
}

/**
 * A canary's run: the category is below its required score, each named check scored 0 on
 * evidence the run produced (not for lack of it), and the gate fails naming that category.
 */
export function expectCaught(readiness: Readiness, categoryId: string, checkIds: readonly string[]): void {
  const category = readiness.category(categoryId);
  expect(category.score, `${categoryId} score`).toBeLessThan(category.required);
  expect(category.status).toBe('fail');
  for (const id of checkIds) {
    const check = readiness.check(categoryId, id);
    expect(check.noEvidence, `${id}: ${check.detail}`).toBe(false);
    expect(check.score, id).toBe(0);
  }
  expect(readiness.verdict.pass).toBe(false);
  expect(readiness.verdict.failures).toContainEqual(
    expect.objectContaining({ kind: 'below-required', category: categoryId }),
  );
}

/** The honest engine's run: each named check scored in full on evidence of the run. */
export function expectPassed(readiness: Readiness, categoryId: string, checkIds: readonly string[]): void {
  for (const id of checkIds) {
    const check = readiness.check(categoryId, id);
    expect(check.noEvidence, `${id}: ${check.detail}`).toBe(false);
    expect(check.score, `${id}: ${check.detail}`).toBe(100);
  }
}
