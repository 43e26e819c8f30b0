import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { errorRegistry, OmenDbError } from '../errors.ts';
import { onClientError } from './client-errors.ts';
import { capConnections, connectionOptions } from './connection-limits.ts';
import { checkHostHeader } from './host-check.ts';
import { sendError } from './http-errors.ts';
import { errorResponse, seriesParams } from './http-schemas.ts';
import { roleAllows } from './roles.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { backupRoutes } from './routes/backup-routes.ts';
import { opsRoutes } from './routes/ops-routes.ts';
import { registerJsonBodyParser } from './json-body-parser.ts';
import { arrowStreamType, pointsRoutes } from './routes/points-routes.ts';
import { seriesRoutes } from './routes/series-routes.ts';
import type { ServerContext } from './server-context.ts';
import { tlsServerOptions } from './tls-options.ts';

/** With auth off (loopback only), every request acts as this identity. */
const anonymousAdmin = { name: 'anonymous', role: 'admin', via: 'basic' } as const;

export interface BuildServerOptions {
  /** Where request logs go (JSON lines); tests pass a stream to inspect them. */
  logStream?: NodeJS.WritableStream;
}

/**
 * The HTTP server over a context: routes, validation, the Host check, authentication and
 * authorization in one onRequest hook (before any body is read), one error handler that speaks
 * only registry codes, and metrics per request. Connections are bounded: timeouts, a cap, and
 * registry-format answers to what Node rejects outside any request. It does not listen;
 * start-server.ts does, and opens the engine.
 */
export function buildServer(context: ServerContext, options: BuildServerOptions = {}): FastifyInstance {
  const { config } = context;
  const tls = tlsServerOptions(config);
  const connection = connectionOptions(config);
  const app = Fastify({
    ...(tls === null ? { http: connection } : { https: { ...tls, ...connection } }),
    // Fastify sets these two on Node's server after creating it (0 and 72 s by default).
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    clientErrorHandler: onClientError,
    bodyLimit: config.bodyLimitBytes,
    logger: {
      level: config.logLevel,
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
      // Belt and braces: the default request serializer logs no headers, and if a header ever
      // is logged, these never are.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
    },
    // Strict validation: a string is not a number here, and unknown fields are errors, not dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // New requests during shutdown get the registry's 503 from the onRequest hook below.
    return503OnClosing: false,
    // find-my-way's default (100) would answer a valid 101..128-character series name with a 414
    // outside the registry; the schemas and the engine bound parameters instead.
    routerOptions: { maxParamLength: seriesParams.properties.series.maxLength },
    // Failures inside the router (a malformed percent-encoding, a parameter over that length)
    // would otherwise bypass the error handler: they speak registry codes too.
    frameworkErrors: (error, request, reply) => {
      sendError(request, reply, error);
    },
  } satisfies FastifyServerOptions);
  capConnections(app.server, config.connectionsMax, app.log);

  app.decorateRequest('identity', null);
  // Responses are serialized with JSON.stringify: keys are mixed numbers and strings, which
  // the schema-driven serializer handles slowly; the schemas still document and are tested.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    arrowStreamType,
    { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes },
    (_request, body, done) => done(null, body),
  );

  app.addHook('onRoute', (route) => collectOpenApi(context, route));
  // onRequest runs before fastify reads or parses any body: everything that can refuse a
  // request without its body does so here, cheapest first. A refusal sent while the body is
  // still arriving closes the connection (sendError), so the body is never drained either.
  app.addHook('onRequest', async (request, reply) => {
    checkHostHeader(config.auth === 'off', request.headers.host);
    if (request.raw.httpVersion === '1.1' && !request.headers.host)
      throw new OmenDbError('OMENDB_ERR_HTTP_BAD_REQUEST', 'an HTTP/1.1 request needs a Host header');
    if (context.state.phase === 'stopping') {
      // Requests already past this hook finish (the grace period); new ones are turned away.
      reply.header('connection', 'close');
      throw new OmenDbError('OMENDB_ERR_HTTP_NOT_READY', 'server is shutting down');
    }
    // Unknown routes are answered here, not by the not-found handler, which runs only after
    // the body has been parsed.
    if (request.is404) throw new OmenDbError('OMENDB_ERR_HTTP_NOT_FOUND', 'no such route');
    await authorize(context, request);
  });
  app.addHook('onResponse', async (request, reply) => {
    context.state.recordResponse(reply.statusCode);
    const route = request.routeOptions.url ?? 'unmatched';
    context.metrics.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  // A safety net: the onRequest hook above answers unknown routes before this could run.
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, new OmenDbError('OMENDB_ERR_HTTP_NOT_FOUND', 'no such route')),
  );

  registerJsonBodyParser(app);
  pointsRoutes(app, context);
  seriesRoutes(app, context);
  adminRoutes(app, context);
  backupRoutes(app, context);
  authRoutes(app, context);
  opsRoutes(app, context);
  return app;
}

