import type { FastifyInstance } from 'fastify';
import { OmenDbError } from '../errors.ts';
import { openEngine } from '../storage/engine.ts';
import type { Engine } from '../storage/engine.ts';
import { Authenticator } from './authenticator.ts';
import { type BuildServerOptions, buildServer } from './build-server.ts';
import { AuthRateLimiter } from './rate-limiter.ts';
import type { ServerContext } from './server-context.ts';
import { isLoopbackHost, type ServerConfig } from './server-config.ts';
import { ServerMetrics } from './server-metrics.ts';
import { ServerState } from './server-state.ts';
import { loadOrCreateJwtSecret, TokenService } from './tokens.ts';
import { UsersStore } from './users-store.ts';

export interface RunningServer {
  readonly app: FastifyInstance;
  /** e.g. http://127.0.0.1:8086: the port is the bound one (useful with port 0). */
  readonly url: string;
  readonly state: ServerState;
  readonly engine: Engine;
  /**
   * Graceful stop: /ready turns 503, the listener closes, in-flight requests get up to
   * shutdownGraceMs to finish (then connections are cut), and the engine flushes and closes.
   */
  close(): Promise<void>;
}

/**
 * Refuses to start without credentials: auth is on by default, and an empty users file is
 * filled only from OMENDB_ADMIN_PASSWORD (there is no default password). --auth off is allowed
 * on loopback only.
 */
export async function prepareUsers(config: ServerConfig, env: NodeJS.ProcessEnv): Promise<UsersStore> {
  if (config.auth === 'off' && !isLoopbackHost(config.host))
    throw new OmenDbError(
      'OMENDB_ERR_CONFIG_AUTH_OFF_NOT_LOOPBACK',
      `--auth off needs a loopback host, not ${config.host}`,
    );
  const users = await UsersStore.open(config.data);
  if (config.auth === 'on' && users.size === 0) {
    const password = env.OMENDB_ADMIN_PASSWORD;
    if (password === undefined || password === '')
      throw new OmenDbError(
        'OMENDB_ERR_CONFIG_NO_USERS',
        'no users: set OMENDB_ADMIN_PASSWORD or run `omendb users add`',
      );
    await users.add('admin', 'admin', password);
  }
  return users;
}

export async function createContext(config: ServerConfig, env: NodeJS.ProcessEnv): Promise<ServerContext> {
  const users = await prepareUsers(config, env);
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
  const context = await createContext(config, env);
  const app = buildServer(context, options);
  await app.listen({ host: config.host, port: config.port });
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
  return { app, url, state: context.state, engine, close };
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
