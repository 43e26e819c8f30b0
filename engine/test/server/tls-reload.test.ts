import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configDefaults, type ServerConfig } from '../../src/server/server-config.ts';
import { type RunningServer, startServer } from '../../src/server/start-server.ts';
import {
  loadTlsListenerOptions,
  reloadTlsOnSignal,
  type TlsCertificateInfo,
} from '../../src/server/tls-reload.ts';
import { codeOfCall } from '../support/codes.ts';
import {
  installCertificate,
  KeepAliveTlsClient,
  reloadCertificates,
  servedFingerprint,
  type TestCertificate,
} from './tls-test-support.ts';

/**
 * Reloading the TLS certificate and key of a running server (what SIGHUP calls), in process:
 * new connections get the new certificate, open ones keep working, a bad pair changes nothing,
 * and the cipher policy survives the reload.
 */

const dirs: string[] = [];
let first: TestCertificate;
let second: TestCertificate;
let third: TestCertificate;
let cas: string[];

beforeAll(async () => {
  ({ first, second, third, cas } = await reloadCertificates());
}, 60_000);

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const running: RunningServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
});

interface TlsServerUnderTest {
  server: RunningServer;
  port: number;
  certPath: string;
  keyPath: string;
  logs(): Record<string, unknown>[];
}

