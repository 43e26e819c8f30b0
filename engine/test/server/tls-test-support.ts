import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';

/**
 * Certificates and TLS clients for the certificate-reload tests (in process and through a
 * spawned `omendb serve`). Every wait is bounded.
 */

export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
  readonly fingerprint256: string;
}

/** A self-signed RSA server certificate for 127.0.0.1 (RSA, so that RSA key exchange is possible to refuse). */
export async function makeCertificate(commonName: string): Promise<TestCertificate> {
  const pems = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  return {
    cert: pems.cert,
    key: pems.private,
    fingerprint256: new X509Certificate(pems.cert).fingerprint256,
  };
}

/** Three distinct certificates (the one served first, its replacement, a third for a bad pair) and their CAs. */
export async function reloadCertificates(): Promise<{
  first: TestCertificate;
  second: TestCertificate;
  third: TestCertificate;
  cas: string[];
}> {
  const [first, second, third] = await Promise.all([
    makeCertificate('first'),
    makeCertificate('second'),
    makeCertificate('third'),
  ]);
  return { first, second, third, cas: [first.cert, second.cert, third.cert] };
}

/** Writes the certificate and key where the server reads them (the key 0600, as an operator would). */
export async function installCertificate(
  certPath: string,
  keyPath: string,
  pair: TestCertificate,
): Promise<void> {
  await writeFile(certPath, pair.cert);
  await writeFile(keyPath, pair.key, { mode: 0o600 });
}

const waitMs = 10_000;

/**
 * One TLS connection kept open, for HTTP/1.1 keep-alive requests one after another. The
 * certificate is verified against `ca` (every certificate the test may serve).
 */
export class KeepAliveTlsClient {
  private constructor(private readonly socket: TLSSocket) {}

  static open(
    port: number,
    ca: readonly string[],
    options: ConnectionOptions = {},
  ): Promise<KeepAliveTlsClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: [...ca], ...options });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('TLS handshake timed out'));
      }, waitMs);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', () => undefined);
        resolve(new KeepAliveTlsClient(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** SHA-256 fingerprint of the certificate this connection's handshake presented. */
  get peerFingerprint(): string {
    const peer = this.socket.getPeerX509Certificate();
    if (peer === undefined) throw new Error('no peer certificate');
    return peer.fingerprint256;
  }

  get open(): boolean {
    return !this.socket.destroyed;
  }

  /** GET `path` on this connection; resolves with the status once the whole response arrived. */
  get(path: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      let text = '';
      const done = (outcome: () => void) => {
        clearTimeout(timer);
        this.socket.off('data', onData);
        this.socket.off('close', onClose);
        outcome();
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no response to ${path}`))), waitMs);
      const onData = (chunk: Buffer) => {
        text += chunk.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
        if (text.length < end + 4 + length) return;
        done(() => resolve(Number(text.slice(9, 12))));
      };
      const onClose = () => done(() => reject(new Error(`connection closed before the response to ${path}`)));
      this.socket.on('data', onData);
      this.socket.once('close', onClose);
      const lines = Object.entries({ host: '127.0.0.1', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
      this.socket.write(`GET ${path} HTTP/1.1\r\n${lines.join('')}\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The fingerprint a new connection is served, after a request over it succeeds. */
export async function servedFingerprint(port: number, ca: readonly string[]): Promise<string> {
  const client = await KeepAliveTlsClient.open(port, ca);
  try {
    const status = await client.get('/ready');
    if (status !== 200) throw new Error(`/ready answered ${status}`);
    return client.peerFingerprint;
  } finally {
    client.close();
  }
}
