import type { IncomingHttpHeaders } from 'node:http';
import { type ExpectedAnswer, type IdentitySpec, identitySpecs, limits } from '@omendb/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeExpected,
  judgeCell,
  runAuthorizationMatrix,
} from '../../src/security/authorization-matrix.ts';
import type { IdentityCell } from '../../src/security/identities.ts';
import type { ProbeAnswer } from '../../src/security/probe-client.ts';
import type { MatrixTargets } from '../../src/security/route-requests.ts';
import { json, registryError, type ScriptedServer, startScripted } from './scripted-server.ts';

const answer = (status: number, code?: string): ProbeAnswer => ({
  answered: true,
  status,
  headers: {} as IncomingHttpHeaders,
  body: Buffer.from(code === undefined ? '' : JSON.stringify(registryError(code))),
  ms: 1,
});
const silence: ProbeAnswer = { answered: false, reason: 'timeout', message: 'x', ms: 1 };

const spec = (id: string): IdentitySpec => identitySpecs().find((identity) => identity.id === id)!;
const success: ExpectedAnswer = { status: 'success' };
const unauthorized: ExpectedAnswer = { status: 401, code: 'OMENDB_ERR_AUTH_INVALID' };
const forbidden: ExpectedAnswer = { status: 403, code: 'OMENDB_ERR_AUTH_FORBIDDEN' };

describe('judging a cell', () => {
  it('wants anything but 401, 403, 5xx and silence where the caller is allowed', () => {
    const reader = spec('reader-token');
    expect(judgeCell(success, reader, false, answer(200))).toBe('right');
    expect(judgeCell(success, reader, false, answer(404, 'OMENDB_ERR_HTTP_NOT_FOUND'))).toBe('right');
    expect(judgeCell(success, reader, false, answer(401, 'OMENDB_ERR_AUTH_INVALID'))).toBe('wrong');
    expect(judgeCell(success, reader, true, answer(403))).toBe('wrong');
    expect(judgeCell(success, reader, false, answer(500))).toBe('wrong');
    expect(judgeCell(success, reader, false, silence)).toBe('wrong');
  });

  it('wants the exact refusal, its code unless the answer is to HEAD', () => {
    const monitor = spec('monitor-basic');
    expect(judgeCell(forbidden, monitor, false, answer(403, 'OMENDB_ERR_AUTH_FORBIDDEN'))).toBe('right');
    expect(judgeCell(forbidden, monitor, true, answer(403))).toBe('right');
    expect(judgeCell(forbidden, monitor, false, answer(403, 'OMENDB_ERR_SOMETHING_ELSE'))).toBe('wrong');
    expect(judgeCell(forbidden, monitor, false, answer(200))).toBe('wrong');
    expect(judgeCell(forbidden, monitor, false, answer(429, 'OMENDB_ERR_AUTH_RATE_LIMITED'))).toBe('wrong');
  });

  it('takes the limiter 429 as a refusal for password cells only', () => {
    const wrongPassword = spec('basic-wrong-password');
    const limited = answer(429, 'OMENDB_ERR_AUTH_RATE_LIMITED');
    expect(judgeCell(unauthorized, wrongPassword, false, limited)).toBe('rate-limited');
    expect(judgeCell(unauthorized, wrongPassword, true, answer(429))).toBe('rate-limited');
    expect(judgeCell(unauthorized, wrongPassword, false, answer(429, 'OMENDB_ERR_AUTH_BUSY'))).toBe('wrong');
    expect(judgeCell(unauthorized, spec('token-expired'), false, limited)).toBe('wrong');
    expect(
      judgeCell(unauthorized, spec('basic-unknown-user'), false, answer(401, 'OMENDB_ERR_AUTH_INVALID')),
    ).toBe('right');
  });

  it('describes what it expected', () => {
    expect(describeExpected(success)).toBe('success');
    expect(describeExpected(forbidden)).toBe('403 OMENDB_ERR_AUTH_FORBIDDEN');
  });
});

describe('running the matrix', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScripted();
  });
  afterAll(async () => {
    await server?.close();
  });

  const targets: MatrixTargets = {
    canary: 'canary',
    canaryKey: '1',
    scratch: 'scratch',
    protectedUser: 'keep',
    passwordUser: 'pw',
    hijackPassword: 'hijack-password',
    absentUser: 'absent',
    intruderPrefix: 'intruder-',
  };

  it('sends every route x identity, spreads password cells over their addresses, and counts each verdict', async () => {
    // A server that refuses everything with 401 (429 for the password cells), except that it lets
    // the admin token in everywhere.
    server.script((seen, response) => {
      if (seen.headers.authorization === undefined)
        json(response, 401, registryError('OMENDB_ERR_AUTH_REQUIRED'));
      else if (seen.headers.authorization === 'Bearer admin') json(response, 200, { ok: true });
      else if (seen.headers.authorization?.startsWith('Basic wrong'))
        json(response, 429, registryError('OMENDB_ERR_AUTH_RATE_LIMITED'));
      else json(response, 401, registryError('OMENDB_ERR_AUTH_INVALID'));
    });
    const identities: IdentityCell[] = identitySpecs().map((identity) => ({
      ...identity,
      authorization:
        identity.kind === 'none'
          ? undefined
          : identity.kind === 'invalid' && identity.hashes
            ? `Basic wrong-${identity.id}`
            : identity.id === 'admin-token'
              ? 'Bearer admin'
              : `Bearer ${identity.id}`,
    }));
    const routes = Array.from({ length: 13 }, (_, i) => ({
      method: 'GET' as const,
      path: `/r${i}`,
      access: 'admin' as const,
      pathParams: [],
      bodyTypes: [],
    }));
    const progress: number[] = [];
    const before = server.seen.length;
    const result = await runAuthorizationMatrix(server.client, routes, identities, targets, {
      passwordAddresses: 2,
      onCell: (done) => progress.push(done),
    });
    expect(result.cells).toHaveLength(13 * 20);
    expect(progress.at(-1)).toBe(260);
    // Per route: none and 9 non-password refusals are right (401); admin via basic and the three
    // other roles via basic and token wrongly get 401 instead of success or 403: 7 wrong cells.
    expect(result.rateLimited).toHaveLength(13 * 2);
    expect(result.wrong).toHaveLength(13 * 7);
    expect(result.wrong[0]).toMatchObject({
      route: 'GET /r0',
      expected: expect.any(String),
      got: expect.any(String),
    });
    const sources = server.seen
      .slice(before)
      .filter((seen) => seen.headers.authorization?.startsWith('Basic wrong'));
    expect(sources).toHaveLength(26);
    expect(sources.slice(0, limits.authFailuresMax).every((seen) => seen.source === '127.0.0.16')).toBe(true);
    expect(sources.slice(limits.authFailuresMax).every((seen) => seen.source === '127.0.0.17')).toBe(true);
    const invalid = server.seen
      .slice(before)
      .filter((seen) => seen.headers.authorization === 'Bearer token-alg-none');
    expect(new Set(invalid.map((seen) => seen.source))).toEqual(new Set(['127.0.0.10']));
  });
});
