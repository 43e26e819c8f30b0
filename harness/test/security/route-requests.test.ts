import { describe, expect, it } from 'vitest';
import type { RouteOperation } from '../../src/security/openapi-routes.ts';
import { cellRequest, intrusionKeyBase, type MatrixTargets } from '../../src/security/route-requests.ts';

const targets: MatrixTargets = {
  canary: 'canary',
  canaryKey: '1000',
  scratch: 'scratch',
  protectedUser: 'keep-me',
  passwordUser: 'pw-user',
  hijackPassword: 'hijack-pw-000',
  absentUser: 'nobody-here',
  intruderPrefix: 'intruder-',
};

const route = (method: RouteOperation['method'], path: string, bodyTypes: string[] = []): RouteOperation => ({
  method,
  path,
  access: 'admin',
  pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
  bodyTypes,
});

describe('the request of a matrix cell', () => {
  it('aims refused writes and deletes at the canary, allowed ones at scratch data', () => {
    const write = route('POST', '/v1/series/{series}/points', ['application/json']);
    expect(cellRequest(write, true, targets, 7)).toEqual({
      path: '/v1/series/scratch/points',
      body: '{"points":[[7,1.5]]}',
    });
    expect(cellRequest(write, false, targets, 7)).toEqual({
      path: '/v1/series/canary/points',
      body: `{"points":[[${intrusionKeyBase + 7},1.5]]}`,
    });
    const deletePoints = route('DELETE', '/v1/series/{series}/points');
    expect(cellRequest(deletePoints, true, targets, 1)).toEqual({
      path: '/v1/series/scratch/points?from=0&to=10',
    });
    expect(cellRequest(deletePoints, false, targets, 1)).toEqual({ path: '/v1/series/canary/points' });
    expect(cellRequest(route('DELETE', '/v1/series/{series}'), false, targets, 1).path).toBe(
      '/v1/series/canary',
    );
  });

  it('reads the canary, allowed or not', () => {
    expect(cellRequest(route('GET', '/v1/series/{series}/points/{key}'), true, targets, 1).path).toBe(
      '/v1/series/canary/points/1000',
    );
    expect(cellRequest(route('HEAD', '/v1/series/{series}/points'), false, targets, 1).path).toBe(
      '/v1/series/canary/points?limit=10',
    );
    expect(cellRequest(route('GET', '/v1/series/{series}/aggregate'), true, targets, 1).path).toBe(
      '/v1/series/canary/aggregate?fn=count',
    );
  });

  it('aims refused user changes at real users with valid bodies, allowed ones at nobody', () => {
    const create = route('POST', '/v1/users', ['application/json']);
    expect(cellRequest(create, true, targets, 3)).toEqual({ path: '/v1/users', body: '{}' });
    expect(JSON.parse(cellRequest(create, false, targets, 3).body!)).toEqual({
      name: 'intruder-3',
      role: 'admin',
      password: 'hijack-pw-000',
    });
    const remove = route('DELETE', '/v1/users/{name}');
    expect(cellRequest(remove, true, targets, 1).path).toBe('/v1/users/nobody-here');
    expect(cellRequest(remove, false, targets, 1).path).toBe('/v1/users/keep-me');
    const password = route('PUT', '/v1/users/{name}/password', ['application/json']);
    expect(cellRequest(password, false, targets, 1)).toEqual({
      path: '/v1/users/pw-user/password',
      body: '{"password":"hijack-pw-000"}',
    });
    expect(cellRequest(password, true, targets, 1).path).toBe('/v1/users/nobody-here/password');
  });

  it('fills an unknown route generically: parameters by name, {} for a JSON body, none otherwise', () => {
    expect(cellRequest(route('POST', '/v2/things/{thing}', ['application/json']), false, targets, 1)).toEqual(
      {
        path: '/v2/things/sec-param',
        body: '{}',
      },
    );
    expect(
      cellRequest(route('PUT', '/v2/blobs/{name}', ['application/octet-stream']), true, targets, 1),
    ).toEqual({
      path: '/v2/blobs/nobody-here',
    });
    expect(cellRequest(route('GET', '/v2/people/{name}'), true, targets, 1).path).toBe('/v2/people/keep-me');
    expect(cellRequest(route('POST', '/v1/admin/checkpoint'), true, targets, 1)).toEqual({
      path: '/v1/admin/checkpoint',
    });
  });
});
