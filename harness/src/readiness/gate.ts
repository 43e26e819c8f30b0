import { gateDetailCharsMax } from '../limits.ts';
import type { CategoryResult, CheckResult, ReadinessReport } from './types.ts';

/**
 * The CI gate's judgement of a readiness report: pure, so the command, the JUnit writer and the
 * tests all see the same verdict. A category gates on its required score, on --min when given, and
 * on its drop against a baseline report; a check gates on its own `required` when it has one.
 * Informational categories are judged the same way but their failures are notes, never failures.
 * A category the policy or the baseline expects and the report lacks fails: missing evidence never
 * passes.
 */

/** What the gate takes from a policy: required scores and informational flags, by id. A
 * ReadinessPolicy is one; the CLI also accepts a file it has only shape-checked. */
export interface GatePolicy {
  readonly categories: readonly {
    readonly id: string;
    readonly name: string;
    readonly required: number;
    readonly informational?: boolean;
    readonly why?: string;
    readonly checks: readonly { readonly id: string; readonly required?: number }[];
  }[];
}

/** The part of a baseline report the gate compares against. */
export type GateBaseline = Pick<ReadinessReport, 'categories'>;

export interface GateOptions {
  /** Overrides the report's required scores and informational flags (the report's own otherwise). */
  readonly policy?: GatePolicy;
  /** Every gating category must also score at least this (0-100). */
  readonly min?: number;
  readonly baseline?: GateBaseline;
  /** Points a category may drop below its baseline score; 0 (any drop fails) when omitted. */
  readonly maxRegression?: number;
}

export type GateFailureKind =
  | 'below-required'
  | 'below-min'
  | 'regression'
  | 'missing-category'
  | 'check-below-required'
  | 'check-regression';

export interface GateFailure {
  readonly kind: GateFailureKind;
  /** The category's id. */
  readonly category: string;
  readonly categoryName: string;
  /** The check's id, for a check's failure. */
  readonly check?: string;
  readonly checkName?: string;
  /** The category's score, or the check's measured value (null when it has no evidence). */
  readonly value: number | string | boolean | null;
  /** The score it had to reach, or the check's rule as text. */
  readonly threshold: number | string;
  readonly reason: string;
}

export interface JudgedCheck {
  readonly check: CheckResult;
  /** Its own required score (policy first, then the report's), if any. */
  readonly required: number | null;
  /** The failure it contributes (a note when its category is informational), if any. */
  readonly failure: GateFailure | null;
}

export interface JudgedCategory {
  readonly id: string;
  readonly name: string;
  /** null when the report lacks the category. */
  readonly score: number | null;
  readonly required: number;
  readonly informational: boolean;
  readonly why: string | null;
  /** The baseline's score for it, when a baseline was given and has it. */
  readonly previous: number | null;
  /** The category-level failures, by kind (the check-level ones are on the checks). */
  readonly failures: readonly GateFailure[];
  readonly checks: readonly JudgedCheck[];
}

export interface GateVerdict {
  readonly pass: boolean;
  /** Every gating failure: categories first, each followed by its checks. */
  readonly failures: readonly GateFailure[];
  /** What would fail in informational categories: shown, never gating. */
  readonly informational: readonly GateFailure[];
  readonly categories: readonly JudgedCategory[];
  readonly min: number | null;
  /** The tolerance in points when a baseline was given, else null. */
  readonly maxRegression: number | null;
}

type PolicyCategory = GatePolicy['categories'][number];

/** Scores carry one decimal: a drop of 0.1 must not read as 0.09999999999999432. */
function drop(previous: number, score: number): number {
  return Math.round((previous - score) * 1e6) / 1e6;
}

export function formatScore(score: number): string {
  return String(Math.round(score * 100) / 100);
}

function clip(text: string): string {
  return text.length <= gateDetailCharsMax
    ? text
    : `${text.slice(0, gateDetailCharsMax)}... (${text.length - gateDetailCharsMax} more characters)`;
}

function describeValue(check: CheckResult): string {
  return check.noEvidence ? 'no evidence' : JSON.stringify(check.value);
}

interface CategoryContext {
  readonly category: CategoryResult;
  readonly required: number;
  readonly failing: boolean;
  /** The bar a failing category's checks are listed against: its required score, or --min if higher. */
  readonly bar: number;
  readonly regressed: boolean;
  readonly previousChecks: ReadonlyMap<string, number>;
  readonly policyChecks: ReadonlyMap<string, number | undefined>;
}