async function startTlsServer(): Promise<TlsServerUnderTest> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-tls-reload-`);
  dirs.push(dir);
  const certPath = `${dir}/cert.pem`;
  const keyPath = `${dir}/key.pem`;
  await installCertificate(certPath, keyPath, first);
  const config: ServerConfig = {
    ...configDefaults,
    data: `${dir}/data`,
    host: '127.0.0.1',
    port: 0,
    auth: 'off',
    logLevel: 'info',
    tlsCert: certPath,
    tlsKey: keyPath,
  };
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const server = await startServer(config, {}, { logStream: stream });
  running.push(server);
  const port = (server.app.server.address() as AddressInfo).port;
  const logs = () =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { server, port, certPath, keyPath, logs };
}

function reload(t: TlsServerUnderTest): TlsCertificateInfo {
  expect(t.server.reloadTls).toBeDefined();
  return t.server.reloadTls!();
}

describe('reloadTls on a started server', () => {
  it('logs the certificate it starts with', async () => {
    const t = await startTlsServer();
    const line = t.logs().find((l) => l.msg === 'TLS certificate loaded');
    expect((line?.certificate as TlsCertificateInfo | undefined)?.fingerprint256).toBe(first.fingerprint256);
  });

  it('serves the new certificate on new connections, and an open connection keeps working', async () => {
    const t = await startTlsServer();
    expect(await servedFingerprint(t.port, cas)).toBe(first.fingerprint256);
    const before = await KeepAliveTlsClient.open(t.port, cas);
    try {
      expect(await before.get('/ready')).toBe(200);
      await installCertificate(t.certPath, t.keyPath, second);
      const info = reload(t);
      expect(info.fingerprint256).toBe(second.fingerprint256);
      expect(Date.parse(info.validTo)).toBeGreaterThan(Date.now());
      // The connection opened before the reload: same session, same certificate, still served.
      expect(await before.get('/ready')).toBe(200);
      expect(before.peerFingerprint).toBe(first.fingerprint256);
      expect(await servedFingerprint(t.port, cas)).toBe(second.fingerprint256);
    } finally {
      before.close();
    }
  });

  it.for([
    ['a key that does not match the certificate', 'mismatch'],
    ['a certificate file that is not PEM', 'garbage'],
    ['a key file that is missing', 'missing'],
  ] as const)('refuses %s with CONFIG_TLS_RELOAD and keeps serving the old certificate', async ([, kind]) => {
    const t = await startTlsServer();
    if (kind === 'mismatch') {
      await writeFile(t.certPath, second.cert);
      await writeFile(t.keyPath, third.key);
    } else if (kind === 'garbage') {
      await writeFile(t.certPath, 'not a certificate\n');
    } else {
      await rm(t.keyPath);
    }
    expect(codeOfCall(() => reload(t))).toBe('OMENDB_ERR_CONFIG_TLS_RELOAD');
    expect(await servedFingerprint(t.port, cas)).toBe(first.fingerprint256);
    // Fixed files are taken by the next reload.
    await installCertificate(t.certPath, t.keyPath, third);
    expect(reload(t).fingerprint256).toBe(third.fingerprint256);
    expect(await servedFingerprint(t.port, cas)).toBe(third.fingerprint256);
  });

  it('keeps the cipher policy: after a reload, TLS 1.2 with RSA key exchange is still refused', async () => {
    const t = await startTlsServer();
    await installCertificate(t.certPath, t.keyPath, second);
    reload(t);
    const tls12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;
    await expect(
      KeepAliveTlsClient.open(t.port, cas, { ...tls12, ciphers: 'AES128-GCM-SHA256' }),
    ).rejects.toThrow();
    await expect(KeepAliveTlsClient.open(t.port, cas, { ...tls12, ciphers: 'AES128-SHA' })).rejects.toThrow();
    const fs = await KeepAliveTlsClient.open(t.port, cas, {
      ...tls12,
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    });
    try {
      expect(await fs.get('/ready')).toBe(200);
      expect(fs.peerFingerprint).toBe(second.fingerprint256);
    } finally {
      fs.close();
    }
  });

  it('is undefined on a plain HTTP server', async () => {
    const dir = await mkdtemp(`${tmpdir()}/omendb-tls-reload-`);
    dirs.push(dir);
    const server = await startServer(
      { ...configDefaults, data: dir, port: 0, auth: 'off', logLevel: 'silent' },
      {},
    );
    running.push(server);
    expect(server.reloadTls).toBeUndefined();
  });
});

describe('loadTlsListenerOptions', () => {
  it('refuses a configuration without TLS files', async () => {
    const config = { ...configDefaults, data: '/nonexistent' };
    expect(codeOfCall(() => loadTlsListenerOptions(config))).toBe('OMENDB_ERR_CONFIG_TLS_RELOAD');
  });
});

describe('reloadTlsOnSignal: what SIGHUP does, never throwing', () => {
  function recorder() {
    const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
    return {
      lines,
      log: {
        info: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'info', fields, msg }),
        error: (fields: Record<string, unknown>, msg: string) => lines.push({ level: 'error', fields, msg }),
      } as unknown as Parameters<typeof reloadTlsOnSignal>[1],
    };
  }

  it('without TLS: logs that SIGHUP is ignored', () => {
    const r = recorder();
    expect(reloadTlsOnSignal(undefined, r.log)).toBe(false);
    expect(r.lines).toEqual([
      expect.objectContaining({ level: 'info', msg: expect.stringMatching(/SIGHUP ignored/) }),
    ]);
  });

  it('on success: logs the new certificate', () => {
    const r = recorder();
    const info: TlsCertificateInfo = { fingerprint256: 'AB', subject: 'CN=x', validFrom: 'a', validTo: 'b' };
    expect(reloadTlsOnSignal(() => info, r.log)).toBe(true);
    expect(r.lines).toEqual([
      expect.objectContaining({ level: 'info', fields: { signal: 'SIGHUP', certificate: info } }),
    ]);
  });

  it('on failure: logs an error with the registry code, also for an unexpected error', async () => {
    const t = await startTlsServer();
    await rm(t.certPath);
    const r = recorder();
    expect(reloadTlsOnSignal(t.server.reloadTls, r.log)).toBe(false);
    expect(
      reloadTlsOnSignal(() => {
        throw new Error('unexpected');
      }, r.log),
    ).toBe(false);
    expect(r.lines.map((l) => [l.level, l.fields.code])).toEqual([
      ['error', 'OMENDB_ERR_CONFIG_TLS_RELOAD'],
      ['error', 'OMENDB_ERR_CONFIG_TLS_RELOAD'],
    ]);
  });
});
