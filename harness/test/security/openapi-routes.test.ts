import { describe, expect, it } from 'vitest';
import { routesFromOpenApi } from '../../src/security/openapi-routes.ts';

const operation = (access?: unknown, requestBody?: unknown) => ({
  summary: '',
  ...(access === undefined ? {} : { 'x-omendb-access': access }),
  ...(requestBody === undefined ? {} : { requestBody }),
});

describe('routes from /openapi.json', () => {
  it('lists every operation with its access, path parameters and body types, GETs also as HEAD', () => {
    const { routes, problems } = routesFromOpenApi(
      {
        paths: {
          '/v1/series/{series}/points/{key}': { get: operation('read'), parameters: [] },
          '/v1/users': {
            post: operation('admin', { content: { 'application/json': {}, 'application/x-other': {} } }),
            trace: operation('admin'),
          },
          '/ready': { get: operation('public') },
        },
      },
      true,
    );
    expect(problems).toEqual([]);
    expect(routes).toEqual([
      {
        method: 'GET',
        path: '/v1/series/{series}/points/{key}',
        access: 'read',
        pathParams: ['series', 'key'],
        bodyTypes: [],
      },
      {
        method: 'HEAD',
        path: '/v1/series/{series}/points/{key}',
        access: 'read',
        pathParams: ['series', 'key'],
        bodyTypes: [],
      },
      {
        method: 'POST',
        path: '/v1/users',
        access: 'admin',
        pathParams: [],
        bodyTypes: ['application/json', 'application/x-other'],
      },
      { method: 'GET', path: '/ready', access: 'public', pathParams: [], bodyTypes: [] },
      { method: 'HEAD', path: '/ready', access: 'public', pathParams: [], bodyTypes: [] },
    ]);
    expect(
      routesFromOpenApi({ paths: { '/ready': { get: operation('public') } } }, false).routes,
    ).toHaveLength(1);
  });

  it('tests an operation without a known x-omendb-access as admin-only, and says so', () => {
    const { routes, problems } = routesFromOpenApi(
      { paths: { '/new': { delete: operation(), put: operation('root') }, '/odd': 'not an item' } },
      true,
    );
    expect(routes.map((route) => `${route.method} ${route.path} ${route.access}`)).toEqual([
      'DELETE /new admin',
      'PUT /new admin',
    ]);
    expect(problems).toEqual([
      'DELETE /new: x-omendb-access is missing',
      'PUT /new: x-omendb-access is "root"',
      '/odd: not a path item',
    ]);
  });

  it('reports a document without paths or operations', () => {
    expect(routesFromOpenApi(undefined, true)).toEqual({
      routes: [],
      problems: ['the OpenAPI document has no paths object'],
    });
    expect(routesFromOpenApi({ paths: {} }, true).problems).toEqual([
      'the OpenAPI document lists no operation',
    ]);
    expect(
      routesFromOpenApi({ paths: { '/x': { post: operation('write', { content: 'no' }) } } }, true).routes[0]
        ?.bodyTypes,
    ).toEqual([]);
  });
});
