import type { StaticFact } from '../types.ts';
import { type WithServer, withSpawnedServer } from './fact-server.ts';
import { backupCommandExistsFact } from './backup-command-exists.ts';
import { errorsDocumentedAndTestedFact } from './errors-documented-and-tested.ts';
import { openApiDocumentedFact } from './openapi-documented.ts';
import { passwordHashCostFact } from './password-hash-cost.ts';
import { readmeCommandsExistFact } from './readme-commands-exist.ts';
import { readmeMetricsExportedFact } from './readme-metrics-exported.ts';

/**
 * Every fact the policy may name ({ kind: 'static', fact }), by name. The three that need a server
 * get it from `withServer`: the report lends them one shared server (sharedFactServer).
 */
export function createStaticFacts(withServer: WithServer): readonly StaticFact[] {
  return [
    openApiDocumentedFact(withServer),
    errorsDocumentedAndTestedFact,
    readmeCommandsExistFact,
    readmeMetricsExportedFact(withServer),
    passwordHashCostFact(withServer),
    backupCommandExistsFact,
  ];
}

/** The facts with a server of their own each (`omendb serve --port 0` on a temp directory). */
export const staticFacts: readonly StaticFact[] = createStaticFacts(withSpawnedServer);
