import { relative, sep } from 'node:path';
import { isMissing, type MeasureContext, type Measured, type Measurement, measure } from './measure.ts';
import type {
  CategoryResult,
  CheckResult,
  PolicyCategory,
  PolicyCheck,
  ReadinessReport,
  ScoreRule,
} from './types.ts';

/**
 * Evidence + policy -> scores. A check's score comes from its rule applied to what its evidence
 * measured; a check without evidence scores 0 and says 'no evidence: ...', never passes. When
 * several results match a check (two shards, or every adapter), the weakest one counts. A
 * category's score is the weighted mean of its checks' scores, to one decimal.
 */

/** A drop against the baseline smaller than this (points) is noise, not a regression. */
export const regressionTolerancePoints = 1;

function oneDecimal(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Check scores keep four decimals: a 60 s soak's 0.0694 of a day must not round to 0 or to 0.1. */
function fourDecimals(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function clamp(value: number): number {
  return Math.min(100, Math.max(0, value));
}

/** The rule in words, for the report's threshold column. */
export function describeRule(rule: ScoreRule): string {
  switch (rule.type) {
    case 'pass':
      return 'pass: 100, fail: 0';
    case 'percent':
      return 'the percentage itself';
    case 'linear':
      return rule.fullAt > rule.zeroAt
        ? `0 at <= ${rule.zeroAt}, 100 at >= ${rule.fullAt}, linear between`
        : `0 at >= ${rule.zeroAt}, 100 at <= ${rule.fullAt}, linear between`;
    case 'proportion':
      return `value / ${rule.of} x 100`;
    case 'equals':
      return `== ${rule.equals}`;
  }
}

/** The score of a measured value under a rule, and why when it is 0 for lack of a number. */
export function applyRule(rule: ScoreRule, measured: Measured): { score: number; problem?: string } {
  if (rule.type === 'pass') {
    if (measured.pass === undefined) return { score: 0, problem: 'the evidence has no pass/fail verdict' };
    return { score: measured.pass ? 100 : 0 };
  }
  const value = typeof measured.value === 'number' ? measured.value : null;
  if (value === null) return { score: 0, problem: `the value ${String(measured.value)} is not a number` };
  switch (rule.type) {
    case 'percent':
      return { score: clamp(value) };
    case 'linear':
      return { score: clamp(((value - rule.zeroAt) / (rule.fullAt - rule.zeroAt)) * 100) };
    case 'proportion':
      return { score: clamp((value / rule.of) * 100) };
    case 'equals':
      return { score: value === rule.equals ? 100 : 0 };
  }
}

function relativeLinks(outDir: string, files: readonly string[]): string[] {
  const links = files.map((file) => relative(outDir, file).split(sep).join('/'));
  return [...new Set(links)];
}

interface Scored {
  readonly measurement: Measurement;
  readonly score: number;
  readonly problem?: string;
}

function scoreMeasurement(rule: ScoreRule, measurement: Measurement): Scored {
  if (isMissing(measurement)) return { measurement, score: 0 };
  return { measurement, ...applyRule(rule, measurement) };
}

export function scoreCheck(check: PolicyCheck, context: MeasureContext, outDir: string): CheckResult {
  const scored = measure(check.evidence, context).map((m) => scoreMeasurement(check.score, m));
  // The weakest counts; on a tie, a missing piece of evidence is shown rather than hidden.
  const weakest = scored.reduce((worst, s) =>
    s.score < worst.score || (s.score === worst.score && isMissing(s.measurement)) ? s : worst,
  );
  const files = scored.flatMap((s) => s.measurement.files);
  const base = {
    id: check.id,
    name: check.name,
    weight: check.weight,
    threshold: describeRule(check.score),
    evidence: relativeLinks(outDir, files),
    ...(check.required === undefined ? {} : { required: check.required }),
  };
  const { measurement } = weakest;
  if (isMissing(measurement))
    return {
      ...base,
      score: 0,
      value: null,
      noEvidence: true,
      detail: `no evidence: ${measurement.missing}`,
    };
  return {
    ...base,
    score: fourDecimals(weakest.score),
    value: measurement.value,
    noEvidence: false,
    detail: weakest.problem === undefined ? measurement.detail : `${measurement.detail}; ${weakest.problem}`,
  };
}

export function scoreCategory(
  category: PolicyCategory,
  context: MeasureContext,
  outDir: string,
): CategoryResult {
  const checks = category.checks.map((check) => scoreCheck(check, context, outDir));
  const weights = checks.reduce((sum, c) => sum + c.weight, 0);
  if (!(weights > 0))
    throw new Error(`OmenDB harness invariant violated: category ${category.id} has no positive weight`);
  const score = oneDecimal(checks.reduce((sum, c) => sum + c.score * c.weight, 0) / weights);
  const informational = category.informational === true;
  // A check with its own required score gates its category too (the gate judges the same way).
  const checksMet = checks.every((c) => c.required === undefined || c.score >= c.required);
  return {
    id: category.id,
    name: category.name,
    required: category.required,
    score,
    previous: null,
    status: informational ? 'informational' : score >= category.required && checksMet ? 'pass' : 'fail',
    informational,
    ...(category.why === undefined ? {} : { why: category.why }),
    checks,
  };
}

/** previous from the baseline's category of the same id; a regression when it dropped beyond tolerance. */
export function applyBaseline(
  categories: readonly CategoryResult[],
  baseline: ReadinessReport | null,
  tolerance: number = regressionTolerancePoints,
): CategoryResult[] {
  return categories.map((category) => {
    const before = baseline?.categories.find((c) => c.id === category.id);
    if (before === undefined) return category;
    const drop = oneDecimal(before.score - category.score);
    return {
      ...category,
      previous: before.score,
      ...(drop > tolerance ? { regression: drop } : {}),
    };
  });
}

/** Every non-informational category at or above its required score. */
export function reportPasses(categories: readonly CategoryResult[]): boolean {
  return categories.every((c) => c.informational || c.status === 'pass');
}
