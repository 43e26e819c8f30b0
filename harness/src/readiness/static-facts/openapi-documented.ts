import type { StaticFact, StaticFactResult } from '../types.ts';
import { guarded, noEvidence, shareResult } from './fact-result.ts';
import { type WithServer, withSpawnedServer } from './fact-server.ts';

/**
 * 'openapi-documented': every operation (path x method) of the OpenAPI document the server serves
 * has a summary and declares at least one error response by its status (4xx or 5xx, or a 4XX/5XX
 * range). A `default` response alone does not count: it tells a client neither which errors a
 * route gives nor when.
 */

const methods = ['get', 'head', 'post', 'put', 'delete', 'patch', 'options', 'trace'];
const errorStatus = /^[45]([0-9]{2}|XX)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What is missing from one operation (empty when it is documented). */
function operationProblems(operation: unknown): string[] {
  if (!isRecord(operation)) return ['not an operation object'];
  const problems: string[] = [];
  if (typeof operation.summary !== 'string' || operation.summary.trim() === '') problems.push('no summary');
  const responses = isRecord(operation.responses) ? Object.keys(operation.responses) : [];
  if (!responses.some((status) => errorStatus.test(status))) problems.push('no 4xx/5xx response');
  return problems;
}

/** The pure check: a parsed OpenAPI document in, the share of documented operations out. */
export function checkOpenApiDocument(document: unknown): StaticFactResult {
  const paths = isRecord(document) ? document.paths : undefined;
  if (!isRecord(paths)) return noEvidence('the OpenAPI document has no paths object');
  let total = 0;
  const offenders: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (!methods.includes(method)) continue;
      total++;
      const problems = operationProblems(operation);
      if (problems.length > 0) offenders.push(`${method.toUpperCase()} ${path} (${problems.join(', ')})`);
    }
  }
  return shareResult('routes with a summary and a 4xx/5xx response', total, offenders);
}

function parseDocument(text: string): StaticFactResult {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return noEvidence('GET /openapi.json is not JSON');
  }
  return checkOpenApiDocument(document);
}

export function openApiDocumentedFact(withServer: WithServer = withSpawnedServer): StaticFact {
  return {
    name: 'openapi-documented',
    description:
      'Every route of the served OpenAPI document (path x method) has a summary and declares a 4xx/5xx response.',
    evaluate: () =>
      guarded(() => withServer(async (server) => parseDocument(await server.get('/openapi.json')))),
  };
}
