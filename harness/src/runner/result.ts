import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { OmenDbError } from '@omendb/engine';
import type { EngineDescription } from '../adapter.ts';
import { schemaChecker } from './json-schema.ts';
import type { MachineFacts } from './machine.ts';
import { repoFileUrl } from '../repo-paths.ts';
import type { Check, ParamValue, Profile, ScenarioCategory } from './scenario.ts';

/**
 * The result of one scenario run: the unit of evidence the readiness report is computed from.
 * Its format is result.schema.json (in this package); every result is validated against it
 * before it is written, and an invalid one is never written.
 */

export type ScenarioStatus = 'passed' | 'failed' | 'skipped' | 'crashed';

export const resultSchemaVersion = 1;

export interface ScenarioResult {
  readonly schemaVersion: typeof resultSchemaVersion;
  readonly scenario: string;
  readonly category: ScenarioCategory;
  readonly description: string;
  readonly status: ScenarioStatus;
  /** Why a skipped scenario did not run (the capabilities the adapter lacks). */
  readonly skipReason?: string;
  readonly engine: EngineDescription;
  readonly gitCommit: string | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly seed: number;
  readonly profile: Profile;
  readonly machine: MachineFacts;
  /** ISO 8601, UTC. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly checks: readonly Check[];
  /** Evidence files, relative to the output directory. */
  readonly evidence: readonly string[];
  /** What crashed a crashed scenario. */
  readonly error?: { readonly code: string; readonly message: string };
}

export const resultSchemaPath = repoFileUrl('harness/src/runner/result.schema.json');

const checkSchema = schemaChecker(resultSchemaPath);

/**
 * The result as it will be stored: bigints in metrics become decimal strings (JSON has no
 * int64), then it is checked against the schema.
 */
export function validateResult(result: ScenarioResult): ScenarioResult {
  const stored = JSON.parse(
    JSON.stringify(result, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)),
  ) as ScenarioResult;
  const problems = checkSchema(stored);
  if (problems.length > 0)
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_RESULT_INVALID',
      `result of ${result.scenario} is invalid: ${problems.join('; ')}`,
    );
  return stored;
}

/** Validates, then writes atomically (a temporary file renamed over the target). */
export async function writeResult(path: string, result: ScenarioResult): Promise<ScenarioResult> {
  const stored = validateResult(result);
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`);
  await rename(temporary, path);
  return stored;
}
