import { createServer as createNetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/adapters/http/http-client.ts';
import { type FakeServer, readRequestBody, sendJson, startFakeServer } from './fake-server.ts';

const unavailable = (reason: string) =>
  expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_UNAVAILABLE', details: { reason } });
let server: FakeServer | undefined;
let client: HttpClient | undefined;

afterEach(async () => {
  client?.close();
  await server?.close();
  server = undefined;
  client = undefined;
});

describe('HttpClient', () => {
  it('sends a request with its body and headers and returns the whole answer', async () => {
    server = await startFakeServer(async (request, response) => {
      const body = await readRequestBody(request);
      sendJson(response, 201, {
        method: request.method,
        url: request.url,
        length: request.headers['content-length'],
        type: request.headers['content-type'],
        body: body.toString(),
      });
    });
    client = new HttpClient({ url: server.url, timeoutMs: 5_000 });
    expect(client.url).toBe(server.url);
    const response = await client.send({
      method: 'POST',
      path: '/v1/x?y=1',
      headers: { 'content-type': 'text/plain' },
      body: 'héllo',
    });
    expect(response.status).toBe(201);
    expect(JSON.parse(response.body.toString())).toEqual({
      method: 'POST',
      url: '/v1/x?y=1',
      length: '6',
      type: 'text/plain',
      body: 'héllo',
    });
  });

  it('declares the outcome unknown when nothing listens', async () => {
    server = await startFakeServer(() => undefined);
    const url = server.url;
    await server.close();
    server = undefined;
    client = new HttpClient({ url, timeoutMs: 5_000 });
    await expect(client.send({ method: 'GET', path: '/' })).rejects.toThrow(unavailable('ECONNREFUSED'));
  });

  it('declares the outcome unknown when no answer comes in time', async () => {
    server = await startFakeServer(() => undefined);
    client = new HttpClient({ url: server.url, timeoutMs: 200 });
    const started = Date.now();
    await expect(client.send({ method: 'POST', path: '/', body: 'x' })).rejects.toThrow(
      unavailable('timeout'),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('declares the outcome unknown when the answer is cut short', async () => {
    server = await startFakeServer((_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    client = new HttpClient({ url: server.url, timeoutMs: 5_000 });
    await expect(client.send({ method: 'GET', path: '/' })).rejects.toThrow(unavailable('aborted'));
  });

  it('sends a GET again when a kept-alive socket turns out dead, but never a write', async () => {
    // A raw server that answers the first request on each connection and kills the connection at
    // the second: what a server that closed an idle keep-alive socket looks like to the client.
    const connections: Socket[] = [];
    const raw = createNetServer((socket) => {
      connections.push(socket);
      let requests = 0;
      socket.on('data', (chunk) => {
        if (!chunk.toString().includes('\r\n\r\n')) return;
        requests++;
        if (requests === 1)
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
        else socket.destroy();
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as { port: number };
    try {
      client = new HttpClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 5_000 });
      expect((await client.send({ method: 'GET', path: '/' })).status).toBe(200);
      expect((await client.send({ method: 'GET', path: '/' })).status).toBe(200);
      expect(connections).toHaveLength(2);
      await expect(client.send({ method: 'POST', path: '/', body: 'x' })).rejects.toThrow(
        expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_UNAVAILABLE' }),
      );
      expect(connections).toHaveLength(2);
    } finally {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => raw.close(resolve));
    }
  });

  it('moves to a new address and drops its sockets on demand', async () => {
    const first = await startFakeServer((_request, response) => sendJson(response, 200, { at: 'first' }));
    server = await startFakeServer((_request, response) => sendJson(response, 200, { at: 'second' }));
    try {
      client = new HttpClient({ url: first.url, timeoutMs: 5_000 });
      expect(JSON.parse((await client.send({ method: 'GET', path: '/' })).body.toString()).at).toBe('first');
      client.setUrl(first.url);
      client.setUrl(server.url);
      expect(client.url).toBe(server.url);
      client.resetConnections();
      expect(JSON.parse((await client.send({ method: 'GET', path: '/' })).body.toString()).at).toBe('second');
    } finally {
      await first.close();
    }
  });
});