/** Authentication and authorization of the route's access level; public routes need neither. */
async function authorize(context: ServerContext, request: FastifyRequest): Promise<void> {
  const access = request.routeOptions.config.access ?? 'public';
  if (access === 'public') return;
  if (context.config.auth === 'off') {
    request.identity = anonymousAdmin;
    return;
  }
  const identity = await context.authenticator.authenticate(request.headers.authorization, request.ip);
  if (identity === null) throw new OmenDbError('OMENDB_ERR_AUTH_REQUIRED', 'credentials required');
  if (!roleAllows(identity.role, access))
    throw new OmenDbError('OMENDB_ERR_AUTH_FORBIDDEN', `role ${identity.role} may not use this route`);
  request.identity = identity;
}

/**
 * The error statuses a route can answer, from what it takes and who may call it: 400 for input
 * it validates, 413 and 415 for a body, 401, 403 and 429 behind auth, 500 always. Each is
 * documented with the registry's codes of that status, so a client knows what to expect.
 */
function errorStatuses(schema: Record<string, unknown>, access: string | undefined): string[] {
  const statuses = new Set<number>([500]);
  if (schema.params !== undefined || schema.querystring !== undefined || schema.body !== undefined)
    statuses.add(400);
  if (schema.body !== undefined) for (const status of [413, 415]) statuses.add(status);
  if (access !== undefined && access !== 'public') for (const status of [401, 403, 429]) statuses.add(status);
  return [...statuses].sort((a, b) => a - b).map(String);
}

function errorDoc(status: string): unknown {
  const codes = Object.entries(errorRegistry)
    .filter(([, spec]) => String(spec.status) === status)
    .map(([code]) => code);
  return {
    description: `error: one of ${codes.join(', ')} (docs/errors.md)`,
    content: { 'application/json': { schema: errorResponse } },
  };
}

/** Builds the OpenAPI paths from each route's schemas as it registers. */
function collectOpenApi(
  context: ServerContext,
  route: { method: string | string[]; url: string; schema?: unknown; config?: unknown },
): void {
  const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
  const schema = (route.schema ?? {}) as Record<string, unknown>;
  const config = (route.config ?? {}) as { access?: string; summary?: string };
  const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
  const params = (schema.params as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  const query =
    (schema.querystring as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  const parameters = [
    ...Object.entries(params).map(([name, s]) => ({ name, in: 'path', required: true, schema: s })),
    ...Object.entries(query).map(([name, s]) => ({ name, in: 'query', required: false, schema: s })),
  ];
  const body = schema.body as { content?: Record<string, { schema: unknown }> } | undefined;
  const requestBody =
    body === undefined
      ? undefined
      : { required: true, content: body.content ?? { 'application/json': { schema: body } } };
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries((schema.response ?? {}) as Record<string, unknown>))
    responses[status] = { description: status, content: { 'application/json': { schema: response } } };
  for (const status of errorStatuses(schema, config.access)) responses[status] ??= errorDoc(status);
  responses.default = { description: 'error', content: { 'application/json': { schema: errorResponse } } };
  context.openApiPaths[path] ??= {};
  const entry = context.openApiPaths[path];
  for (const method of methods) {
    entry[method.toLowerCase()] = {
      summary: config.summary ?? '',
      'x-omendb-access': config.access ?? 'public',
      ...(config.access === undefined || config.access === 'public'
        ? { security: [] }
        : { security: [{ basic: [] }, { bearer: [] }] }),
      parameters,
      ...(requestBody === undefined ? {} : { requestBody }),
      responses,
    };
  }
}
