import { readFileSync } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { assert, OmenDbError } from '../errors.ts';
import { openEngine } from '../engine.ts';
import type { Engine } from '../engine.ts';
import { loadArrow } from '../query/arrow-module.ts';
import { Authenticator } from './authenticator.ts';
import { type BuildServerOptions, buildServer } from './build-server.ts';
import { newHashCost } from './passwords.ts';
import { AuthRateLimiter } from './rate-limiter.ts';
import type { ServerContext } from './server-context.ts';
import { isLoopbackHost, type ServerConfig } from './server-config.ts';
import { ServerMetrics } from './server-metrics.ts';
import { ServerState } from './server-state.ts';
import { certificateInfo, reloadTlsContext, type TlsCertificateInfo } from './tls-reload.ts';
import { loadOrCreateJwtSecret, TokenService } from './tokens.ts';
import { UsersStore } from './users-store.ts';

export interface RunningServer {
  readonly app: FastifyInstance;
  /** e.g. http://127.0.0.1:8086: the port is the bound one (useful with port 0). */
  readonly url: string;
  readonly state: ServerState;
  readonly engine: Engine;
  /**
   * Re-reads --tls-cert and --tls-key and serves them on new connections (open ones keep theirs);
   * what SIGHUP calls. Throws OMENDB_ERR_CONFIG_TLS_RELOAD when they are unusable, and the previous
   * certificate stays. Undefined when the server speaks plain HTTP.
   */
  readonly reloadTls: (() => TlsCertificateInfo) | undefined;
  /**
   * Graceful stop: /ready turns 503, the listener closes, in-flight requests get up to
   * shutdownGraceMs to finish (then connections are cut), and the engine flushes and closes.
   */
  close(): Promise<void>;
}

/** Where start-up warnings go before the server's logger exists. */
export type StartWarning = (message: string) => void;

const ignoreWarnings: StartWarning = () => undefined;

/**
 * Refuses to start without credentials: auth is on by default, and an empty users file is
 * filled only from OMENDB_ADMIN_PASSWORD (there is no default password). --auth off is allowed
 * on loopback only. OMENDB_ADMIN_PASSWORD set but not used is a warning: whoever set it may
 * believe it is the admin's password, and it is not.
 */
export async function prepareUsers(
  config: ServerConfig,
  env: NodeJS.ProcessEnv,
  warn: StartWarning = ignoreWarnings,
): Promise<UsersStore> {
  // A bad OMENDB_PASSWORD_HASH_COST fails the start, not the first login or user change.
  newHashCost(env);
  if (config.auth === 'off' && !isLoopbackHost(config.host))
    throw new OmenDbError(
      'OMENDB_ERR_CONFIG_AUTH_OFF_NOT_LOOPBACK',
      `--auth off needs a loopback host, not ${config.host}`,
    );
  const users = await UsersStore.open(config.data);
  const password = env.OMENDB_ADMIN_PASSWORD;
  const given = password !== undefined && password !== '';
  if (config.auth === 'on' && users.size === 0) {
    if (!given)
      throw new OmenDbError(
        'OMENDB_ERR_CONFIG_NO_USERS',
        'no users: set OMENDB_ADMIN_PASSWORD or run `omendb users add`',
      );
    await users.add('admin', 'admin', password);
  } else if (given) {
    warn(
      config.auth === 'off'
        ? 'OMENDB_ADMIN_PASSWORD is set but ignored: authentication is off'
        : 'OMENDB_ADMIN_PASSWORD is set but ignored: the users file already has users ' +
            '(change a password with `omendb users passwd NAME`)',
    );
  }
  return users;
}

export async function createContext(
  config: ServerConfig,
  env: NodeJS.ProcessEnv,
  warn: StartWarning = ignoreWarnings,
): Promise<ServerContext> {
  const users = await prepareUsers(config, env, warn);
  const tokens = new TokenService(
    await loadOrCreateJwtSecret(config.data, config.jwtSecret),
    config.tokenTtlSeconds,
  );
  const state = new ServerState();
  return {
    config,
    state,
    metrics: new ServerMetrics(() =>
      state.phase === 'ready' ? state.engineOrUndefined?.stats() : undefined,
    ),
    users,
    tokens,
    authenticator: new Authenticator(users, tokens, new AuthRateLimiter()),
    openApiPaths: {},
  };
}

