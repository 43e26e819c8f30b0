import type { Authenticator, Identity } from './authenticator.ts';
import type { Access } from './roles.ts';
import type { ServerConfig } from './server-config.ts';
import type { ServerMetrics } from './server-metrics.ts';
import type { ServerState } from './server-state.ts';
import type { TokenService } from './tokens.ts';
import type { UsersStore } from './users-store.ts';

/** What every route module is handed: one object, so route files stay one concern each. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly state: ServerState;
  readonly metrics: ServerMetrics;
  readonly users: UsersStore;
  readonly tokens: TokenService;
  readonly authenticator: Authenticator;
  /** The OpenAPI document, filled as routes register. */
  readonly openApiPaths: Record<string, Record<string, unknown>>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; routes without it (404s) are public. */
    access?: Access;
    /** One line for the OpenAPI document. */
    summary?: string;
    /** A JSON body of points is scanned straight into columns (json-body-parser.ts). */
    scanPoints?: boolean;
  }
  interface FastifyRequest {
    identity: Identity | null;
  }
}
