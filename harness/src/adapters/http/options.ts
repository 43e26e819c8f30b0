import { OmenDbError } from '@omendb/engine';
import { httpRequestTimeoutMsDefault } from '../../limits.ts';
import { type Credentials, credentialsFromEnv } from './auth-session.ts';
import { checkSpawnOptions, type SpawnedServer, type SpawnOptions } from './spawned-server.ts';

/**
 * How the http adapter reaches OmenDB. Exactly one of:
 * - `url`: a server that is already running (http://host:port or https://host:port). Credentials
 *   come from the environment only (OMENDB_HARNESS_USER and OMENDB_HARNESS_PASSWORD, or
 *   OMENDB_HARNESS_TOKEN); an https server's CA from `caFile` or OMENDB_HARNESS_CA.
 * - `server`: a spawned server shared between adapters; open() empties it (drops every series).
 * - neither: the adapter spawns its own server (`spawn` configures it) and removes it on close().
 */
export interface HttpAdapterOptions {
  readonly url?: string;
  /** A PEM file of the CA to trust for an https `url` (else OMENDB_HARNESS_CA). */
  readonly caFile?: string;
  readonly spawn?: SpawnOptions;
  readonly server?: SpawnedServer;
  /** Bulk writes and range reads travel as Arrow IPC streams. */
  readonly arrow?: boolean;
  /** How long a request may take before its outcome is declared unknown. */
  readonly requestTimeoutMs?: number;
  /** Where credentials are read from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export type HttpTarget =
  | {
      readonly kind: 'url';
      readonly url: string;
      readonly caFile: string | undefined;
      readonly credentials: Credentials;
    }
  | { readonly kind: 'spawn'; readonly spawn: SpawnOptions }
  | { readonly kind: 'shared'; readonly server: SpawnedServer };

export interface ResolvedHttpOptions {
  readonly target: HttpTarget;
  readonly arrow: boolean;
  readonly requestTimeoutMs: number;
}

function usage(message: string): never {
  throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', message);
}

/** An http(s) origin: a scheme, a host and a port, nothing else (a trailing slash is tolerated). */
export function parseServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return usage(`not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage(`the URL must be http or https: ${text}`);
  if (url.username !== '' || url.password !== '')
    usage('credentials go in OMENDB_HARNESS_USER and OMENDB_HARNESS_PASSWORD, never in the URL');
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '')
    usage(`the URL must be an origin without a path or query: ${text}`);
  return url.origin;
}

export function resolveHttpOptions(options: HttpAdapterOptions): ResolvedHttpOptions {
  const requestTimeoutMs = options.requestTimeoutMs ?? httpRequestTimeoutMsDefault;
  if (!Number.isSafeInteger(requestTimeoutMs) || requestTimeoutMs < 1)
    usage('requestTimeoutMs must be a positive integer');
  const given = [options.url, options.server].filter((value) => value !== undefined).length;
  if (given > 1) usage('give either url or server, not both');
  if (options.spawn !== undefined && given > 0)
    usage('spawn options apply only when the adapter spawns its server');
  if (options.caFile !== undefined && options.url === undefined) usage('caFile applies only to a url');
  const env = options.env ?? process.env;
  let target: HttpTarget;
  if (options.url !== undefined) {
    const caFile = options.caFile ?? (env.OMENDB_HARNESS_CA === '' ? undefined : env.OMENDB_HARNESS_CA);
    target = { kind: 'url', url: parseServerUrl(options.url), caFile, credentials: credentialsFromEnv(env) };
  } else if (options.server !== undefined) {
    target = { kind: 'shared', server: options.server };
  } else {
    const spawn = options.spawn ?? {};
    checkSpawnOptions(spawn);
    target = { kind: 'spawn', spawn };
  }
  return { target, arrow: options.arrow === true, requestTimeoutMs };
}
