import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { OmenDbError } from '@omendb/engine';
import { gitCommit as lookUpGitCommit } from '../runner/machine.ts';
import { buildCharts } from './charts.ts';
import { oneCoverageFile } from './coverage-merge.ts';
import { collectEvidence, type Evidence } from './evidence.ts';
import type { FactOutcome, MeasureContext } from './measure.ts';
import { coverageModules, moduleCoverage as realModuleCoverage } from './module-coverage.ts';
import { loadPolicy } from './policy.ts';
import { applyBaseline, reportPasses, scoreCategory } from './score.ts';
import { sharedFactServer } from './static-facts/fact-server.ts';
import { createStaticFacts } from './static-facts/index.ts';
import type { ModuleCoverage, ReadinessPolicy, ReadinessReport, StaticFact } from './types.ts';
import { validateReadiness } from './validate-readiness.ts';

export { validateReadiness } from './validate-readiness.ts';

/**
 * Assembles readiness.json: the evidence of the --in directories, per-module coverage
 * (moduleCoverage), the static facts the policy names (evaluated now; one the registry lacks
 * scores 0, 'no evidence'), the scores, the baseline's previous scores and regressions, and the
 * charts' series. The report is validated against readiness.schema.json before it is returned.
 */

export interface BuildReportOptions {
  /** The run directories, absolute. */
  readonly inDirs: readonly string[];
  /** The output directory, absolute: evidence links are relative to it. */
  readonly outDir: string;
  readonly policyPath: string;
  readonly baselinePath?: string | null;
  readonly repoRoot: string;
  readonly now?: Date;
  /** Replaceable in tests: the real ones spawn servers and read the whole repository. */
  readonly staticFacts?: readonly StaticFact[];
  readonly moduleCoverage?: typeof realModuleCoverage;
  readonly gitCommit?: string | null;
}

export interface BuiltReport {
  readonly report: ReadinessReport;
  readonly evidence: Evidence;
  readonly policy: ReadinessPolicy;
}

/** Written beside readiness.json: what each static fact measured, the link of static checks. */
export const staticFactsFileName = 'static-facts.json';

function linkFrom(outDir: string, path: string): string {
  const link = relative(outDir, path).split(sep).join('/');
  return link === '' ? '.' : link;
}

/** The policy as the repository names it when it is the repository's, else its absolute path. */
function policyName(repoRoot: string, path: string): string {
  const inRepo = relative(repoRoot, path);
  return inRepo.startsWith('..') || isAbsolute(inRepo) ? path : inRepo.split(sep).join('/');
}

export async function readBaseline(path: string): Promise<ReadinessReport> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', `baseline ${path}: ${(error as Error).message}`);
  }
  return validateReadiness(parsed);
}

async function coverageOf(evidence: Evidence, options: BuildReportOptions): Promise<ModuleCoverage[]> {
  const unitFinal = await oneCoverageFile(
    evidence.coverage.unitFinal,
    join(options.outDir, 'coverage-unit-merged.json'),
  );
  const e2eFinal = await oneCoverageFile(
    evidence.coverage.e2eFinal,
    join(options.outDir, 'coverage-e2e-merged.json'),
  );
  if (unitFinal === null && e2eFinal === null)
    return coverageModules.map((module) => ({ module, unit: null, e2e: null, union: null }));
  return (options.moduleCoverage ?? realModuleCoverage)({ unitFinal, e2eFinal, repoRoot: options.repoRoot });
}

function factNames(policy: ReadinessPolicy): string[] {
  const names = policy.categories.flatMap((c) =>
    c.checks.flatMap((check) => (check.evidence.kind === 'static' ? [check.evidence.fact] : [])),
  );
  return [...new Set(names)];
}

async function evaluateFacts(
  names: readonly string[],
  options: BuildReportOptions,
): Promise<Map<string, FactOutcome>> {
  if (options.staticFacts !== undefined) return evaluateWith(options.staticFacts, names, options);
  const shared = sharedFactServer();
  try {
    return await evaluateWith(createStaticFacts(shared.withServer), names, options);
  } finally {
    await shared.dispose();
  }
}

async function evaluateWith(
  registry: readonly StaticFact[],
  names: readonly string[],
  options: BuildReportOptions,
): Promise<Map<string, FactOutcome>> {
  const outcomes = new Map<string, FactOutcome>();
  for (const name of names) {
    const fact = registry.find((f) => f.name === name);
    if (fact === undefined) {
      outcomes.set(name, { kind: 'unregistered' });
      continue;
    }
    try {
      const result = await fact.evaluate({ repoRoot: options.repoRoot, runDirs: options.inDirs });
      outcomes.set(name, { kind: 'result', result });
    } catch (error) {
      // A fact that cannot be established is no evidence, and says why; it never passes.
      outcomes.set(name, { kind: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcomes;
}

async function writeFacts(outDir: string, facts: ReadonlyMap<string, FactOutcome>): Promise<string | null> {
  if (facts.size === 0) return null;
  const file = join(outDir, staticFactsFileName);
  await writeFile(file, `${JSON.stringify(Object.fromEntries(facts), null, 2)}\n`);
  return file;
}

export async function buildReport(options: BuildReportOptions): Promise<BuiltReport> {
  const policy = await loadPolicy(options.policyPath);
  const baseline =
    options.baselinePath === undefined || options.baselinePath === null
      ? null
      : await readBaseline(options.baselinePath);
  await mkdir(options.outDir, { recursive: true });
  const evidence = await collectEvidence(options.inDirs);
  const coverage = await coverageOf(evidence, options);
  const facts = await evaluateFacts(factNames(policy), options);
  const context: MeasureContext = {
    evidence,
    coverage,
    facts,
    factsFile: await writeFacts(options.outDir, facts),
  };
  const scored = policy.categories.map((category) => scoreCategory(category, context, options.outDir));
  const categories = applyBaseline(scored, baseline);
  const report: ReadinessReport = {
    schemaVersion: 1,
    generatedAt: (options.now ?? new Date()).toISOString(),
    gitCommit: options.gitCommit !== undefined ? options.gitCommit : await lookUpGitCommit(options.repoRoot),
    inputs: options.inDirs.map((dir) => linkFrom(options.outDir, dir)),
    baseline:
      options.baselinePath === undefined || options.baselinePath === null
        ? null
        : linkFrom(options.outDir, options.baselinePath),
    policy: policyName(options.repoRoot, options.policyPath),
    pass: reportPasses(categories),
    categories,
    coverage,
    charts: await buildCharts(evidence),
  };
  return { report: validateReadiness(report), evidence, policy };
}
