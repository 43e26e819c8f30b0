import { basename, dirname, join } from 'node:path';
import type { CoverageFiles, Evidence, FoundResult } from './evidence.ts';
import { asNumber, resolveMetricPath } from './metric-path.ts';
import type { EvidenceSpec, ModuleCoverage, StaticFactResult } from './types.ts';

/**
 * What one piece of evidence says: a value, whether it passed (when the evidence has a verdict),
 * the evidence's own words and its files; or why there is no evidence. Several results may match
 * one spec (a scenario run on two adapters, or in two shards): each is measured, and the scorer
 * keeps the weakest.
 */

export interface Measured {
  readonly value: number | string | boolean | null;
  /** The evidence's own verdict: a check's pass, a status of passed, a fact's pass. */
  readonly pass?: boolean;
  readonly detail: string;
  /** Absolute paths. */
  readonly files: readonly string[];
}

export interface Missing {
  readonly missing: string;
  readonly files: readonly string[];
}

export type Measurement = Measured | Missing;

export type FactOutcome =
  | { readonly kind: 'result'; readonly result: StaticFactResult }
  | { readonly kind: 'unregistered' }
  | { readonly kind: 'error'; readonly message: string };

export interface MeasureContext {
  readonly evidence: Evidence;
  readonly coverage: readonly ModuleCoverage[];
  readonly facts: ReadonlyMap<string, FactOutcome>;
  /** The file the facts' results were written to (absolute), their evidence link. */
  readonly factsFile: string | null;
}

export function isMissing(measurement: Measurement): measurement is Missing {
  return 'missing' in measurement;
}

/** Every measurement the spec yields: one per matching result for scenario evidence, else one. */
export function measure(spec: EvidenceSpec, context: MeasureContext): Measurement[] {
  switch (spec.kind) {
    case 'scenario-check':
    case 'scenario-status':
    case 'scenario-metric':
    case 'scenario-metric-equals':
      return measureScenario(spec, context.evidence);
    case 'coverage':
      return [measureCoverage(spec, context)];
    case 'tests':
      return [measureTests(spec, context.evidence)];
    case 'static':
      return [measureStatic(spec.fact, context)];
  }
}

type ScenarioSpec = Extract<EvidenceSpec, { scenario: string }>;

function describeSpec(spec: ScenarioSpec): string {
  return spec.adapter === undefined ? spec.scenario : `${spec.scenario} (${spec.adapter})`;
}

/**
 * The adapter a result ran on, seen through any wrappers: a broken-on-purpose wrapper describes
 * itself as `name(inner)`, and a canary run must be scored by the same checks as the adapter it
 * wraps, so that the check fails on the defect rather than on "no evidence".
 */
export function innermostAdapter(adapter: string): string {
  const inner = /\(([^()]*)\)+$/.exec(adapter);
  return inner === null ? adapter : inner[1]!;
}

function measureScenario(spec: ScenarioSpec, evidence: Evidence): Measurement[] {
  const matching = evidence.results.filter(
    (found) =>
      found.result.scenario === spec.scenario &&
      (spec.adapter === undefined || innermostAdapter(found.result.engine.adapter) === spec.adapter),
  );
  if (matching.length === 0) return [{ missing: `no result of ${describeSpec(spec)} in the run`, files: [] }];
  const several = matching.length > 1;
  return matching.map((found) => {
    const measurement = measureResult(spec, found);
    if (!several) return measurement;
    // Several results: say which one each measurement came from.
    const label = `${found.result.engine.adapter}: ${basename(dirname(found.file))}/${basename(found.file)}`;
    return isMissing(measurement)
      ? { ...measurement, missing: `${measurement.missing} [${label}]` }
      : { ...measurement, detail: `${measurement.detail} [${label}]` };
  });
}

/** The result file, then its evidence files (relative to the run directory it was written to). */
function resultFiles(found: FoundResult): string[] {
  return [found.file, ...found.result.evidence.map((path) => join(found.baseDir, path))];
}

/** Why a result has no figures: it did not run, or it crashed. */
function notRun(found: FoundResult): string | null {
  const { result } = found;
  if (result.status === 'skipped')
    return `${result.scenario} was skipped: ${result.skipReason ?? 'no reason given'}`;
  if (result.status === 'crashed')
    return `${result.scenario} crashed: ${result.error?.code ?? 'no code'} ${result.error?.message ?? ''}`.trim();
  return null;
}

