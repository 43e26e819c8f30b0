import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpAdapter } from '../../../src/adapters/http/adapter.ts';
import { basicHeader } from '../../../src/adapters/http/auth-session.ts';
import { engineBin } from '../../../src/adapters/http/engine-bin.ts';
import { SpawnedServer } from '../../../src/adapters/http/spawned-server.ts';
import { sendJson, startFakeServer } from './fake-server.ts';

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const code = (name: string) => expect.objectContaining({ code: name });
const unavailable = code('OMENDB_ERR_HARNESS_UNAVAILABLE');

/** The admin's password of a spawned server (what a user would put in OMENDB_HARNESS_PASSWORD). */
function adminEnv(server: SpawnedServer): NodeJS.ProcessEnv {
  const credentials = server.session.credentials;
  if (credentials.kind !== 'password') throw new Error('a spawned server has a password');
  return { OMENDB_HARNESS_USER: credentials.user, OMENDB_HARNESS_PASSWORD: credentials.password };
}

async function adminFetch(server: SpawnedServer, path: string, init: RequestInit = {}): Promise<Response> {
  const credentials = server.session.credentials as { user: string; password: string };
  return fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: basicHeader(credentials.user, credentials.password), ...init.headers },
    signal: AbortSignal.timeout(10_000),
  });
}

describe('HttpAdapter over a server it spawns', () => {
  it('owns the process: restart, kill, pause and close act on it, and close removes its directory', async () => {
    const adapter = new HttpAdapter({ requestTimeoutMs: 1_000 });
    expect(adapter.capabilities).toMatchObject({
      durable: true,
      restartable: true,
      killable: true,
      pausable: true,
      process: true,
      http: true,
      auth: true,
      arrow: false,
    });
    await adapter.open();
    try {
      expect(await adapter.describe()).toEqual({
        engine: 'omendb',
        version: engineBin().version,
        adapter: 'http',
      });
      expect(existsSync(adapter.logPath!)).toBe(true);
      expect(existsSync(join(adapter.dataDir!, 'wal'))).toBe(true);
      const { pid } = adapter.processInfo();
      expect(pid).toBeGreaterThan(0);
      await adapter.write('cpu', [[1n, 1]]);

      const endpoint = adapter.httpEndpoint();
      expect(endpoint.url).toBe(adapter.url);
      expect(endpoint.adminAuthorization.startsWith('Basic ')).toBe(true);
      expect(endpoint.ca).toBeUndefined();
      const listed = await fetch(`${endpoint.url}/v1/series`, {
        headers: { authorization: endpoint.adminAuthorization },
      });
      expect(await listed.json()).toEqual({ series: ['cpu'] });

      await adapter.checkpoint();
      expect(await adapter.metrics()).toContain('omendb_');

      await adapter.restart();
      expect(adapter.processInfo().pid).not.toBe(pid);
      expect(await adapter.get('cpu', 1n)).toBe(1);

      await adapter.kill();
      await expect(adapter.write('cpu', [[2n, 2]])).rejects.toThrow(unavailable);
      expect(() => adapter.processInfo()).toThrow(unavailable);
      await adapter.restart();
      expect(await adapter.get('cpu', 1n)).toBe(1);

      // Paused: requests wait, then time out with an unknown outcome; resumed, they are answered.
      await adapter.pause();
      const started = Date.now();
      await expect(adapter.get('cpu', 1n)).rejects.toThrow(unavailable);
      expect(Date.now() - started).toBeLessThan(5_000);
      await adapter.resume();
      expect(await adapter.get('cpu', 1n)).toBe(1);
    } finally {
      await adapter.close();
    }
    expect(existsSync(dirname(adapter.logPath!))).toBe(false);
  });

  it('serves HTTPS with a certificate made at run time and moves points as Arrow', async () => {
    const adapter = new HttpAdapter({ spawn: { tls: true }, arrow: true });
    await adapter.open();
    try {
      expect(adapter.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(adapter.capabilities.arrow).toBe(true);
      const points = [
        [int64Min, -1.5],
        [-1n, 0.25],
        [0n, 0],
        [9007199254740993n, 3],
        [int64Max, Number.MAX_VALUE],
      ] as const;
      await adapter.write('arrow.s', [...points].reverse());
      await adapter.write('arrow.s', []);
      const collected: (readonly [bigint, number])[] = [];
      let after: bigint | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await adapter.range('arrow.s', undefined, undefined, {
          limit: 2,
          ...(after === undefined ? {} : { after }),
        });
        collected.push(...result.points);
        if (result.next === null) break;
        after = result.next;
      }
      expect(collected).toEqual(points);
      expect(await adapter.get('arrow.s', 9007199254740993n)).toBe(3);

      const endpoint = adapter.httpEndpoint();
      expect(endpoint.ca).toContain('BEGIN CERTIFICATE');
      // The same server as a URL: trusted through its CA file, and refused without it.
      const caFile = join(dirname(adapter.logPath!), 'cert.pem');
      const remote = new HttpAdapter({ url: endpoint.url, caFile, env: {} });
      await remote.open();
      expect(remote.httpEndpoint().ca).toContain('BEGIN CERTIFICATE');
      await remote.close();
      const untrusting = new HttpAdapter({ url: endpoint.url, env: {} });
      await expect(untrusting.open()).rejects.toThrow(unavailable);
    } finally {
      await adapter.close();
    }
  });

  it('is not durable under --sync interval or none, and needs an open adapter for its server', async () => {
    expect(new HttpAdapter({ spawn: { sync: 'none' } }).capabilities.durable).toBe(false);
    expect(new HttpAdapter({ spawn: { sync: 'interval' } }).capabilities.durable).toBe(false);
    const adapter = new HttpAdapter();
    await expect(adapter.kill()).rejects.toThrow(code('OMENDB_ERR_HARNESS_ADAPTER_STATE'));
    expect(() => adapter.httpEndpoint()).toThrow(code('OMENDB_ERR_HARNESS_ADAPTER_STATE'));
  });
});

