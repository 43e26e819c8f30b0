import { type Access, isAccessLevel } from '@omendb/engine';

/**
 * The routes under test, read from the server's own /openapi.json, so that a route added later
 * cannot escape the authorization matrix. Every operation must say who may use it in
 * `x-omendb-access`; one that does not (or says something unknown) is a finding, and is tested
 * as admin-only, the strictest reading.
 */

export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface RouteOperation {
  readonly method: RouteMethod;
  /** The OpenAPI path, with `{param}` placeholders. */
  readonly path: string;
  readonly access: Access;
  readonly pathParams: readonly string[];
  /** The request body's media types (empty: no body). */
  readonly bodyTypes: readonly string[];
}

export interface OpenApiRoutes {
  readonly routes: readonly RouteOperation[];
  /** Operations without a valid x-omendb-access, and anything else wrong with the document. */
  readonly problems: readonly string[];
}

const methods: readonly RouteMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The operations of an OpenAPI document. With `headForGet`, each GET is also tested as HEAD
 * (servers answer HEAD for every GET route, through the same guard).
 */
export function routesFromOpenApi(document: unknown, headForGet: boolean): OpenApiRoutes {
  const problems: string[] = [];
  const routes: RouteOperation[] = [];
  const paths = isRecord(document) ? document.paths : undefined;
  if (!isRecord(paths)) return { routes, problems: ['the OpenAPI document has no paths object'] };
  for (const [path, item] of Object.entries(paths)) {
    if (!isRecord(item)) {
      problems.push(`${path}: not a path item`);
      continue;
    }
    for (const [key, operation] of Object.entries(item)) {
      const method = key.toUpperCase() as RouteMethod;
      if (!methods.includes(method) || !isRecord(operation)) continue;
      const declared = operation['x-omendb-access'];
      let access: Access = 'admin';
      if (isAccessLevel(declared)) access = declared;
      else problems.push(`${method} ${path}: x-omendb-access is ${JSON.stringify(declared) ?? 'missing'}`);
      const route: RouteOperation = {
        method,
        path,
        access,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!),
        bodyTypes: bodyTypesOf(operation.requestBody),
      };
      routes.push(route);
      if (headForGet && method === 'GET') routes.push({ ...route, method: 'HEAD' });
    }
  }
  if (routes.length === 0) problems.push('the OpenAPI document lists no operation');
  return { routes, problems };
}

function bodyTypesOf(requestBody: unknown): string[] {
  if (!isRecord(requestBody) || !isRecord(requestBody.content)) return [];
  return Object.keys(requestBody.content);
}
