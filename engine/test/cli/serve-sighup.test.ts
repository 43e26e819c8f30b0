import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installCertificate,
  KeepAliveTlsClient,
  reloadCertificates,
  servedFingerprint,
  type TestCertificate,
} from '../server/tls-test-support.ts';
import { cleanEnv, fetchWithin, type ServeProcess, startServe } from './cli-process.ts';

/**
 * SIGHUP to a real `omendb serve` process: with TLS it reloads the certificate and key without
 * dropping connections; a bad pair keeps the old certificate and the server; without TLS it is
 * logged and ignored (Node's default for SIGHUP would have ended the process).
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

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-sighup-`);
  dirs.push(dir);
  return dir;
}

const isReloaded = (line: Record<string, unknown>) =>
  typeof line.msg === 'string' && line.msg.startsWith('TLS certificate and key reloaded');
const isReloadFailure = (line: Record<string, unknown>) =>
  line.level === 50 && line.code === 'OMENDB_ERR_CONFIG_TLS_RELOAD';

function portOf(server: ServeProcess): number {
  return Number(new URL(server.url).port);
}

describe('omendb serve and SIGHUP', () => {
  it('reloads the certificate for new connections, keeps open ones, and survives a bad key', async () => {
    const dir = await tempDir();
    const certPath = `${dir}/cert.pem`;
    const keyPath = `${dir}/key.pem`;
    await installCertificate(certPath, keyPath, first);
    const server = await startServe(
      ['--data', `${dir}/data`, '--port', '0', '--auth', 'off', '--tls-cert', certPath, '--tls-key', keyPath],
      cleanEnv(),
    );
    try {
      const port = portOf(server);
      expect(await servedFingerprint(port, cas)).toBe(first.fingerprint256);
      const before = await KeepAliveTlsClient.open(port, cas);
      try {
        expect(await before.get('/ready')).toBe(200);

        await installCertificate(certPath, keyPath, second);
        server.signal('SIGHUP');
        await server.waitForLog(isReloaded);
        const reloaded = server.logs().find(isReloaded)!;
        expect((reloaded.certificate as { fingerprint256: string }).fingerprint256).toBe(
          second.fingerprint256,
        );
        // Opened before the reload: still served over the same connection (keep-alive).
        expect(await before.get('/ready')).toBe(200);
        expect(before.open).toBe(true);
        expect(await servedFingerprint(port, cas)).toBe(second.fingerprint256);

        // A key that does not match its certificate: refused, logged with the code, nothing changes.
        await writeFile(certPath, third.cert);
        await writeFile(keyPath, first.key);
        server.signal('SIGHUP');
        await server.waitForLog(isReloadFailure);
        expect(await servedFingerprint(port, cas)).toBe(second.fingerprint256);
        expect(await before.get('/ready')).toBe(200);
      } finally {
        before.close();
      }
      expect(server.child.exitCode).toBeNull();
      const result = await server.stop();
      expect(result.exitCode).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('without TLS, logs SIGHUP as ignored and keeps serving', async () => {
    const dir = await tempDir();
    const server = await startServe(['--data', dir, '--port', '0', '--auth', 'off'], cleanEnv());
    try {
      server.signal('SIGHUP');
      await server.waitForLog(
        (line) => typeof line.msg === 'string' && line.msg.startsWith('SIGHUP ignored'),
      );
      expect((await fetchWithin(`${server.url}/ready`)).status).toBe(200);
      const result = await server.stop();
      expect(result.exitCode).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
