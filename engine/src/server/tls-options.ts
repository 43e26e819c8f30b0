import { readFileSync } from 'node:fs';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { OmenDbError } from '../errors.ts';
import type { ServerConfig } from './server-config.ts';

/**
 * The cipher suites the HTTPS listener offers. TLS 1.3 suites are all AEAD and forward secret.
 * For TLS 1.2, only ECDHE key exchange (forward secrecy: a recorded session cannot be decrypted
 * later with the server's key) with an AEAD cipher (no CBC, whose padding oracles keep coming
 * back). RSA key exchange, CBC and DHE (which needs parameters of its own) are not offered.
 */
export const tlsCiphers = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
export const tlsMinVersion = 'TLSv1.2';

/** The TLS part of the HTTPS server's options, or null when the server speaks plain HTTP. */
export function tlsServerOptions(config: ServerConfig): (TlsOptions & SecureContextOptions) | null {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return null;
  return {
    cert: readTlsFile(config.tlsCert, 'tlsCert'),
    key: readTlsFile(config.tlsKey, 'tlsKey'),
    minVersion: tlsMinVersion,
    ciphers: tlsCiphers,
    // The server's order (strongest first) decides, not a client's preference for a weaker suite.
    honorCipherOrder: true,
    // The headers timeout starts only once the handshake is done; without this a client that
    // never finishes its handshake holds the connection for Node's default 120 s.
    handshakeTimeout: config.headersTimeoutMs,
  };
}

function readTlsFile(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new OmenDbError('OMENDB_ERR_CONFIG_INVALID', `cannot read ${option} file ${path}`, { option });
  }
}