function measureResult(spec: ScenarioSpec, found: FoundResult): Measurement {
  const files = resultFiles(found);
  const { result } = found;
  if (spec.kind === 'scenario-status') {
    const passing = result.checks.filter((c) => c.pass).length;
    const why = notRun(found);
    return {
      value: result.status,
      pass: result.status === 'passed',
      detail: `${result.status}: ${passing} of ${result.checks.length} checks pass${why === null ? '' : `; ${why}`}`,
      files,
    };
  }
  if (spec.kind === 'scenario-check') {
    const check = result.checks.find((c) => c.name === spec.check);
    if (check === undefined)
      return { missing: notRun(found) ?? `${result.scenario} has no check named '${spec.check}'`, files };
    return {
      value: check.value,
      pass: check.pass,
      detail: `${check.pass ? 'pass' : 'FAIL'}: ${String(check.value)} (threshold ${check.threshold})`,
      files,
    };
  }
  const value = asNumber(resolveMetricPath(result.metrics, spec.path));
  if (value === null)
    return { missing: notRun(found) ?? `${result.scenario} has no numeric metric ${spec.path}`, files };
  if (spec.kind === 'scenario-metric') return { value, detail: `${spec.path} = ${value}`, files };
  const reference = asNumber(resolveMetricPath(result.metrics, spec.equalsPath));
  if (reference === null)
    return { missing: `${result.scenario} has no numeric metric ${spec.equalsPath}`, files };
  if (reference === 0)
    // A metric equal to a subject that never changed proves nothing about the metric.
    return { missing: `${spec.equalsPath} is 0: the metric was never exercised`, files };
  return {
    value,
    pass: value === reference,
    detail: `${spec.path} = ${value}, ${spec.equalsPath} = ${reference}`,
    files,
  };
}

function coverageFiles(files: CoverageFiles, source: 'unit' | 'e2e' | 'union'): string[] {
  if (source === 'unit') return [...files.unitFinal];
  if (source === 'e2e') return [...files.e2eFinal];
  return [...files.unitFinal, ...files.e2eFinal];
}

function measureCoverage(
  spec: Extract<EvidenceSpec, { kind: 'coverage' }>,
  context: MeasureContext,
): Measurement {
  const files = coverageFiles(context.evidence.coverage, spec.source);
  const entry = context.coverage.find((m) => m.module === spec.module);
  const counts = entry?.[spec.source] ?? null;
  if (counts === null) return { missing: `no ${spec.source} coverage of ${spec.module} in the run`, files };
  const { covered, total } = counts[spec.metric];
  if (total === 0)
    return { missing: `no ${spec.metric} of ${spec.module} in the ${spec.source} coverage`, files };
  const value = Math.round((covered / total) * 10_000) / 100;
  return { value, detail: `${covered} of ${total} ${spec.metric} covered (${spec.source})`, files };
}

function measureTests(spec: Extract<EvidenceSpec, { kind: 'tests' }>, evidence: Evidence): Measurement {
  const files = evidence.tests.map((t) => t.file);
  const pattern = spec.pathPattern;
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let testFiles = 0;
  const failing: string[] = [];
  for (const tests of evidence.tests)
    for (const file of tests.files) {
      if (pattern !== undefined && !file.name.includes(pattern)) continue;
      testFiles += 1;
      passed += file.passed;
      failed += file.failed;
      skipped += file.skipped;
      if (file.failed > 0) failing.push(file.name);
    }
  const where = pattern === undefined ? 'the test results' : `tests matching ${pattern}`;
  if (files.length === 0) return { missing: 'no test results (tests/*.json) in the run', files };
  if (passed + failed === 0) return { missing: `no test ran in ${where}`, files };
  const value = Math.round((passed / (passed + failed)) * 10_000) / 100;
  const offenders = failing.length === 0 ? '' : `; failing in ${failing.slice(0, 3).join(', ')}`;
  return {
    value,
    detail: `${passed} of ${passed + failed} tests passed in ${testFiles} files (${skipped} skipped)${offenders}`,
    files,
  };
}

function measureStatic(fact: string, context: MeasureContext): Measurement {
  const files = context.factsFile === null ? [] : [context.factsFile];
  const outcome = context.facts.get(fact) ?? { kind: 'unregistered' };
  if (outcome.kind === 'unregistered')
    return { missing: `static fact '${fact}' is not registered`, files: [] };
  if (outcome.kind === 'error')
    return { missing: `static fact '${fact}' could not be evaluated: ${outcome.message}`, files };
  const { result } = outcome;
  return { value: result.value, pass: result.pass, detail: result.detail, files };
}
