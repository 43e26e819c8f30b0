import { readFile } from 'node:fs/promises';
import { OmenDbError } from '@omendb/engine';
import { schemaChecker } from '../runner/json-schema.ts';
import type { EvidenceSpec, ReadinessPolicy, ScoreRule } from './types.ts';
import { repoFileUrl } from '../repo-paths.ts';

/**
 * The readiness policy (scenarios/readiness.policy.json): loaded, checked against
 * policy.schema.json, then against what a schema cannot say (unique ids, a rule that fits its
 * evidence). An invalid policy is a usage error: the report would otherwise score by rules
 * nobody wrote.
 */

export const policySchemaPath = repoFileUrl('harness/src/readiness/policy.schema.json');
/** The policy the report uses unless --policy names another. */
export const defaultPolicyPath = repoFileUrl('scenarios/readiness.policy.json');

const checkSchema = schemaChecker(policySchemaPath);

function invalid(where: string, why: string): never {
  throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', `readiness policy ${where} is invalid: ${why}`);
}

/** Evidence that yields a pass/fail rather than a number: only the 'pass' rule fits it. */
const passOnlyKinds: ReadonlySet<EvidenceSpec['kind']> = new Set([
  'scenario-status',
  'scenario-metric-equals',
]);
/** Evidence that yields a number only: the 'pass' rule has nothing to judge. */
const numericOnlyKinds: ReadonlySet<EvidenceSpec['kind']> = new Set(['scenario-metric', 'coverage', 'tests']);

function ruleFits(evidence: EvidenceSpec, rule: ScoreRule): string | null {
  if (passOnlyKinds.has(evidence.kind) && rule.type !== 'pass')
    return `${evidence.kind} evidence takes the 'pass' rule, not '${rule.type}'`;
  if (numericOnlyKinds.has(evidence.kind) && rule.type === 'pass')
    return `${evidence.kind} evidence is a number: the 'pass' rule does not apply`;
  if (rule.type === 'linear' && rule.zeroAt === rule.fullAt) return 'a linear rule needs zeroAt != fullAt';
  return null;
}

/** What the schema cannot say: unique ids, informational categories say why, rules fit evidence. */
export function checkPolicySemantics(where: string, policy: ReadinessPolicy): void {
  const categoryIds = new Set<string>();
  const checkIds = new Set<string>();
  for (const category of policy.categories) {
    if (categoryIds.has(category.id)) invalid(where, `category id ${category.id} appears twice`);
    categoryIds.add(category.id);
    if (category.informational === true && category.why === undefined)
      invalid(where, `informational category ${category.id} must say why`);
    for (const check of category.checks) {
      if (checkIds.has(check.id)) invalid(where, `check id ${check.id} appears twice`);
      checkIds.add(check.id);
      const misfit = ruleFits(check.evidence, check.score);
      if (misfit !== null) invalid(where, `check ${check.id}: ${misfit}`);
    }
  }
}

/** Validates a parsed policy (schema, then semantics) and returns it typed. */
export function validatePolicy(where: string, parsed: unknown): ReadinessPolicy {
  const problems = checkSchema(parsed);
  if (problems.length > 0) invalid(where, problems.join('; '));
  const policy = parsed as ReadinessPolicy;
  checkPolicySemantics(where, policy);
  return policy;
}

export async function loadPolicy(path: string | URL): Promise<ReadinessPolicy> {
  const where = String(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return invalid(where, `cannot be read: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return invalid(where, `not JSON: ${(error as Error).message}`);
  }
  return validatePolicy(where, parsed);
}
