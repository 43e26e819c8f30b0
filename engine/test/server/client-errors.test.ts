import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHeaderBytesMax } from '../../src/limits.ts';
import { clientErrorCode, onClientError, rawErrorResponse } from '../../src/server/client-errors.ts';
import { errno } from '../support/codes.ts';
import { openRaw, parseResponse, type RawConnection, requestHead } from '../../src/testing/raw-http.ts';
import { expectRawRegistryError } from './raw-http.ts';
import { createServerFixture, type ServerFixture } from './server-fixture.ts';

/**
 * Answers that Node's HTTP parser and timers write outside fastify's request cycle (the
 * 'clientError' path): 400 for an unparsable request, 408 for a request that did not arrive in
 * time, 431 for oversized headers. Each is JSON in the registry format, and the connection closes.
 */

const timeouts = { requestTimeoutMs: 1_500, headersTimeoutMs: 1_000, keepAliveTimeoutMs: 500 };
/** Node checks its request timers on an interval; a timeout fires at most this much late. */
const lateMs = 1_000;

let fixture: ServerFixture;
let port: number;
const connections: RawConnection[] = [];

beforeAll(async () => {
  fixture = await createServerFixture({ config: timeouts });
  await fixture.app.listen({ host: '127.0.0.1', port: 0 });
  port = (fixture.app.server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  for (const connection of connections) connection.destroy();
  await fixture?.close();
});

async function connection(): Promise<RawConnection> {
  const opened = await openRaw(port);
  connections.push(opened);
  return opened;
}

describe('400 for requests Node cannot parse', () => {
  it.for([
    { name: 'a malformed request line', head: 'BLAH\r\n\r\n' },
    { name: 'an invalid method', head: 'G@T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' },
    { name: 'an invalid header name', head: 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n' },
    {
      name: 'both content-length and chunked',
      head: 'POST /v1/series/s/points HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
    },
  ])('$name: 400 OMENDB_ERR_HTTP_BAD_REQUEST, connection closed', async ({ head }) => {
    const client = await connection();
    client.write(head);
    expectRawRegistryError(await client.response(5_000), 'OMENDB_ERR_HTTP_BAD_REQUEST');
    await client.closed(2_000);
  });

  it('an HTTP/1.1 request without Host: 400 in the registry format', async () => {
    const client = await connection();
    client.write('GET /ready HTTP/1.1\r\n\r\n');
    expectRawRegistryError(await client.response(5_000), 'OMENDB_ERR_HTTP_BAD_REQUEST');
  });

  it('an HTTP/1.0 request without Host is served (Host is optional in 1.0)', async () => {
    const client = await connection();
    client.write('GET /ready HTTP/1.0\r\n\r\n');
    expect((await client.response(5_000)).status).toBe(200);
  });
});

describe('431 for headers over the limit', () => {
  it(`headers over ${httpHeaderBytesMax} bytes: 431 OMENDB_ERR_HTTP_HEADERS_TOO_LARGE, connection closed`, async () => {
    const client = await connection();
    client.write(requestHead('GET', '/ready', { 'x-filler': 'x'.repeat(httpHeaderBytesMax + 1024) }));
    expectRawRegistryError(await client.response(5_000), 'OMENDB_ERR_HTTP_HEADERS_TOO_LARGE');
    await client.closed(2_000);
  });

  it('headers just under the limit are served', async () => {
    const client = await connection();
    client.write(requestHead('GET', '/ready', { 'x-filler': 'x'.repeat(httpHeaderBytesMax - 1024) }));
    expect((await client.response(5_000)).status).toBe(200);
  });
});

describe('408 for requests that do not arrive in time', () => {
  it('headers that never finish: 408 OMENDB_ERR_HTTP_TIMEOUT after headersTimeoutMs, connection closed', async () => {
    const client = await connection();
    client.write('GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    client.trickle(200, 'a');
    expectRawRegistryError(
      await client.response(timeouts.headersTimeoutMs + lateMs + 2_000),
      'OMENDB_ERR_HTTP_TIMEOUT',
    );
    const closedAfter = await client.closed(2_000);
    expect(closedAfter).toBeGreaterThanOrEqual(timeouts.headersTimeoutMs - 50);
    expect(closedAfter).toBeLessThan(timeouts.headersTimeoutMs + lateMs + 500);
  });

  it('a connection that never sends a byte is closed after headersTimeoutMs', async () => {
    const client = await connection();
    const closedAfter = await client.closed(timeouts.headersTimeoutMs + lateMs + 2_000);
    expect(closedAfter).toBeLessThan(timeouts.headersTimeoutMs + lateMs + 500);
  });

  it('an authenticated body trickled a byte at a time: 408 after requestTimeoutMs, connection closed', async () => {
    const client = await connection();
    client.write(
      requestHead('POST', '/v1/series/slow/points', {
        authorization: fixture.basicFor('writer'),
        'content-type': 'application/json',
        'content-length': 100_000,
      }),
    );
    client.write('{"points": [');
    client.trickle(200, '[');
    expectRawRegistryError(
      await client.response(timeouts.requestTimeoutMs + lateMs + 2_000),
      'OMENDB_ERR_HTTP_TIMEOUT',
    );
    const closedAfter = await client.closed(2_000);
    expect(closedAfter).toBeGreaterThanOrEqual(timeouts.requestTimeoutMs - 50);
    expect(closedAfter).toBeLessThan(timeouts.requestTimeoutMs + lateMs + 500);
    // Nothing of it was written.
    const series = await fixture.inject({
      method: 'GET',
      url: '/v1/series',
      headers: { authorization: fixture.basicFor('reader') },
    });
    expect(series.json()).toEqual({ series: [] });
  });

  it('an idle keep-alive connection is closed after keepAliveTimeoutMs', async () => {
    const client = await connection();
    client.write(requestHead('GET', '/ready', {}));
    expect((await client.response(5_000)).status).toBe(200);
    const answeredAt = Date.now() - client.openedAt;
    const closedAfter = await client.closed(timeouts.keepAliveTimeoutMs + 3_000);
    // Node 20 arms the idle socket's timer 1 s past keepAliveTimeout (measured: 500 ms -> 1.5 s).
    expect(closedAfter - answeredAt).toBeGreaterThanOrEqual(timeouts.keepAliveTimeoutMs);
    expect(closedAfter - answeredAt).toBeLessThan(timeouts.keepAliveTimeoutMs + 1_000 + 500);
  });
});

describe('onClientError, unit', () => {
  const app = { log: { debug: () => undefined } } as unknown as FastifyInstance;

  /** A socket stand-in: what was written, and whether it was destroyed. */
  function fakeSocket(response?: { headersSent: boolean }): { socket: PassThrough; written(): string } {
    const socket = new PassThrough();
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    if (response !== undefined) Object.assign(socket, { _httpMessage: response });
    return { socket, written: () => text };
  }

  it('maps Node client errors onto registry codes', () => {
    expect(clientErrorCode(errno('ERR_HTTP_REQUEST_TIMEOUT'))).toBe('OMENDB_ERR_HTTP_TIMEOUT');
    expect(clientErrorCode(errno('HPE_HEADER_OVERFLOW'))).toBe('OMENDB_ERR_HTTP_HEADERS_TOO_LARGE');
    expect(clientErrorCode(errno('HPE_INVALID_METHOD'))).toBe('OMENDB_ERR_HTTP_BAD_REQUEST');
    expect(clientErrorCode(new Error('no code'))).toBe('OMENDB_ERR_HTTP_BAD_REQUEST');
  });

  it('writes a complete registry-format response', () => {
    const response = parseResponse(rawErrorResponse('OMENDB_ERR_HTTP_HEADERS_TOO_LARGE'));
    expect(response).toBeDefined();
    expectRawRegistryError(response!, 'OMENDB_ERR_HTTP_HEADERS_TOO_LARGE');
    expect(response!.headers.connection).toBe('close');
  });

  it('answers and destroys the socket when no response has started', async () => {
    const { socket, written } = fakeSocket({ headersSent: false });
    onClientError.call(app, errno('ERR_HTTP_REQUEST_TIMEOUT'), socket);
    expect(socket.destroyed).toBe(true);
    await expect.poll(written).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('only destroys the socket when a response is already under way', () => {
    const { socket, written } = fakeSocket({ headersSent: true });
    onClientError.call(app, errno('ERR_HTTP_REQUEST_TIMEOUT'), socket);
    expect(socket.destroyed).toBe(true);
    expect(written()).toBe('');
  });

  it('does nothing on a reset, or on a socket already destroyed', () => {
    const reset = fakeSocket();
    onClientError.call(app, errno('ECONNRESET'), reset.socket);
    expect(reset.socket.destroyed).toBe(false);
    const gone = fakeSocket();
    gone.socket.destroy();
    onClientError.call(app, errno('HPE_INVALID_METHOD'), gone.socket);
    expect(gone.written()).toBe('');
  });
});
