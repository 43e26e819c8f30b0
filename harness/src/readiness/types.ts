/**
 * The readiness report's types, shared by the policy loader, the evidence collector, the scorer,
 * the renderers (Markdown, HTML), the gate and the static facts. Everything a report says is
 * computed from the evidence of one or more run directories; nothing is typed by hand.
 */

// ---------------------------------------------------------------- the policy (scenarios/readiness.policy.json)

/** Where a check's value comes from. */
export type EvidenceSpec =
  /** A named check of a scenario's result: its pass, and its value. */
  | {
      readonly kind: 'scenario-check';
      readonly scenario: string;
      readonly check: string;
      /** The adapter that ran it (result.engine.adapter, e.g. 'embedded', 'http', or a wrapper of it such as 'zero-for-absent(embedded)'); any when omitted. */
      readonly adapter?: string;
    }
  /** The status of a scenario's result: passed scores as pass. */
  | { readonly kind: 'scenario-status'; readonly scenario: string; readonly adapter?: string }
  /** A numeric metric of a scenario's result, by dotted path (e.g. 'one.ingestPointsPerSec'). */
  | {
      readonly kind: 'scenario-metric';
      readonly scenario: string;
      readonly path: string;
      readonly adapter?: string;
    }
  /** Covered / total of a module, summed from counts: unit (vitest), e2e (the scenarios) or their union. */
  | {
      readonly kind: 'coverage';
      readonly source: 'unit' | 'e2e' | 'union';
      /** A directory such as 'engine/src/storage', or one file ('engine/src/engine.ts'). */
      readonly module: string;
      readonly metric: 'statements' | 'branches' | 'functions' | 'lines';
    }
  /**
   * A metric of a scenario's result that must equal another of the same result (the engine's
   * points-written counter growth equals the points the scale shape wrote): Monitoring is judged
   * on behaviour, and a counter that stays constant while points are written scores 0.
   */
  | {
      readonly kind: 'scenario-metric-equals';
      readonly scenario: string;
      readonly path: string;
      readonly equalsPath: string;
      readonly adapter?: string;
    }
  /** The test runner's JSON results (vitest --reporter=json): the share of tests that passed. */
  | { readonly kind: 'tests'; readonly pathPattern?: string }
  /** A static fact the harness verifies itself at report time (see static-facts). */
  | { readonly kind: 'static'; readonly fact: string };

/** How a value becomes a score from 0 to 100. */
export type ScoreRule =
  /** pass -> 100, fail -> 0 (scenario-check, scenario-status, a static fact's pass). */
  | { readonly type: 'pass' }
  /** The value (a percentage, or a share times 100) itself, clamped to 0..100. */
  | { readonly type: 'percent' }
  /** 0 at or below zeroAt, 100 at or beyond fullAt, linear between (either direction). */
  | { readonly type: 'linear'; readonly zeroAt: number; readonly fullAt: number }
  /** value / of x 100, clamped: e.g. soak seconds of a 24 h requirement. */
  | { readonly type: 'proportion'; readonly of: number }
  /** 100 when the value equals `equals` (a count of violations == 0), else 0. */
  | { readonly type: 'equals'; readonly equals: number };

export interface PolicyCheck {
  /** Stable id, unique in the policy, kebab-case (e.g. 'soak-duration'). */
  readonly id: string;
  readonly name: string;
  readonly weight: number;
  readonly evidence: EvidenceSpec;
  readonly score: ScoreRule;
  /** A check may gate on its own score (optional); the category's required score always gates. */
  readonly required?: number;
  /** Why this check, its weight and its rule (shown in the report's Markdown). */
  readonly description: string;
}

export interface PolicyCategory {
  /** e.g. 'core-algorithm'. */
  readonly id: string;
  /** e.g. 'Core Algorithm'. */
  readonly name: string;
  /** The score (0-100) the category must reach. */
  readonly required: number;
  /** Scored and shown, never gating. */
  readonly informational?: boolean;
  /** Why it is informational (shown in the report). */
  readonly why?: string;
  readonly checks: readonly PolicyCheck[];
}

