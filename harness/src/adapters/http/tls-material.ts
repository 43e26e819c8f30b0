import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';

/**
 * A self-signed certificate made at run time for a spawned HTTPS server: valid for the loopback
 * names only, trusted by the adapter through `ca` (never by turning verification off).
 */

export interface TlsMaterial {
  readonly certPath: string;
  readonly keyPath: string;
  /** The certificate (PEM): what a client passes as `ca`. */
  readonly ca: string;
}

export async function makeTlsMaterial(dir: string): Promise<TlsMaterial> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  await writeFile(certPath, pems.cert, { mode: 0o600 });
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  return { certPath, keyPath, ca: pems.cert };
}
