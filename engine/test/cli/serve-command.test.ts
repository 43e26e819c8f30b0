import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import {
  basic,
  cleanEnv,
  commandTimeoutMs,
  fetchWithin,
  repoRoot,
  runOmendb,
  type ServeProcess,
  serverStartTimeoutMs,
  startServe,
  stderrCode,
} from './cli-process.ts';

/**
 * `omendb serve` end to end: the real command in a child process, spoken to over loopback
 * HTTP(S) only.
 */

const adminPassword = 'serve-test-admin-password';
const auth = basic('admin', adminPassword);
const envWithAdmin = () => cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword });
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-serve-`);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function writePoints(url: string, series: string, points: [number, number][]): Promise<Response> {
  return fetchWithin(`${url}/v1/series/${series}/points`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ points }),
  });
}

async function readPoints(url: string, series: string): Promise<[number, number][]> {
  const response = await fetchWithin(`${url}/v1/series/${series}/points`, {
    headers: { authorization: auth },
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { points: [number, number][]; next: unknown };
  expect(body.next).toBeNull();
  return body.points;
}

function isIncoming(url: string) {
  return (line: Record<string, unknown>) =>
    line.msg === 'incoming request' && (line.req as { url?: string } | undefined)?.url === url;
}

const isShuttingDown = (line: Record<string, unknown>) => line.msg === 'shutting down';

/**
 * A write whose body is sent in two halves: the server has the request (and logs it) after the
 * first half, and cannot answer before finish() sends the rest. A request held in flight.
 */
function slowWrite(
  url: string,
  series: string,
  points: [number, number][],
): { finish(): void; response: Promise<{ status: number; body: string }> } {
  const body = Buffer.from(JSON.stringify({ points }));
  const half = Math.floor(body.length / 2);
  const target = new URL(`${url}/v1/series/${series}/points`);
  const req = httpRequest({
    host: target.hostname,
    port: target.port,
    path: target.pathname,
    method: 'POST',
    agent: false,
    timeout: 30_000,
    headers: { authorization: auth, 'content-type': 'application/json', 'content-length': body.length },
  });
  const response = collectResponse(req, 'slow write');
  req.write(body.subarray(0, half));
  return { finish: () => req.end(body.subarray(half)), response };
}

/** The status and body of a request's answer; rejects on a socket error or its timeout. */
function collectResponse(req: ClientRequest, what: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${what} timed out`)));
    req.on('error', reject);
  });
}