export interface ReadinessPolicy {
  readonly schemaVersion: 1;
  readonly categories: readonly PolicyCategory[];
}

// ---------------------------------------------------------------- the report (readiness.json)

export type CategoryStatus = 'pass' | 'fail' | 'informational';

export interface CheckResult {
  readonly id: string;
  readonly name: string;
  readonly weight: number;
  /** 0-100; 0 when there is no evidence. */
  readonly score: number;
  /** The measured value (number, boolean or text), or null with noEvidence. */
  readonly value: number | string | boolean | null;
  /** Human text of the scoring rule, e.g. '100 at >= 90 %, 0 at <= 50 %'. */
  readonly threshold: string;
  readonly noEvidence: boolean;
  /** Why: the evidence's own words (a check's threshold, a fact's detail), or 'no evidence: ...'. */
  readonly detail: string;
  /** Evidence files, relative to the report's output directory (links in the HTML). */
  readonly evidence: readonly string[];
  readonly required?: number;
}

export interface CategoryResult {
  readonly id: string;
  readonly name: string;
  readonly required: number;
  /** Weighted mean of the checks' scores, one decimal. */
  readonly score: number;
  /** From the baseline report, when one was given and has this category. */
  readonly previous: number | null;
  readonly status: CategoryStatus;
  readonly informational: boolean;
  readonly why?: string;
  /** previous - score when positive and beyond the tolerance; else absent. */
  readonly regression?: number;
  readonly checks: readonly CheckResult[];
}

export interface ModuleCoverage {
  /** e.g. 'engine/src/storage'. */
  readonly module: string;
  readonly unit: CoverageCounts | null;
  readonly e2e: CoverageCounts | null;
  readonly union: CoverageCounts | null;
}

export interface CoverageCounts {
  readonly statements: { readonly covered: number; readonly total: number };
  readonly branches: { readonly covered: number; readonly total: number };
  readonly functions: { readonly covered: number; readonly total: number };
  readonly lines: { readonly covered: number; readonly total: number };
}

/** Series for the charts, taken from the evidence (interval files, ingest series, results). */
export interface ReadinessCharts {
  /** Soak: per interval, t in seconds, RSS MB, heap MB, p99 ms. */
  readonly soak: readonly {
    readonly adapter: string;
    readonly points: readonly { t: number; rssMb: number | null; heapMb: number | null; p99Ms: number }[];
  }[];
  /** Scale ingest throughput over time, per adapter and shape. */
  readonly scale: readonly {
    readonly adapter: string;
    readonly shape: string;
    readonly points: readonly { t: number; pointsPerSec: number }[];
  }[];
  /** Crash counts: kills, power losses, damages applied, per scenario. */
  readonly crashes: readonly { readonly label: string; readonly count: number }[];
}

export interface ReadinessReport {
  readonly schemaVersion: 1;
  readonly generatedAt: string;
  readonly gitCommit: string | null;
  /** The run directories merged, relative to the output directory. */
  readonly inputs: readonly string[];
  readonly baseline: string | null;
  readonly policy: string;
  /** The overall verdict: every non-informational category at or above its required score. */
  readonly pass: boolean;
  readonly categories: readonly CategoryResult[];
  readonly coverage: readonly ModuleCoverage[];
  readonly charts: ReadinessCharts;
}

// ---------------------------------------------------------------- static facts

export interface StaticFactContext {
  /** The repository's root (where package.json, README.md, docs/ are). */
  readonly repoRoot: string;
  /** The run directories given to the report. */
  readonly runDirs: readonly string[];
}

export interface StaticFactResult {
  /** 0-100 where the fact is a share (e.g. 97.5 % of codes documented), or pass as 100/0. */
  readonly value: number;
  readonly pass: boolean;
  /** What was counted and what failed (first few offenders by name). */
  readonly detail: string;
}

export interface StaticFact {
  /** The name the policy's { kind: 'static', fact } uses. */
  readonly name: string;
  readonly description: string;
  evaluate(context: StaticFactContext): Promise<StaticFactResult>;
}