function judgeCheck(context: CategoryContext, check: CheckResult): JudgedCheck {
  const own = context.policyChecks.has(check.id)
    ? (context.policyChecks.get(check.id) ?? null)
    : (check.required ?? null);
  const base = {
    category: context.category.id,
    categoryName: context.category.name,
    check: check.id,
    checkName: check.name,
    value: check.value,
    threshold: check.threshold,
  };
  const why = `value ${describeValue(check)}, threshold ${check.threshold}; ${clip(check.detail)}`;
  let failure: GateFailure | null = null;
  if (own !== null && check.score < own) {
    failure = {
      ...base,
      kind: 'check-below-required',
      reason: `score ${formatScore(check.score)} below the check's required ${formatScore(own)}: ${why}`,
    };
  } else if (context.failing && check.score < context.bar) {
    failure = {
      ...base,
      kind: 'check-below-required',
      reason: `score ${formatScore(check.score)} below the category's ${formatScore(context.bar)}: ${why}`,
    };
  } else if (context.regressed) {
    const previous = context.previousChecks.get(check.id);
    if (previous !== undefined && drop(previous, check.score) > 0)
      failure = {
        ...base,
        kind: 'check-regression',
        reason: `score ${formatScore(check.score)} fell from ${formatScore(previous)} in the baseline: ${why}`,
      };
  }
  return { check, required: own, failure };
}

function judgeCategory(
  category: CategoryResult,
  policy: PolicyCategory | undefined,
  previous: CategoryResult | undefined,
  options: GateOptions,
): JudgedCategory {
  const required = policy?.required ?? category.required;
  const base = { category: category.id, categoryName: category.name, value: category.score };
  const failures: GateFailure[] = [];
  if (category.score < required)
    failures.push({
      ...base,
      kind: 'below-required',
      threshold: required,
      reason: `score ${formatScore(category.score)} below required ${formatScore(required)}`,
    });
  if (options.min !== undefined && category.score < options.min)
    failures.push({
      ...base,
      kind: 'below-min',
      threshold: options.min,
      reason: `score ${formatScore(category.score)} below --min ${formatScore(options.min)}`,
    });
  const tolerance = options.maxRegression ?? 0;
  if (previous !== undefined && drop(previous.score, category.score) > tolerance)
    failures.push({
      ...base,
      kind: 'regression',
      threshold: Math.round((previous.score - tolerance) * 1e6) / 1e6,
      reason: `score ${formatScore(category.score)} dropped ${formatScore(drop(previous.score, category.score))} points from ${formatScore(previous.score)} in the baseline, beyond the tolerance of ${formatScore(tolerance)}`,
    });
  const context: CategoryContext = {
    category,
    required,
    failing: failures.length > 0,
    bar: Math.max(required, options.min ?? 0),
    regressed: failures.some((f) => f.kind === 'regression'),
    previousChecks: new Map(previous?.checks.map((c) => [c.id, c.score]) ?? []),
    policyChecks: new Map(policy?.checks.map((c) => [c.id, c.required]) ?? []),
  };
  const why = policy === undefined ? category.why : policy.why;
  return {
    id: category.id,
    name: category.name,
    score: category.score,
    required,
    informational: policy?.informational ?? category.informational,
    why: why ?? null,
    previous: previous?.score ?? null,
    failures,
    checks: category.checks.map((check) => judgeCheck(context, check)),
  };
}

/** A category the policy or the baseline has and the report does not. */
function missingCategory(
  id: string,
  policy: PolicyCategory | undefined,
  previous: CategoryResult | undefined,
): JudgedCategory {
  const name = policy?.name ?? previous?.name ?? id;
  const required = policy?.required ?? previous?.required ?? 0;
  const source = policy === undefined ? 'the baseline' : 'the policy';
  return {
    id,
    name,
    score: null,
    required,
    informational: policy?.informational ?? previous?.informational ?? false,
    why: policy?.why ?? previous?.why ?? null,
    previous: previous?.score ?? null,
    failures: [
      {
        kind: 'missing-category',
        category: id,
        categoryName: name,
        value: null,
        threshold: required,
        reason: `no evidence: ${source} has category ${id} and the report does not`,
      },
    ],
    checks: [],
  };
}

export function judge(report: Pick<ReadinessReport, 'categories'>, options: GateOptions = {}): GateVerdict {
  const policyById = new Map(options.policy?.categories.map((c) => [c.id, c]) ?? []);
  const baselineById = new Map(options.baseline?.categories.map((c) => [c.id, c]) ?? []);
  const present = new Set(report.categories.map((c) => c.id));
  const categories = report.categories.map((category) =>
    judgeCategory(category, policyById.get(category.id), baselineById.get(category.id), options),
  );
  const expected = [...policyById.keys(), ...baselineById.keys()];
  for (const id of new Set(expected)) {
    if (!present.has(id)) categories.push(missingCategory(id, policyById.get(id), baselineById.get(id)));
  }
  const failures: GateFailure[] = [];
  const informational: GateFailure[] = [];
  for (const category of categories) {
    const all = [
      ...category.failures,
      ...category.checks.flatMap((c) => (c.failure === null ? [] : [c.failure])),
    ];
    (category.informational ? informational : failures).push(...all);
  }
  return {
    pass: failures.length === 0,
    failures,
    informational,
    categories,
    min: options.min ?? null,
    maxRegression: options.baseline === undefined ? null : (options.maxRegression ?? 0),
  };
}
