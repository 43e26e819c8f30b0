import { X509Certificate } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import {
  createSecureContext,
  type SecureContextOptions,
  type Server as TlsServer,
  type TlsOptions,
} from 'node:tls';
import { isOmenDbError, OmenDbError } from '../errors.ts';
import type { ServerConfig } from './server-config.ts';
import { tlsServerOptions } from './tls-options.ts';

/**
 * Reloading the TLS certificate and key of a running server (SIGHUP), so that a renewed
 * certificate is served without a restart. New connections get the new certificate; open ones
 * keep the session they negotiated. A reload that fails changes nothing: the server keeps its
 * old certificate and keeps serving.
 */

/** What a log line says about a certificate: enough to tell which one is served, and until when. */
export interface TlsCertificateInfo {
  /** SHA-256 of the DER certificate, as `AB:CD:...` (what `openssl x509 -fingerprint -sha256` prints). */
  readonly fingerprint256: string;
  readonly subject: string;
  readonly validFrom: string;
  readonly validTo: string;
}

export type TlsListenerOptions = TlsOptions & SecureContextOptions;

/** The first certificate of a PEM (the leaf of a chain). Throws on bytes that are not a certificate. */
export function certificateInfo(cert: string | Buffer): TlsCertificateInfo {
  const x509 = new X509Certificate(cert);
  return {
    fingerprint256: x509.fingerprint256,
    subject: x509.subject,
    validFrom: x509.validFrom,
    validTo: x509.validTo,
  };
}

/**
 * Reads the certificate and key files named by the configuration and checks that they make a
 * usable secure context (valid PEM, the key matching the certificate) before anything uses them.
 * Throws OMENDB_ERR_CONFIG_TLS_RELOAD naming what is wrong.
 */
export function loadTlsListenerOptions(config: ServerConfig): {
  options: TlsListenerOptions;
  certificate: TlsCertificateInfo;
} {
  let options: TlsListenerOptions | null;
  try {
    options = tlsServerOptions(config);
  } catch (error) {
    if (!isOmenDbError(error)) throw error;
    throw reloadError(error.message, error);
  }
  if (options === null) throw reloadError('the server was started without --tls-cert and --tls-key');
  try {
    // The same call setSecureContext makes: it refuses bad PEM and a key that does not match.
    createSecureContext(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'invalid';
    throw reloadError(
      `certificate ${config.tlsCert} and key ${config.tlsKey} are not usable (${code})`,
      error,
    );
  }
  const cert = options.cert;
  if (cert === undefined || Array.isArray(cert)) throw reloadError('no certificate read');
  return { options, certificate: certificateInfo(cert as string | Buffer) };
}

/**
 * Re-reads the certificate and key and installs them for new connections. The whole option set
 * is passed again, not only cert and key: setSecureContext rebuilds the context from its
 * argument alone, so leaving out the ciphers and minimum version would fall back to Node's
 * defaults (RSA key exchange, CBC) on every connection after the reload. Validated first, so a
 * failure leaves the server exactly as it was.
 */
export function reloadTlsContext(server: TlsServer, config: ServerConfig): TlsCertificateInfo {
  const { options, certificate } = loadTlsListenerOptions(config);
  server.setSecureContext(options);
  return certificate;
}

/**
 * What SIGHUP does: reload the certificate when the server speaks TLS, and otherwise only say it
 * was ignored. Never throws: a signal handler that throws would kill the server, and a bad
 * certificate file must not. Returns whether a new certificate is now served.
 */
export function reloadTlsOnSignal(
  reload: (() => TlsCertificateInfo) | undefined,
  log: Pick<FastifyBaseLogger, 'info' | 'error'>,
): boolean {
  if (reload === undefined) {
    log.info({ signal: 'SIGHUP' }, 'SIGHUP ignored: the server does not use TLS (nothing to reload)');
    return false;
  }
  try {
    const certificate = reload();
    log.info({ signal: 'SIGHUP', certificate }, 'TLS certificate and key reloaded: new connections use them');
    return true;
  } catch (error) {
    log.error(
      {
        signal: 'SIGHUP',
        code: isOmenDbError(error) ? error.code : 'OMENDB_ERR_CONFIG_TLS_RELOAD',
        err: error,
      },
      'TLS reload failed: the previous certificate is still served',
    );
    return false;
  }
}

function reloadError(message: string, cause?: unknown): OmenDbError {
  return new OmenDbError(
    'OMENDB_ERR_CONFIG_TLS_RELOAD',
    `TLS reload: ${message}`,
    { option: 'tlsCert' },
    cause === undefined ? undefined : { cause },
  );
}