describe('omendb serve over HTTP', () => {
  let dir: string;
  let server: ServeProcess;

  beforeAll(async () => {
    dir = await tempDir();
    server = await startServe(['--data', dir, '--port', '0'], envWithAdmin());
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('prints one http:// URL on loopback, answers /ready, and writes and reads points with Basic auth', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = await fetchWithin(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    const written = await writePoints(server.url, 'cpu', [
      [1, 1.5],
      [2, 2.5],
      [3, -3],
    ]);
    expect(written.status).toBe(200);
    expect(await written.json()).toEqual({ written: 3 });
    expect(await readPoints(server.url, 'cpu')).toEqual([
      [1, 1.5],
      [2, 2.5],
      [3, -3],
    ]);
    const one = await fetchWithin(`${server.url}/v1/series/cpu/points/2`, {
      headers: { authorization: auth },
    });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ key: 2, value: 2.5 });

    // Without credentials, or with a wrong password: 401 and a registry code.
    const anonymous = await fetchWithin(`${server.url}/v1/series/cpu/points`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe(
      'OMENDB_ERR_AUTH_REQUIRED',
    );
    const wrong = await fetchWithin(`${server.url}/v1/series/cpu/points`, {
      headers: { authorization: basic('admin', 'not-the-password') },
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('OMENDB_ERR_AUTH_INVALID');
  });

  it('logs JSON lines on stderr, with the configuration but never the admin password', () => {
    const logs = server.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.some((line) => line.msg === 'configuration')).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(adminPassword);
  });

  it('a second server on the same data directory exits 3 with OMENDB_ERR_DIR_LOCKED', async () => {
    const second = await runOmendb(['serve', '--data', dir, '--port', '0'], { env: envWithAdmin() });
    expect(second.exitCode).toBe(3);
    expect(stderrCode(second.stderr)).toBe('OMENDB_ERR_DIR_LOCKED');
    expect(second.stdout).toBe('');
    // The first server is untouched.
    expect((await fetchWithin(`${server.url}/ready`)).status).toBe(200);
    expect(await readPoints(server.url, 'cpu')).toHaveLength(3);
  });
});

describe('omendb serve refuses unsafe or impossible configurations', () => {
  it('refuses to start with no users and no OMENDB_ADMIN_PASSWORD (exit 2, OMENDB_ERR_CONFIG_NO_USERS)', async () => {
    const dir = await tempDir();
    // An empty OMENDB_ADMIN_PASSWORD is no password either.
    const results = await Promise.all([
      runOmendb(['serve', '--data', dir, '--port', '0']),
      runOmendb(['serve', '--data', dir, '--port', '0'], { env: cleanEnv({ OMENDB_ADMIN_PASSWORD: '' }) }),
    ]);
    for (const result of results) {
      expect(result.exitCode).toBe(2);
      expect(stderrCode(result.stderr)).toBe('OMENDB_ERR_CONFIG_NO_USERS');
      expect(result.stdout).toBe('');
    }
  });

  it('refuses --auth off on a non-loopback host (exit 2, OMENDB_ERR_CONFIG_AUTH_OFF_NOT_LOOPBACK)', async () => {
    const dir = await tempDir();
    // Refused before it binds anything.
    const result = await runOmendb(
      ['serve', '--data', dir, '--port', '0', '--auth', 'off', '--host', '0.0.0.0'],
      {
        timeoutMs: 15_000,
      },
    );
    expect(result.exitCode).toBe(2);
    expect(stderrCode(result.stderr)).toBe('OMENDB_ERR_CONFIG_AUTH_OFF_NOT_LOOPBACK');
    expect(result.stdout).toBe('');
  });

  it('refuses bad options with exit 2 and OMENDB_ERR_CONFIG_INVALID', async () => {
    const dir = await tempDir();
    const results = await Promise.all([
      runOmendb(['serve', '--data', dir, '--port', 'eighty']),
      runOmendb(['serve', '--data', dir, '--no-such-option', 'x']),
    ]);
    for (const result of results) {
      expect(result.exitCode).toBe(2);
      expect(stderrCode(result.stderr)).toBe('OMENDB_ERR_CONFIG_INVALID');
    }
  });

  it('the omendb bin (npx omendb) runs: help exits 0, an unknown command exits 2', async () => {
    const [help, unknown] = await Promise.all([
      execa('npx', ['--no-install', 'omendb', 'help'], {
        cwd: repoRoot,
        env: cleanEnv(),
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: commandTimeoutMs,
      }),
      runOmendb(['no-such-command']),
    ]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('omendb serve');
    expect(unknown.exitCode).toBe(2);
  });
});

describe('omendb serve --auth off on loopback', () => {
  it('starts with no users and answers without credentials', async () => {
    const dir = await tempDir();
    const server = await startServe(
      ['--data', dir, '--port', '0', '--auth', 'off', '--host', '127.0.0.1'],
      cleanEnv(),
    );
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const write = await fetchWithin(`${server.url}/v1/series/open/points`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ points: [[10, 1]] }),
      });
      expect(write.status).toBe(200);
      const read = await fetchWithin(`${server.url}/v1/series/open/points/10`);
      expect(read.status).toBe(200);
      expect(await read.json()).toEqual({ key: 10, value: 1 });
      expect((await fetchWithin(`${server.url}/metrics`)).status).toBe(200);
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }
  });
});