describe('HttpAdapter over a shared server, and over its URL', () => {
  let server: SpawnedServer;

  beforeAll(async () => {
    server = await SpawnedServer.start();
  });

  afterAll(async () => {
    await server?.dispose();
  });

  it('operations: absent keys, int64 keys, pagination, aggregates, deletes, drops', async () => {
    const adapter = new HttpAdapter({ server });
    await adapter.open();
    try {
      expect(await adapter.get('ops', 1n)).toBeUndefined();
      await adapter.write('ops', [
        [int64Max, 2],
        [int64Min, 1],
        [10n, 3],
        [11n, 4],
        [25n, 5],
      ]);
      expect(await adapter.get('ops', int64Min)).toBe(1);
      expect(await adapter.get('ops', int64Max)).toBe(2);
      expect(await adapter.get('ops', 12n)).toBeUndefined();
      const first = await adapter.range('ops', 0n, undefined, { limit: 2 });
      expect(first).toEqual({
        points: [
          [10n, 3],
          [11n, 4],
        ],
        next: 11n,
      });
      expect(await adapter.range('ops', 0n, undefined, { limit: 2, after: 11n })).toEqual({
        points: [
          [25n, 5],
          [int64Max, 2],
        ],
        next: null,
      });
      const buckets = await adapter.aggregate('ops', 0n, 100n, { bucket: 10n, fns: ['sum', 'max'] });
      expect(buckets).toEqual({
        buckets: [
          { start: 10n, count: 2, sum: 7, max: 4 },
          { start: 20n, count: 1, sum: 5, max: 5 },
        ],
      });
      expect(await adapter.aggregate('ops', 10n, 11n, { fns: [] })).toEqual({
        buckets: [{ start: 10n, count: 2 }],
      });
      const whole = await adapter.aggregate('ops');
      expect(whole.buckets[0]).toMatchObject({ start: int64Min, count: 5, first: 1, last: 2 });
      await adapter.deleteRange('ops', 11n, 25n);
      expect((await adapter.range('ops', 0n, 100n)).points).toEqual([[10n, 3]]);
      // Names that are path steps elsewhere are plain names here.
      await adapter.write('..', [[1n, 1]]);
      await adapter.write('.', [[1n, 2]]);
      expect(await adapter.get('..', 1n)).toBe(1);
      expect(await adapter.listSeries()).toEqual(['.', '..', 'ops']);
      await adapter.dropSeries('..');
      expect(await adapter.listSeries()).toEqual(['.', 'ops']);
    } finally {
      await adapter.close();
    }
  });

  it('a new adapter over the shared server starts empty; closing one leaves the server up', async () => {
    const first = new HttpAdapter({ server });
    await first.open();
    await first.write('left.over', [[1n, 1]]);
    await first.close();
    expect(server.isUp).toBe(true);
    const second = new HttpAdapter({ server });
    await second.open();
    expect(await second.listSeries()).toEqual([]);
    expect(await second.get('left.over', 1n)).toBeUndefined();
    await second.close();
  });

  it('buys a new token when the server refuses the one it holds', async () => {
    const adapter = new HttpAdapter({ server });
    await adapter.open();
    try {
      await adapter.write('token', [[1n, 1]]);
      // A new signing secret after the restart: every token issued before is refused.
      await adapter.kill();
      await rm(join(server.dir, 'data', 'server', 'jwt-secret'));
      await adapter.restart();
      expect(await adapter.get('token', 1n)).toBe(1);
    } finally {
      await adapter.close();
    }
  });

  it('over the URL: credentials from the environment, errors with their registry codes', async () => {
    const remote = new HttpAdapter({ url: server.url, env: adminEnv(server) });
    expect(remote.capabilities).toMatchObject({
      killable: false,
      restartable: false,
      process: false,
      auth: true,
    });
    await remote.open();
    try {
      expect(await remote.describe()).toEqual({ engine: 'omendb', version: 'unknown', adapter: 'http' });
      expect(remote.logPath).toBeUndefined();
      expect(remote.dataDir).toBeUndefined();
      await remote.write('remote', [[1n, 1]]);
      expect(await remote.get('remote', 1n)).toBe(1);
      expect(remote.httpEndpoint().adminAuthorization).toBe(
        basicHeader('admin', adminEnv(server).OMENDB_HARNESS_PASSWORD!),
      );
      await expect(remote.kill()).rejects.toThrow(code('OMENDB_ERR_HARNESS_CAPABILITY'));
    } finally {
      await remote.close();
    }

    // A token from the environment.
    const tokenResponse = await adminFetch(server, '/v1/auth/token', { method: 'POST' });
    const { token } = (await tokenResponse.json()) as { token: string };
    const byToken = new HttpAdapter({ url: server.url, env: { OMENDB_HARNESS_TOKEN: token } });
    await byToken.open();
    expect(await byToken.get('remote', 1n)).toBe(1);
    expect(byToken.httpEndpoint().adminAuthorization).toBe(`Bearer ${token}`);
    await byToken.close();
    const badToken = new HttpAdapter({ url: server.url, env: { OMENDB_HARNESS_TOKEN: 'not.a.token' } });
    await badToken.open();
    await expect(badToken.listSeries()).rejects.toThrow(code('OMENDB_ERR_AUTH_INVALID'));
    await badToken.close();

    // No credentials, a wrong password, a role that may not write.
    const anonymous = new HttpAdapter({ url: server.url, env: {} });
    expect(anonymous.capabilities.auth).toBe(false);
    await anonymous.open();
    await expect(anonymous.listSeries()).rejects.toThrow(code('OMENDB_ERR_AUTH_REQUIRED'));
    expect(anonymous.httpEndpoint().adminAuthorization).toBe('');
    await anonymous.close();
    const wrong = new HttpAdapter({
      url: server.url,
      env: { OMENDB_HARNESS_USER: 'admin', OMENDB_HARNESS_PASSWORD: 'not-the-password' },
    });
    await wrong.open();
    await expect(wrong.listSeries()).rejects.toThrow(code('OMENDB_ERR_AUTH_INVALID'));
    await wrong.close();
    const added = await adminFetch(server, '/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'reader', role: 'reader', password: 'a-reader-password' }),
    });
    expect(added.status).toBe(201);
    const reader = new HttpAdapter({
      url: server.url,
      env: { OMENDB_HARNESS_USER: 'reader', OMENDB_HARNESS_PASSWORD: 'a-reader-password' },
    });
    await reader.open();
    expect(await reader.get('remote', 1n)).toBe(1);
    await expect(reader.write('remote', [[2n, 2]])).rejects.toThrow(code('OMENDB_ERR_AUTH_FORBIDDEN'));
    await reader.close();
  });

  it('over a URL where nothing answers, or not ready, or with an unreadable CA file, open fails', async () => {
    const fake = await startFakeServer((_request, response) =>
      sendJson(response, 503, { error: { code: 'OMENDB_ERR_HTTP_NOT_READY', message: 'starting' } }),
    );
    const notReady = new HttpAdapter({ url: fake.url, env: {} });
    await expect(notReady.open()).rejects.toThrow(code('OMENDB_ERR_HTTP_NOT_READY'));
    await fake.close();
    const nothing = new HttpAdapter({ url: fake.url, env: {} });
    await expect(nothing.open()).rejects.toThrow(unavailable);
    const noCa = new HttpAdapter({ url: 'https://127.0.0.1:1', caFile: '/nonexistent/ca.pem', env: {} });
    await expect(noCa.open()).rejects.toThrow(code('OMENDB_ERR_HARNESS_USAGE'));
  });
});
