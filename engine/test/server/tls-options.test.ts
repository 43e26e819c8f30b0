import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { connect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaw } from '../../src/testing/raw-http.ts';
import { createServerFixture, type ServerFixture } from './server-fixture.ts';
import { makeCertificate } from './tls-test-support.ts';

/**
 * The HTTPS listener speaks TLS 1.2 and 1.3 only, and in TLS 1.2 only ECDHE key exchange with an
 * AEAD cipher: a recorded session cannot be decrypted later with the server's key (forward
 * secrecy). An RSA certificate, so that the non-forward-secret RSA key exchange is possible at all
 * and its refusal means something.
 */

/** Small timeouts, for the handshake case; nothing else here comes near them. */
const timeouts = { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };
let tlsDir: string;
let cert: string;
let fixture: ServerFixture;
let port: number;

beforeAll(async () => {
  tlsDir = await mkdtemp(`${tmpdir()}/omendb-tls-`);
  const pems = await makeCertificate('127.0.0.1');
  cert = pems.cert;
  await writeFile(`${tlsDir}/cert.pem`, pems.cert);
  await writeFile(`${tlsDir}/key.pem`, pems.key, { mode: 0o600 });
  fixture = await createServerFixture({
    config: { tlsCert: `${tlsDir}/cert.pem`, tlsKey: `${tlsDir}/key.pem`, ...timeouts },
  });
  await fixture.app.listen({ host: '127.0.0.1', port: 0 });
  port = (fixture.app.server.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await fixture?.close();
  if (tlsDir !== undefined) await rm(tlsDir, { recursive: true, force: true });
});

type Handshake = { ok: true; cipher: string; protocol: string | null } | { ok: false; error: string };

/** One TLS handshake with certificate verification on; resolves with its outcome. */
function handshake(options: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: cert, ...options });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, error: 'timeout' });
    }, 10_000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const outcome: Handshake = {
        ok: true,
        cipher: socket.getCipher().name,
        protocol: socket.getProtocol(),
      };
      // A complete HTTP exchange over it, so that "accepted" means served.
      socket.write('GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      socket.once('end', () =>
        resolve(text.startsWith('HTTP/1.1 200') ? outcome : { ok: false, error: text }),
      );
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, error: error.code ?? error.message });
    });
  });
}

const tls12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;

describe('TLS 1.2 without forward secrecy is refused', () => {
  it.for(['AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA256', 'AES128-SHA'])(
    'a TLS 1.2 client offering only %s (RSA key exchange) is refused',
    async (cipher) => {
      const outcome = await handshake({ ...tls12, ciphers: cipher });
      expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
    },
  );

  it('a TLS 1.2 client offering only ECDHE with CBC (not AEAD) is refused', async () => {
    const outcome = await handshake({ ...tls12, ciphers: 'ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA' });
    expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
  });

  it('a TLS 1.1 client is refused', async () => {
    const outcome = await handshake({
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    expect(outcome.ok, JSON.stringify(outcome)).toBe(false);
  });
});

describe('forward-secret suites are accepted', () => {
  it.for(['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305'])(
    'a TLS 1.2 client offering only %s is served with it',
    async (cipher) => {
      const outcome = await handshake({ ...tls12, ciphers: cipher });
      expect(outcome).toEqual({ ok: true, cipher, protocol: 'TLSv1.2' });
    },
  );

  it('a default client negotiates TLS 1.3 and is served', async () => {
    const outcome = await handshake({});
    expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    expect(outcome.ok && outcome.protocol).toBe('TLSv1.3');
  });
});

describe('a TLS handshake that never finishes', () => {
  it('is cut after headersTimeoutMs (Node would wait 120 s), and the listener keeps serving', async () => {
    // A plain TCP connection that never sends its ClientHello: no HTTP parser runs yet, so
    // only the handshake timeout can close it.
    const silent = await openRaw(port);
    try {
      const closedAfter = await silent.closed(timeouts.headersTimeoutMs + 3_000);
      expect(closedAfter).toBeGreaterThanOrEqual(timeouts.headersTimeoutMs - 50);
      expect(closedAfter).toBeLessThan(timeouts.headersTimeoutMs + 1_000);
    } finally {
      silent.destroy();
    }
    expect((await handshake({})).ok).toBe(true);
  });
});