describe('omendb serve shuts down gracefully', () => {
  it('with --stop-on-stdin-close on, the end of stdin stops it like SIGTERM; without, it runs on', async () => {
    const dir = await tempDir();
    const lifeline = await startServe(
      ['--data', dir, '--port', '0', '--stop-on-stdin-close', 'on'],
      envWithAdmin(),
      serverStartTimeoutMs,
      'pipe',
    );
    expect((await fetchWithin(`${lifeline.url}/ready`)).status).toBe(200);
    // What the pipe does when the supervisor holding it dies, even by SIGKILL.
    lifeline.child.stdin!.end();
    const result = await lifeline.exited(20_000);
    expect(result.exitCode).toBe(0);
    expect(lifeline.logs().some(isShuttingDown)).toBe(true);

    const plain = await startServe(
      ['--data', dir, '--port', '0'],
      envWithAdmin(),
      serverStartTimeoutMs,
      'pipe',
    );
    try {
      plain.child.stdin!.end();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await fetchWithin(`${plain.url}/ready`)).status).toBe(200);
    } finally {
      expect((await plain.stop()).exitCode).toBe(0);
    }
  });

  it('SIGTERM lets in-flight requests finish with 2xx, exits 0, and a restart has every acknowledged write', async () => {
    const dir = await tempDir();
    const server = await startServe(['--data', dir, '--port', '0'], envWithAdmin());
    const expected = new Map<string, [number, number][]>();
    let restarted: ServeProcess | undefined;
    try {
      // Acknowledged before the signal.
      for (let batch = 0; batch < 5; batch++) {
        const points: [number, number][] = Array.from({ length: 100 }, (_, i) => [
          batch * 100 + i,
          batch + i / 10,
        ]);
        const response = await writePoints(server.url, 'before', points);
        expect(response.status).toBe(200);
        expected.set('before', [...(expected.get('before') ?? []), ...points]);
      }
      // Held in flight across the signal: the server has each request, not yet its whole body.
      const inFlight = [0, 1, 2].map((n) => {
        const points: [number, number][] = Array.from({ length: 2000 }, (_, i) => [i, n * 1000 + i]);
        expected.set(`grace-${n}`, points);
        return slowWrite(server.url, `grace-${n}`, points);
      });
      for (let n = 0; n < inFlight.length; n++)
        await server.waitForLog(isIncoming(`/v1/series/grace-${n}/points`));

      server.signal('SIGTERM');
      await server.waitForLog(isShuttingDown);
      // Nothing new is served while stopping: the listener is closed (connection refused) or 503.
      const late = await fetchWithin(`${server.url}/ready`).then(
        (response) => response.status,
        () => 'refused',
      );
      expect([503, 'refused']).toContain(late);

      for (const request of inFlight) request.finish();
      const answers = await Promise.all(inFlight.map((request) => request.response));
      for (const answer of answers) {
        expect(answer.status, answer.body).toBe(200);
        expect(JSON.parse(answer.body)).toEqual({ written: 2000 });
      }
      const result = await server.exited();
      expect(result.exitCode).toBe(0);
      expect(result.signal).toBeUndefined();

      restarted = await startServe(['--data', dir, '--port', '0'], envWithAdmin());
      for (const [series, points] of expected) {
        expect(await readPoints(restarted.url, series), series).toEqual(
          [...points].sort((a, b) => a[0] - b[0]),
        );
      }

      // A second signal does not wait for the in-flight request: the process exits at once,
      // non-zero (the grace period, 10 s by default, would otherwise hold it).
      const stuck = slowWrite(restarted.url, 'never', [[1, 1]]);
      stuck.response.catch(() => undefined);
      await restarted.waitForLog(isIncoming('/v1/series/never/points'));
      restarted.signal('SIGTERM');
      await restarted.waitForLog(isShuttingDown);
      const secondAt = Date.now();
      restarted.signal('SIGTERM');
      const hard = await restarted.exited(5_000);
      expect(Date.now() - secondAt).toBeLessThan(3_000);
      expect(hard.exitCode).not.toBe(0);
      expect(hard.exitCode).toBe(130);
      expect(
        await stuck.response.then(
          () => 'answered',
          () => 'cut',
        ),
      ).toBe('cut');
      restarted = undefined;

      // Even after the hard exit, every acknowledged write is in the directory (the WAL).
      const engine = await openEngine({ dir, logger: silentLogger });
      try {
        for (const [series, points] of expected)
          expect((await engine.range(series)).points.length).toBe(points.length);
        expect(await engine.get('never', 1)).toBeUndefined();
      } finally {
        await engine.close();
      }
    } finally {
      await server.stop();
      await restarted?.stop();
    }
  });
});

