import type { AddressInfo } from 'node:net';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authFailuresMax } from '../../src/limits.ts';
import { openRaw, type RawConnection, rawErrorCode, requestHead } from '../../src/testing/raw-http.ts';
import { expectRawRegistryError } from './raw-http.ts';
import { createServerFixture, expectRegistryError, type ServerFixture } from './server-fixture.ts';

/**
 * The order of the checks on every request: Host (with auth off), then routing, then
 * authentication and authorization, and only then the body. A request refused before its body
 * is read never costs a parse, and its connection is closed rather than drained.
 */

/** The default body limit: a body this large is the expensive case (about 1.5 s to parse). */
const hugeLength = 16 * 1024 * 1024;
const malformed = '{"points": [[1, 2]';
/** How long a refused connection may stay open while its client keeps trickling body bytes. */
const closeWithinMs = 2_000;

let secured: ServerFixture;
let open: ServerFixture;
let securedPort: number;
let openPort: number;
/** Every raw connection a test opened, destroyed at the end whatever the server did with it. */
const connections: RawConnection[] = [];

async function connect(port: number): Promise<RawConnection> {
  const connection = await openRaw(port);
  connections.push(connection);
  return connection;
}

async function listen(fixture: ServerFixture): Promise<number> {
  await fixture.app.listen({ host: '127.0.0.1', port: 0 });
  return (fixture.app.server.address() as AddressInfo).port;
}

beforeAll(async () => {
  secured = await createServerFixture();
  open = await createServerFixture({ config: { auth: 'off' } });
  securedPort = await listen(secured);
  openPort = await listen(open);
}, 60_000);

afterAll(async () => {
  for (const connection of connections) connection.destroy();
  await secured?.close();
  await open?.close();
});

/**
 * Sends the head of a POST announcing a huge JSON body and none of it; resolves with the answer,
 * which must therefore come before the body is read. The connection keeps trickling body bytes.
 */
async function headOnly(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ connection: RawConnection; status: number; code: string | undefined; close: string }> {
  const connection = await connect(port);
  connection.write(
    requestHead('POST', path, {
      'content-type': 'application/json',
      'content-length': hugeLength,
      ...headers,
    }),
  );
  connection.write('{"points": [');
  connection.trickle(100, '[');
  const response = await connection.response(5_000);
  return {
    connection,
    status: response.status,
    code: rawErrorCode(response),
    close: response.headers.connection ?? '',
  };
}

describe('unknown routes answer 404 without reading the body', () => {
  it.for([
    { name: 'malformed JSON, no credentials', method: 'POST', url: '/v1/nope', anonymous: true },
    { name: 'malformed JSON, with credentials', method: 'POST', url: '/v1/nope', anonymous: false },
    {
      name: 'an unrouted method on a known path',
      method: 'PATCH',
      url: '/v1/series/s/points',
      anonymous: true,
    },
    { name: 'PUT under /v1/admin', method: 'PUT', url: '/v1/admin/checkpoint', anonymous: true },
  ] as const)('$name: 404 OMENDB_ERR_HTTP_NOT_FOUND', async ({ method, url, anonymous }) => {
    const request: InjectOptions = {
      method,
      url,
      headers: {
        'content-type': 'application/json',
        ...(anonymous ? {} : { authorization: secured.basicFor('writer') }),
      },
      payload: malformed,
    };
    expectRegistryError(await secured.inject(request), 'OMENDB_ERR_HTTP_NOT_FOUND', secured);
  });

  it('answers 404 to the head of a 16 MiB POST before any of the body, and closes the connection', async () => {
    const answer = await headOnly(securedPort, '/v1/no-such-route');
    expect(answer.status).toBe(404);
    expect(answer.code).toBe('OMENDB_ERR_HTTP_NOT_FOUND');
    expect(answer.close).toBe('close');
    expect(await answer.connection.closed(closeWithinMs)).toBeLessThan(closeWithinMs + 1_000);
  });
});

