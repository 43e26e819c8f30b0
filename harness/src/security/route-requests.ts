import type { RouteOperation } from './openapi-routes.ts';

/**
 * The concrete request of one matrix cell. A caller the rules refuse aims at something real (the
 * canary series, real users, a valid body), so that a server that wrongly let it through would
 * also show it in the stored state; a caller the rules allow aims at scratch data or at a user
 * that does not exist, so that allowed cells change nothing that matters and no user change
 * makes the server forget the verified Basic headers mid-matrix.
 */

export interface MatrixTargets {
  /** The canary series: refused writes and deletes aim at it; reads read it. */
  readonly canary: string;
  /** A key the canary holds. */
  readonly canaryKey: string;
  /** The series allowed writes and deletes use. */
  readonly scratch: string;
  /** A real user that refused deletions aim at: it must survive. */
  readonly protectedUser: string;
  /** A real user whose password refused password changes aim at: it must not change. */
  readonly passwordUser: string;
  readonly hijackPassword: string;
  /** A name no user has: allowed user changes aim at it (and change nothing). */
  readonly absentUser: string;
  /** Users a wrongly allowed creation would make start with this. */
  readonly intruderPrefix: string;
}

export interface CellRequest {
  readonly path: string;
  readonly body?: string;
}

/** A key no canary holds: a refused write that got through would add it. */
export const intrusionKeyBase = 1_000_000_000;

const changes = (route: RouteOperation): boolean => route.method !== 'GET' && route.method !== 'HEAD';

function paramValue(name: string, route: RouteOperation, allowed: boolean, targets: MatrixTargets): string {
  if (name === 'series') return changes(route) && allowed ? targets.scratch : targets.canary;
  if (name === 'key') return targets.canaryKey;
  if (name === 'name') {
    if (allowed && changes(route)) return targets.absentUser;
    return route.method === 'PUT' ? targets.passwordUser : targets.protectedUser;
  }
  return 'sec-param';
}

function queryOf(route: RouteOperation, allowed: boolean): string {
  const operation = `${route.method} ${route.path}`;
  if (operation === 'DELETE /v1/series/{series}/points') return allowed ? '?from=0&to=10' : '';
  if (operation === 'GET /v1/series/{series}/points' || operation === 'HEAD /v1/series/{series}/points')
    return '?limit=10';
  if (route.path === '/v1/series/{series}/aggregate') return '?fn=count';
  return '';
}

function bodyOf(
  route: RouteOperation,
  allowed: boolean,
  targets: MatrixTargets,
  seq: number,
): string | undefined {
  if (route.method === 'HEAD' || route.method === 'GET') return undefined;
  const operation = `${route.method} ${route.path}`;
  if (operation === 'POST /v1/series/{series}/points')
    return JSON.stringify({ points: [[allowed ? seq : intrusionKeyBase + seq, 1.5]] });
  // An allowed creation gets a body its schema refuses: no user is made, no password hashed.
  if (operation === 'POST /v1/users')
    return allowed
      ? '{}'
      : JSON.stringify({
          name: `${targets.intruderPrefix}${seq}`,
          role: 'admin',
          password: targets.hijackPassword,
        });
  if (operation === 'PUT /v1/users/{name}/password')
    return JSON.stringify({ password: targets.hijackPassword });
  return route.bodyTypes.includes('application/json') ? '{}' : undefined;
}

export function cellRequest(
  route: RouteOperation,
  allowed: boolean,
  targets: MatrixTargets,
  seq: number,
): CellRequest {
  const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    encodeURIComponent(paramValue(name, route, allowed, targets)),
  );
  const body = bodyOf(route, allowed, targets, seq);
  return { path: `${path}${queryOf(route, allowed)}`, ...(body === undefined ? {} : { body }) };
}