describe('omendb serve over HTTPS', () => {
  let dir: string;
  let cert: string;
  let server: ServeProcess;

  beforeAll(async () => {
    dir = await tempDir();
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 7, ip: '127.0.0.1' },
            { type: 2, value: 'localhost' },
          ],
        },
      ],
    });
    cert = pems.cert;
    const tls = await tempDir();
    await writeFile(`${tls}/cert.pem`, pems.cert);
    await writeFile(`${tls}/key.pem`, pems.private, { mode: 0o600 });
    server = await startServe(
      ['--data', dir, '--port', '0', '--tls-cert', `${tls}/cert.pem`, '--tls-key', `${tls}/key.pem`],
      envWithAdmin(),
    );
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** One request over TLS with certificate verification on, trusting only the test's certificate. */
  function tlsRequest(
    path: string,
    options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
  ): Promise<{ status: number; body: string }> {
    const target = new URL(`${server.url}${path}`);
    const req = httpsRequest({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      ca: options.ca ?? cert,
      agent: false,
      timeout: 15_000,
    });
    const response = collectResponse(req, 'https request');
    req.end(options.body);
    return response;
  }

  it('prints an https:// URL and answers /ready over verified TLS', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ready = await tlsRequest('/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready' });
  });

  it('takes an authenticated write and reads it back over TLS', async () => {
    const write = await tlsRequest('/v1/series/tls/points', {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ points: [[7, 0.5]] }),
    });
    expect(write.status).toBe(200);
    expect(JSON.parse(write.body)).toEqual({ written: 1 });
    const read = await tlsRequest('/v1/series/tls/points/7', { headers: { authorization: auth } });
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body)).toEqual({ key: 7, value: 0.5 });
  });

  it('a client that does not trust the certificate is refused by its own verification', async () => {
    const other = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      algorithm: 'sha256',
    });
    await expect(tlsRequest('/ready', { ca: other.cert })).rejects.toThrow();
  });

  it('speaks HTTPS only: a plain http:// request to the same port gets no HTTP answer', async () => {
    const plainUrl = server.url.replace(/^https:/, 'http:');
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${plainUrl}/ready`, { agent: false, timeout: 10_000 }, (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code ?? error.message}`));
      req.end();
    });
    expect(outcome).toMatch(/^error /);
    // The TLS listener is still healthy afterwards.
    expect((await tlsRequest('/ready')).status).toBe(200);
  });
});

describe('omendb serve on an IPv6 loopback host, and on a taken port', () => {
  it("--host '[::1]' (the bracketed form) starts, prints http://[::1]:PORT and serves with --auth off", async () => {
    const dir = await tempDir();
    const server = await startServe(
      ['--data', dir, '--port', '0', '--host', '[::1]', '--auth', 'off'],
      cleanEnv(),
    );
    try {
      expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      // fetch sends Host: [::1]:PORT, a loopback name the auth-off Host check accepts.
      const series = await fetchWithin(`${server.url}/v1/series`);
      expect(series.status).toBe(200);
    } finally {
      expect((await server.stop()).exitCode).toBe(0);
    }
  });

  it('a port already in use: exit 2, OMENDB_ERR_CONFIG_INVALID, and no stack trace', async () => {
    const dir = await tempDir();
    const taken = createNetServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((taken.address() as { port: number }).port);
      const result = await runOmendb(['serve', '--data', dir, '--port', port], { env: envWithAdmin() });
      expect(result.exitCode).toBe(2);
      expect(stderrCode(result.stderr)).toBe('OMENDB_ERR_CONFIG_INVALID');
      expect(String(result.stderr)).not.toContain('    at ');
      expect(result.stdout).toBe('');
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
