import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { type ErrorCode, errorRegistry } from '../../src/errors.ts';
import { Authenticator } from '../../src/server/authenticator.ts';
import { type BuildServerOptions, buildServer } from '../../src/server/build-server.ts';
import { AuthRateLimiter } from '../../src/server/rate-limiter.ts';
import type { Role } from '../../src/server/roles.ts';
import { configDefaults, type ServerConfig } from '../../src/server/server-config.ts';
import type { ServerContext } from '../../src/server/server-context.ts';
import { createContext } from '../../src/server/start-server.ts';
import { loadOrCreateJwtSecret } from '../../src/server/tokens.ts';
import { UsersStore } from '../../src/server/users-store.ts';
import { type Engine, openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';

/** One user per role, named after it, each with a known password (>= passwordLengthMin characters). */
export const fixtureRoles = ['admin', 'writer', 'reader', 'monitor'] as const satisfies readonly Role[];
export const fixturePasswords: Readonly<Record<Role, string>> = {
  admin: 'admin-Pw-7c1f0e9a2b',
  writer: 'writer-Pw-5d3a8e6c4f',
  reader: 'reader-Pw-9b2e7d1a6c',
  monitor: 'monitor-Pw-3f8c5b0e7d',
};

export interface ServerFixtureOptions {
  /** Overrides of configDefaults (data and logLevel are set by the fixture unless given here). */
  config?: Partial<ServerConfig>;
  /** A clock for the auth rate limiter (epoch ms), to test windows without waiting. */
  rateLimiterNow?: () => number;
  /** Passed to buildServer: where request logs go. */
  logStream?: BuildServerOptions['logStream'];
}

export interface ServerFixture {
  readonly app: FastifyInstance;
  readonly context: ServerContext;
  readonly engine: Engine;
  readonly dir: string;
  readonly config: ServerConfig;
  /** The HS256 secret the server signs and verifies tokens with. */
  readonly jwtSecret: Uint8Array;
  /** `Basic base64(name:password)`; reuse the same string so the Authenticator's cache spares scrypt. */
  basic(name: string, password: string): string;
  /** The Basic header of the fixture user of a role (always the same string for a role). */
  basicFor(role: Role): string;
  /** A fresh token from POST /v1/auth/token with the role's Basic credentials. */
  tokenFor(role: Role): Promise<string>;
  /** A token for any user, through POST /v1/auth/token. */
  tokenWith(name: string, password: string): Promise<string>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export function basicHeader(name: string, password: string): string {
  return `Basic ${Buffer.from(`${name}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * A real server for `app.inject`: a temp data dir with one user per role in its users file, the
 * context from createContext, buildServer over it, and the engine opened on the same directory
 * and marked ready. close() closes app and engine and removes the directory.
 */
export async function createServerFixture(options: ServerFixtureOptions = {}): Promise<ServerFixture> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-server-`);
  let app: FastifyInstance | undefined;
  let engine: Engine | undefined;
  try {
    const config: ServerConfig = { ...configDefaults, logLevel: 'silent', ...options.config, data: dir };
    const store = await UsersStore.open(dir);
    for (const role of fixtureRoles) await store.add(role, role, fixturePasswords[role]);
    // No OMENDB_ADMIN_PASSWORD: the users file already holds users, so none is needed.
    const created = await createContext(config, {});
    const context: ServerContext =
      options.rateLimiterNow === undefined
        ? created
        : {
            ...created,
            authenticator: new Authenticator(
              created.users,
              created.tokens,
              new AuthRateLimiter(options.rateLimiterNow),
            ),
          };
    const jwtSecret = await loadOrCreateJwtSecret(dir, config.jwtSecret);
    const server = buildServer(
      context,
      options.logStream === undefined ? {} : { logStream: options.logStream },
    );
    app = server;
    const opened = await openEngine({
      dir,
      sync: config.sync,
      syncIntervalMs: config.syncIntervalMs,
      index: config.index,
      recovery: config.recovery,
      logger: silentLogger,
      observer: context.metrics.engineObserver,
    });
    engine = opened;
    context.state.markReady(opened);
    await server.ready();

    const basicHeaders = new Map<string, string>();
    const basic = (name: string, password: string): string => {
      const key = `${name}\0${password}`;
      let header = basicHeaders.get(key);
      if (header === undefined) {
        header = basicHeader(name, password);
        basicHeaders.set(key, header);
      }
      return header;
    };
    const tokenWith = async (name: string, password: string): Promise<string> => {
      const response = await server.inject({
        method: 'POST',
        url: '/v1/auth/token',
        headers: { authorization: basic(name, password) },
      });
      if (response.statusCode !== 200)
        throw new Error(`token for ${name}: ${response.statusCode} ${response.body}`);
      return (response.json() as { token: string }).token;
    };
    let closed = false;
    return {
      app: server,
      context,
      engine: opened,
      dir,
      config,
      jwtSecret,
      basic,
      basicFor: (role) => basic(role, fixturePasswords[role]),
      tokenFor: (role) => tokenWith(role, fixturePasswords[role]),
      tokenWith,
      inject: (injectOptions) => server.inject(injectOptions),
      async close() {
        if (closed) return;
        closed = true;
        try {
          await server.close();
          await opened.close();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await app?.close().catch(() => {});
    await engine?.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The registry code of an error response ({error: {code, message}}), or undefined. */
export function errorCode(response: LightMyRequestResponse): string | undefined {
  try {
    return (response.json() as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/**
 * Asserts an error response: the code's registry status, a JSON body of exactly
 * `{error: {code, message}}`, and nothing of the server's insides in it (no stack frame, no file
 * path of the server's own tree or of its data directory).
 */
export function expectRegistryError(
  response: LightMyRequestResponse,
  code: ErrorCode,
  fixture?: Pick<ServerFixture, 'dir'>,
): void {
  const context = `${response.statusCode} ${response.body.slice(0, 300)}`;
  expect(response.statusCode, context).toBe(errorRegistry[code].status);
  expect(response.headers['content-type'], context).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as { error: { code: string; message: string } };
  expect(Object.keys(body), context).toEqual(['error']);
  expect(Object.keys(body.error).sort(), context).toEqual(['code', 'message']);
  expect(body.error.code, context).toBe(code);
  expect(typeof body.error.message, context).toBe('string');
  expect(response.body, context).not.toContain('    at ');
  for (const inside of ['node_modules', 'file://', '.ts:', process.cwd(), tmpdir(), fixture?.dir])
    if (inside !== undefined) expect(response.body, context).not.toContain(inside);
}
