import { describe, expect, it } from 'vitest';
import { type GatePolicy, judge } from '../../src/readiness/gate.ts';
import { gateDetailCharsMax } from '../../src/limits.ts';
import { category, check, deploymentWhy, missing, passingReport, report } from './gate-fixtures.ts';

const kinds = (failures: readonly { kind: string; category: string; check?: string }[]) =>
  failures.map((f) => `${f.kind}:${f.category}${f.check === undefined ? '' : `/${f.check}`}`);

describe('judge', () => {
  it('passes when every gating category meets its required score; informational ones are notes', () => {
    const verdict = judge(passingReport());
    expect(verdict.pass).toBe(true);
    expect(verdict.failures).toEqual([]);
    // Deployment scores 0 of 50 and would fail: a note with its check, never a failure.
    expect(kinds(verdict.informational)).toEqual([
      'below-required:deployment',
      'check-below-required:deployment/backup-command-exists',
    ]);
    const deployment = verdict.categories.find((c) => c.id === 'deployment')!;
    expect(deployment.informational).toBe(true);
    expect(deployment.why).toBe(deploymentWhy);
    expect(verdict.min).toBeNull();
    expect(verdict.maxRegression).toBeNull();
    // Meeting the required score exactly passes; a tenth below fails.
    expect(judge(report([category('c', 80, [check('x', 80)])])).pass).toBe(true);
    expect(judge(report([category('c', 80, [check('x', 79.9)])])).pass).toBe(false);
  });

  it('fails a category below its required score, listing it and its checks below the bar', () => {
    const verdict = judge(passingReport([check('scale-verification', 100), check('rmi-tests', 40)]));
    expect(verdict.pass).toBe(false);
    expect(kinds(verdict.failures)).toEqual([
      'below-required:core-algorithm',
      'check-below-required:core-algorithm/rmi-tests',
    ]);
    const [categoryFailure, checkFailure] = verdict.failures;
    expect(categoryFailure).toMatchObject({ value: 70, threshold: 80, categoryName: 'Core Algorithm' });
    expect(checkFailure).toMatchObject({
      value: 40,
      threshold: 'the value itself, as a percentage',
      checkName: 'rmi-tests check',
    });
    expect(checkFailure!.reason).toMatch(/score 40 below the category's 80/);
  });

  it('fails when evidence is missing: a check without evidence scores 0 and pulls its category down', () => {
    const verdict = judge(passingReport([check('scale-verification', 100), missing('rmi-tests')]));
    expect(verdict.pass).toBe(false);
    expect(verdict.categories[0]!.score).toBe(50);
    const checkFailure = verdict.failures.find((f) => f.check === 'rmi-tests')!;
    expect(checkFailure.value).toBeNull();
    expect(checkFailure.reason).toMatch(/value no evidence, .*no evidence: no result of scenario rmi-tests/);
  });

  it('fails a check below its own required score even when its category passes', () => {
    const verdict = judge(
      passingReport([check('scale-verification', 100), check('rmi-tests', 85, { required: 90 })]),
    );
    expect(verdict.categories[0]!.score).toBe(92.5);
    expect(kinds(verdict.failures)).toEqual(['check-below-required:core-algorithm/rmi-tests']);
    expect(verdict.failures[0]!.reason).toMatch(/below the check's required 90/);
    expect(verdict.categories[0]!.checks[1]!.required).toBe(90);
  });

  it('applies --min to gating categories only', () => {
    const verdict = judge(passingReport(), { min: 92 });
    expect(kinds(verdict.failures)).toEqual([
      'below-min:unit-tests',
      'check-below-required:unit-tests/storage-statements',
    ]);
    expect(verdict.failures[0]).toMatchObject({ value: 91.5, threshold: 92 });
    expect(verdict.min).toBe(92);
    expect(judge(passingReport(), { min: 91.5 }).pass).toBe(true);
  });

  it('fails a regression beyond the tolerance against a baseline and passes within it', () => {
    const baseline = passingReport([check('scale-verification', 100), check('rmi-tests', 100)]);
    // 100 -> 95 on Core Algorithm: 5 points, still above its required 80.
    const current = passingReport();
    const beyond = judge(current, { baseline, maxRegression: 4.9 });
    expect(beyond.pass).toBe(false);
    expect(kinds(beyond.failures)).toEqual([
      'regression:core-algorithm',
      'check-regression:core-algorithm/rmi-tests',
    ]);
    expect(beyond.failures[0]).toMatchObject({ value: 95, threshold: 95.1 });
    expect(beyond.failures[0]!.reason).toMatch(
      /dropped 5 points from 100 in the baseline, beyond the tolerance of 4\.9/,
    );
    expect(beyond.maxRegression).toBe(4.9);
    expect(judge(current, { baseline, maxRegression: 5 }).pass).toBe(true);
    // Without a tolerance any drop fails; an improvement never does.
    expect(judge(current, { baseline }).pass).toBe(false);
    expect(judge(baseline, { baseline: current }).pass).toBe(true);
    expect(judge(current, { baseline }).categories[0]!.previous).toBe(100);
  });

  it('does not mistake floating-point noise for a regression', () => {
    const at = (score: number) => report([category('c', 0, [check('x', score)])]);
    // 50 - 49.8 is 0.20000000000000284 in binary: exactly the tolerance, not beyond it.
    expect(50 - 49.8).toBeGreaterThan(0.2);
    expect(judge(at(49.8), { baseline: at(50), maxRegression: 0.2 }).pass).toBe(true);
    expect(judge(at(49.7), { baseline: at(50), maxRegression: 0.2 }).pass).toBe(false);
  });

  it('does not fail an informational category on a regression', () => {
    const base = (score: number) =>
      report([category('deployment', 50, [check('x', score)], { informational: true, why: deploymentWhy })]);
    const verdict = judge(base(10), { baseline: base(40) });
    expect(verdict.pass).toBe(true);
    expect(kinds(verdict.informational)).toEqual([
      'below-required:deployment',
      'regression:deployment',
      'check-below-required:deployment/x',
    ]);
  });

  it('takes required scores and informational flags from a policy, and fails what the report lacks', () => {
    const policy: GatePolicy = {
      categories: [
        {
          id: 'core-algorithm',
          name: 'Core Algorithm',
          required: 96,
          checks: [{ id: 'rmi-tests', required: 95 }],
        },
        {
          id: 'unit-tests',
          name: 'Unit Tests',
          required: 99,
          informational: true,
          why: 'policy says so',
          checks: [],
        },
        { id: 'deployment', name: 'Deployment', required: 0, informational: true, checks: [] },
        { id: 'stability', name: 'Stability', required: 50, checks: [] },
        { id: 'monitoring', name: 'Monitoring', required: 50, informational: true, checks: [] },
      ],
    };
    const verdict = judge(passingReport(), { policy });
    expect(kinds(verdict.failures)).toEqual([
      'below-required:core-algorithm',
      // scale-verification (100) clears the policy's 96; rmi-tests (90) misses its own 95.
      'check-below-required:core-algorithm/rmi-tests',
      'missing-category:stability',
    ]);
    expect(verdict.failures[1]!.reason).toMatch(/below the check's required 95/);
    const core = verdict.categories[0]!;
    expect(core.required).toBe(96);
    expect(core.checks.map((c) => c.required)).toEqual([null, 95]);
    expect(verdict.failures.find((f) => f.category === 'stability')).toMatchObject({
      value: null,
      threshold: 50,
      categoryName: 'Stability',
    });
    expect(verdict.failures.find((f) => f.category === 'stability')!.reason).toMatch(
      /no evidence: the policy has category stability/,
    );
    expect(kinds(verdict.informational)).toEqual([
      'below-required:unit-tests',
      'check-below-required:unit-tests/tests-pass-share',
      'check-below-required:unit-tests/storage-statements',
      'missing-category:monitoring',
    ]);
    expect(verdict.categories.find((c) => c.id === 'unit-tests')!.why).toBe('policy says so');
  });

  it('fails a category the baseline has and the report lacks, unless it was informational', () => {
    const baseline = report([
      ...passingReport().categories,
      category('security', 60, [check('hostile-input', 100)]),
      category('extra', 60, [check('y', 0)], { informational: true }),
    ]);
    const verdict = judge(passingReport(), { baseline, maxRegression: 100 });
    expect(kinds(verdict.failures)).toEqual(['missing-category:security']);
    expect(verdict.failures[0]!.reason).toMatch(/the baseline has category security/);
    expect(verdict.failures[0]!.categoryName).toBe('Security');
    expect(kinds(verdict.informational).filter((k) => k.includes('extra'))).toEqual([
      'missing-category:extra',
    ]);
  });

  it('cuts a very long detail, saying how much', () => {
    const long = 'x'.repeat(gateDetailCharsMax + 10);
    const verdict = judge(passingReport([check('scale-verification', 0, { detail: long })]));
    expect(verdict.failures[1]!.reason).toMatch(/x\.\.\. \(10 more characters\)$/);
  });
});