/** Listens first (so probes get 503 rather than a refused connection), then recovers the engine. */
export async function startServer(
  config: ServerConfig,
  env: NodeJS.ProcessEnv,
  options: BuildServerOptions = {},
): Promise<RunningServer> {
  const warnings: string[] = [];
  const context = await createContext(config, env, (message) => warnings.push(message));
  const app = buildServer(context, options);
  for (const warning of warnings) app.log.warn(warning);
  await listen(app, config);
  const reloadTls = tlsReloader(app, config);
  let engine: Engine;
  try {
    engine = await openEngine({
      dir: config.data,
      sync: config.sync,
      syncIntervalMs: config.syncIntervalMs,
      index: config.index,
      recovery: config.recovery,
      logger: app.log,
      observer: context.metrics.engineObserver,
    });
  } catch (error) {
    await app.close();
    throw error;
  }
  context.state.markReady(engine);
  void preloadArrow(app.log);
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  const url = `${config.tlsCert === undefined ? 'http' : 'https'}://${host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      context.state.phase = 'stopping';
      await closeWithin(app, config.shutdownGraceMs);
      await engine.close();
    })();
    return closing;
  };
  return { app, url, state: context.state, engine, reloadTls, close };
}

/**
 * apache-arrow is not imported at start (see query/arrow-module.ts): load it in the background
 * once the server is ready, so that neither the first Arrow request nor the first in-thread flush
 * pays for it, and both use the build callers import. A failure only costs a log line: whatever
 * needs apache-arrow later loads it again and reports its own error.
 */
export function preloadArrow(
  log: Pick<FastifyInstance['log'], 'warn'>,
  load: () => Promise<unknown> = loadArrow,
): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(() => {
      load().then(
        () => resolve(),
        (error: unknown) => {
          log.warn({ err: error }, 'apache-arrow failed to load');
          resolve();
        },
      );
    });
  });
}

/** The reload of a TLS listener, after logging which certificate it serves from the start. */
function tlsReloader(app: FastifyInstance, config: ServerConfig): (() => TlsCertificateInfo) | undefined {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const server = app.server as unknown as TlsServer;
  assert(typeof server.setSecureContext === 'function', 'a TLS configuration must give a TLS listener');
  // The same fields as a reload logs, so that an operator can tell which certificate is served
  // (read again: fastify keeps no copy; the listener was built from these bytes a moment ago).
  app.log.info({ certificate: startCertificate(config.tlsCert) }, 'TLS certificate loaded');
  return () => reloadTlsContext(server, config);
}

function startCertificate(path: string): TlsCertificateInfo | string {
  try {
    return certificateInfo(readFileSync(path));
  } catch (error) {
    // Only a log line depends on it: the listener already serves what it read.
    return `unreadable now (${(error as NodeJS.ErrnoException).code ?? 'invalid'})`;
  }
}

/** `[::1]` is how a URL writes an IPv6 address; listen wants the bare address. */
function listenHost(host: string): string {
  return /^\[(.*)\]$/.exec(host)?.[1] ?? host;
}

/** Errors of listen that mean the host or port cannot be used: configuration, not a crash. */
const listenConfigErrors = new Set([
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EACCES',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAFNOSUPPORT',
]);

async function listen(app: FastifyInstance, config: ServerConfig): Promise<void> {
  try {
    await app.listen({ host: listenHost(config.host), port: config.port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !listenConfigErrors.has(code)) throw error;
    throw new OmenDbError(
      'OMENDB_ERR_CONFIG_INVALID',
      `cannot listen on ${config.host} port ${config.port} (${code})`,
      { option: code === 'EADDRINUSE' || code === 'EACCES' ? 'port' : 'host' },
      { cause: error },
    );
  }
}

async function closeWithin(app: FastifyInstance, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      // In-flight requests had their bounded wait; cut what is left so shutdown finishes.
      app.server.closeAllConnections();
      resolve();
    }, graceMs);
  });
  await Promise.race([app.close(), deadline]);
  clearTimeout(timer);
}
