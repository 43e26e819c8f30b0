import { OmenDbError } from '@omendb/engine';
import { schemaChecker } from '../runner/json-schema.ts';
import { repoFileUrl } from '../repo-paths.ts';
import type { ReadinessReport } from './types.ts';

/**
 * readiness.json's format is readiness.schema.json: a report is validated before it is written
 * (an invalid one is never written) and when it is read back as a baseline or by the gate.
 */

export const readinessSchemaPath = repoFileUrl('harness/src/readiness/readiness.schema.json');

const checkSchema = schemaChecker(readinessSchemaPath);

/** The report, typed, when the schema accepts it; else OMENDB_ERR_HARNESS_REPORT_INVALID naming each problem. */
export function validateReadiness(report: unknown): ReadinessReport {
  const problems = checkSchema(report);
  if (problems.length > 0)
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_REPORT_INVALID',
      `readiness report is invalid: ${problems.join('; ')}`,
    );
  return report as ReadinessReport;
}
