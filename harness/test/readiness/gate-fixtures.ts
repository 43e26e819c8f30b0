import type { CategoryResult, CheckResult, ReadinessReport } from '../../src/readiness/types.ts';

/**
 * Readiness reports built by hand for the gate's tests: each category's score is the weighted
 * mean of its checks (one decimal), as the scorer computes it, so a fixture cannot claim a score its
 * checks do not earn.
 */

export function check(id: string, score: number, overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    name: `${id} check`,
    weight: 1,
    score,
    value: score,
    threshold: 'the value itself, as a percentage',
    noEvidence: false,
    detail: `measured ${score}`,
    evidence: [`run/${id}.json`],
    ...overrides,
  };
}

/** A check whose evidence the run lacks: 0, value null, 'no evidence'. */
export function missing(id: string, overrides: Partial<CheckResult> = {}): CheckResult {
  return check(id, 0, {
    value: null,
    noEvidence: true,
    detail: `no evidence: no result of scenario ${id} in the run`,
    evidence: [],
    ...overrides,
  });
}

export function category(
  id: string,
  required: number,
  checks: readonly CheckResult[],
  overrides: Partial<CategoryResult> = {},
): CategoryResult {
  const weight = checks.reduce((sum, c) => sum + c.weight, 0);
  const score =
    weight === 0
      ? 0
      : Math.round((checks.reduce((sum, c) => sum + c.weight * c.score, 0) / weight) * 10) / 10;
  const informational = overrides.informational ?? false;
  return {
    id,
    name: id
      .split('-')
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join(' '),
    required,
    score,
    previous: null,
    status: informational ? 'informational' : score >= required ? 'pass' : 'fail',
    informational,
    checks,
    ...overrides,
  };
}

export function report(categories: readonly CategoryResult[]): ReadinessReport {
  return {
    schemaVersion: 1,
    generatedAt: '2025-01-01T00:00:00.000Z',
    gitCommit: null,
    inputs: ['run'],
    baseline: null,
    policy: 'scenarios/readiness.policy.json',
    pass: categories.every((c) => c.informational || c.score >= c.required),
    categories,
    coverage: [],
    charts: { soak: [], scale: [], crashes: [] },
  };
}

export const deploymentWhy = 'packaging and backup/restore do not exist yet';

/** Core Algorithm 95 of 80, Unit Tests 91.5 of 70, Deployment 0 of 50 (informational): passes. */
export function passingReport(
  coreChecks: readonly CheckResult[] = [check('scale-verification', 100), check('rmi-tests', 90)],
): ReadinessReport {
  return report([
    category('core-algorithm', 80, coreChecks),
    category('unit-tests', 70, [check('tests-pass-share', 98), check('storage-statements', 85)]),
    category('deployment', 50, [check('backup-command-exists', 0, { value: false })], {
      informational: true,
      why: deploymentWhy,
    }),
  ]);
}
