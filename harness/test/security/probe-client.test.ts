import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityResponseBytesMax } from '../../src/limits.ts';
import { securityTarget, sourceAddress, sourceSlots } from '../../src/security/loopback.ts';
import { describeAnswer, errorCodeOf, jsonOf, probe } from '../../src/security/probe-client.ts';
import { json, registryError, type ScriptedServer, startScripted } from './scripted-server.ts';

let server: ScriptedServer;
let tls: ScriptedServer;

beforeAll(async () => {
  server = await startScripted();
  tls = await startScripted({ tls: true });
});

afterAll(async () => {
  await server?.close();
  await tls?.close();
});

const request = (overrides: Partial<Parameters<typeof probe>[1]> = {}) => ({
  method: 'GET',
  path: '/x',
  source: sourceAddress(server.target, sourceSlots.hostile),
  timeoutMs: 2_000,
  ...overrides,
});

describe('probe', () => {
  it('sends the method, raw path, headers and body from the source address, and reads the answer', async () => {
    server.script((_seen, response) => json(response, 418, registryError('OMENDB_ERR_TEAPOT')));
    const answer = await probe(
      server.target,
      request({
        method: 'PATCH',
        path: '/v1/series/%2e%2e/points?a=1',
        headers: { 'x-probe': 1 },
        body: 'hi',
      }),
    );
    expect(answer).toMatchObject({ answered: true, status: 418 });
    expect(errorCodeOf(answer)).toBe('OMENDB_ERR_TEAPOT');
    expect(describeAnswer(answer)).toBe('418 OMENDB_ERR_TEAPOT');
    const seen = server.seen.at(-1)!;
    expect(seen).toMatchObject({
      method: 'PATCH',
      path: '/v1/series/%2e%2e/points?a=1',
      source: '127.0.0.5',
    });
    expect(seen.headers['x-probe']).toBe('1');
    expect(seen.headers.host).toBe(server.target.url.host);
    expect(seen.body.toString()).toBe('hi');
  });

  it('reports silence as a timeout and a cut connection as a connection failure, never a throw', async () => {
    server.script(() => undefined);
    const silent = await probe(server.target, request({ timeoutMs: 200 }));
    expect(silent).toMatchObject({ answered: false, reason: 'timeout' });
    expect(describeAnswer(silent)).toMatch(/^no answer \(timeout: /);
    server.script((_seen, response) => response.socket?.destroy());
    const cut = await probe(server.target, request());
    expect(cut).toMatchObject({ answered: false, reason: 'connection' });
    expect(errorCodeOf(cut)).toBeUndefined();
    expect(jsonOf(cut)).toBeUndefined();
  });

  it('refuses to buffer a response over the limit', async () => {
    const big = Buffer.alloc(securityResponseBytesMax + 1024, 0x61);
    server.script((_seen, response) => {
      response.writeHead(200, { 'content-length': big.length });
      response.end(big);
    });
    const answer = await probe(server.target, request());
    expect(answer).toMatchObject({ answered: false, reason: 'connection' });
    expect(describeAnswer(answer)).toMatch(/over \d+ bytes/);
  });

  it('sends a chunked body, and stops sending once the answer came', async () => {
    server.script((seen, response) => json(response, 200, { bytes: seen.body.length }));
    const whole = await probe(
      server.target,
      request({ method: 'POST', chunks: [Buffer.from('ab'), Buffer.from('cd')] }),
    );
    expect(jsonOf(whole)).toEqual({ bytes: 4 });
    expect(server.seen.at(-1)!.headers['transfer-encoding']).toBe('chunked');

    // A server that answers at the head: the rest of an endless body is never sent.
    const early = createServer((_request, response) =>
      json(response, 413, registryError('OMENDB_ERR_HTTP_BODY_TOO_LARGE')),
    );
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = early.address() as { port: number };
      let produced = 0;
      function* endless(): Generator<Uint8Array> {
        for (let i = 0; i < 100_000; i++) {
          produced++;
          yield Buffer.alloc(64 * 1024);
        }
      }
      const stopped = await probe(securityTarget(`http://127.0.0.1:${port}`), {
        ...request({ method: 'POST', chunks: endless(), timeoutMs: 5_000 }),
      });
      expect(describeAnswer(stopped)).toBe('413 OMENDB_ERR_HTTP_BODY_TOO_LARGE');
      expect(produced).toBeLessThan(10_000);
    } finally {
      early.closeAllConnections();
      await new Promise((resolve) => early.close(resolve));
    }
  });

  it('answers over HTTPS with the given CA', async () => {
    tls.script((_seen, response) => json(response, 200, { secure: true }));
    const answer = await probe(tls.target, {
      ...request(),
      source: sourceAddress(tls.target, sourceSlots.setup),
    });
    expect(jsonOf(answer)).toEqual({ secure: true });
    const untrusted = await probe({ ...tls.target, ca: undefined } as typeof tls.target, {
      ...request(),
      source: '127.0.0.1',
    });
    expect(untrusted).toMatchObject({ answered: false, reason: 'connection' });
  });

  it('reads no code or JSON from a body that is not JSON', async () => {
    server.script((_seen, response) => {
      response.writeHead(500);
      response.end('not json');
    });
    const answer = await probe(server.target, request());
    expect(errorCodeOf(answer)).toBeUndefined();
    expect(jsonOf(answer)).toBeUndefined();
    expect(describeAnswer(answer)).toBe('500');
  });
});
