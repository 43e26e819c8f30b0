import type { StaticFact } from '../types.ts';
import { backupCommandExistsFact } from './backup-command-exists.ts';
import { errorsDocumentedAndTestedFact } from './errors-documented-and-tested.ts';
import { openApiDocumentedFact } from './openapi-documented.ts';
import { passwordHashCostFact } from './password-hash-cost.ts';
import { readmeCommandsExistFact } from './readme-commands-exist.ts';
import { readmeMetricsExportedFact } from './readme-metrics-exported.ts';

/**
 * Every fact the policy may name ({ kind: 'static', fact }), by name. The three that need a server
 * each start their own (`omendb serve --port 0` on a temp directory) and remove it afterwards.
 */
export const staticFacts: readonly StaticFact[] = [
  openApiDocumentedFact(),
  errorsDocumentedAndTestedFact,
  readmeCommandsExistFact,
  readmeMetricsExportedFact(),
  passwordHashCostFact(),
  backupCommandExistsFact,
];