describe('authentication and authorization come before the body is parsed', () => {
  const points = '/v1/series/ordered/points';

  /** POSTs the malformed JSON body to the secured server, with `authorization` when given. */
  function postMalformed(url: string, authorization?: string) {
    return secured.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        ...(authorization === undefined ? {} : { authorization }),
      },
      payload: malformed,
    });
  }

  it('a protected route with a malformed body and no credentials: 401, not 400', async () => {
    expectRegistryError(await postMalformed(points), 'OMENDB_ERR_AUTH_REQUIRED', secured);
  });

  it('wrong credentials with a malformed body: 401 OMENDB_ERR_AUTH_INVALID', async () => {
    const response = await postMalformed(points, secured.basic('writer', 'not-the-password'));
    expectRegistryError(response, 'OMENDB_ERR_AUTH_INVALID', secured);
  });

  it('a valid role without write access and a malformed body: 403, not 400', async () => {
    const response = await postMalformed(points, secured.basicFor('reader'));
    expectRegistryError(response, 'OMENDB_ERR_AUTH_FORBIDDEN', secured);
    const admin = await postMalformed('/v1/users', secured.basicFor('writer'));
    expectRegistryError(admin, 'OMENDB_ERR_AUTH_FORBIDDEN', secured);
  });

  it('a role that may write gets the 400 of its malformed body: the body is parsed only then', async () => {
    const response = await postMalformed(points, secured.basicFor('writer'));
    expectRegistryError(response, 'OMENDB_ERR_HTTP_BAD_REQUEST', secured);
  });

  it('no credentials, the head of a 16 MiB POST: 401 before the body, connection: close, and the socket closes while the client trickles', async () => {
    const answer = await headOnly(securedPort, points);
    expect(answer.status).toBe(401);
    expect(answer.code).toBe('OMENDB_ERR_AUTH_REQUIRED');
    expect(answer.close).toBe('close');
    expect(await answer.connection.closed(closeWithinMs)).toBeLessThan(closeWithinMs + 1_000);
  });

  it('a reader, the head of a 16 MiB POST: 403 before the body, and the connection closes', async () => {
    const answer = await headOnly(securedPort, points, { authorization: secured.basicFor('reader') });
    expect(answer.status).toBe(403);
    expect(answer.code).toBe('OMENDB_ERR_AUTH_FORBIDDEN');
    expect(answer.close).toBe('close');
    expect(await answer.connection.closed(closeWithinMs)).toBeLessThan(closeWithinMs + 1_000);
  });

  it('rate limited, the head of a 16 MiB POST: 429 before the body, and the connection closes', async () => {
    // Its own server, so that its rate limiter counts only this test's failures.
    const limited = await createServerFixture();
    let answer: Awaited<ReturnType<typeof headOnly>> | undefined;
    try {
      const port = await listen(limited);
      const wrong = limited.basic('writer', 'not-the-password-429');
      for (let i = 0; i < authFailuresMax; i++) {
        const response = await limited.inject({
          method: 'GET',
          url: '/v1/series',
          headers: { authorization: wrong },
          remoteAddress: '127.0.0.1',
        });
        expect(response.statusCode).toBe(401);
      }
      answer = await headOnly(port, points, { authorization: wrong });
      expect(answer.status).toBe(429);
      expect(answer.code).toBe('OMENDB_ERR_AUTH_RATE_LIMITED');
      expect(answer.close).toBe('close');
      expect(await answer.connection.closed(closeWithinMs)).toBeLessThan(closeWithinMs + 1_000);
    } finally {
      answer?.connection.destroy();
      await limited.close();
    }
  });

  it('a refused GET without a body keeps its keep-alive connection (nothing to drain)', async () => {
    const connection = await connect(securedPort);
    try {
      connection.write(requestHead('GET', points, {}));
      const first = await connection.response(5_000);
      expect(rawErrorCode(first)).toBe('OMENDB_ERR_AUTH_REQUIRED');
      expect(first.headers.connection).not.toBe('close');
      expect(connection.isClosed()).toBe(false);
    } finally {
      connection.destroy();
    }
  });
});

describe('Host header checks with --auth off (DNS rebinding)', () => {
  const foreign = [
    'evil.example',
    'evil.example:8086',
    '127.0.0.1.evil.example',
    'localhost.evil.example',
    'evil-localhost',
    'localhost:8086.evil.example',
    'localhost:',
    'localhost:abc',
    'localhost:123456',
    '127.0.0.256',
    '127.0.0',
    '0.0.0.0',
    '10.0.0.1',
    '[::2]',
    '[::1',
    '::1',
    '[::ffff:127.0.0.1]',
  ];
  const loopback = [
    'localhost',
    'localhost:8086',
    'LocalHost:1',
    '127.0.0.1',
    '127.0.0.1:8086',
    '127.255.1.2:80',
    '[::1]',
    '[::1]:8086',
  ];

  it.for(foreign)(
    'Host %j: 403 OMENDB_ERR_HTTP_HOST_NOT_ALLOWED on a protected and a public route',
    async (host) => {
      for (const url of ['/v1/series', '/ready']) {
        const response = await open.inject({ method: 'GET', url, headers: { host } });
        expectRegistryError(response, 'OMENDB_ERR_HTTP_HOST_NOT_ALLOWED', open);
      }
    },
  );

  it.for(loopback)('Host %j: served', async (host) => {
    const response = await open.inject({ method: 'GET', url: '/v1/series', headers: { host } });
    expect(response.statusCode, response.body).toBe(200);
  });

  it('a foreign Host is refused before the body: a write of malformed JSON gets 403', async () => {
    const response = await open.inject({
      method: 'POST',
      url: '/v1/series/rebound/points',
      headers: { host: 'evil.example', 'content-type': 'application/json' },
      payload: malformed,
    });
    expectRegistryError(response, 'OMENDB_ERR_HTTP_HOST_NOT_ALLOWED', open);
  });

  it.for(['HTTP/1.0', 'HTTP/1.1'])(
    'a %s request without any Host header: 403 in the registry format',
    async (version) => {
      const connection = await connect(openPort);
      try {
        connection.write(`GET /v1/series ${version}\r\n\r\n`);
        expectRawRegistryError(await connection.response(5_000), 'OMENDB_ERR_HTTP_HOST_NOT_ALLOWED');
      } finally {
        connection.destroy();
      }
    },
  );

  it('an empty Host header: 403 in the registry format', async () => {
    const connection = await connect(openPort);
    connection.write('GET /v1/series HTTP/1.1\r\nHost: \r\n\r\n');
    expectRawRegistryError(await connection.response(5_000), 'OMENDB_ERR_HTTP_HOST_NOT_ALLOWED');
  });

  it('over a real connection, a loopback Host with the bound port is served', async () => {
    const connection = await connect(openPort);
    try {
      connection.write(requestHead('GET', '/v1/series', {}, `127.0.0.1:${openPort}`));
      expect((await connection.response(5_000)).status).toBe(200);
    } finally {
      connection.destroy();
    }
  });

  it('with auth on, a foreign Host is not refused: credentials are the protection', async () => {
    const response = await secured.inject({
      method: 'GET',
      url: '/v1/series',
      headers: { host: 'db.example:8086', authorization: secured.basicFor('reader') },
    });
    expect(response.statusCode).toBe(200);
  });
});
