import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorCode, isOmenDbError, OmenDbError } from '../errors.ts';

/** Fastify's own error codes, mapped onto the registry. */
const fastifyCodes: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'OMENDB_ERR_HTTP_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'OMENDB_ERR_HTTP_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  FST_ERR_BAD_URL: 'OMENDB_ERR_HTTP_BAD_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'OMENDB_ERR_HTTP_BAD_REQUEST',
};

/** Every failure as a registry error; anything unexpected becomes HTTP_INTERNAL. */
export function toOmenDbError(error: unknown): OmenDbError {
  if (isOmenDbError(error)) return error;
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation !== undefined)
    return new OmenDbError('OMENDB_ERR_HTTP_BAD_REQUEST', fastifyError.message ?? 'invalid request');
  const mapped = fastifyError.code === undefined ? undefined : fastifyCodes[fastifyError.code];
  if (mapped !== undefined) return new OmenDbError(mapped, fastifyError.message ?? mapped);
  // Fastify's JSON parser reports malformed bodies as a 400 SyntaxError.
  if (fastifyError.statusCode === 400 || error instanceof SyntaxError)
    return new OmenDbError('OMENDB_ERR_HTTP_BAD_REQUEST', 'malformed request body');
  return new OmenDbError('OMENDB_ERR_HTTP_INTERNAL', 'internal error');
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const mapped = toOmenDbError(error);
  if (mapped.code === 'OMENDB_ERR_HTTP_INTERNAL' || mapped.status >= 500)
    request.log.error({ err: error, code: mapped.code }, 'request failed');
  if (mapped.code === 'OMENDB_ERR_AUTH_RATE_LIMITED' || mapped.code === 'OMENDB_ERR_AUTH_BUSY')
    reply.header('retry-after', String(mapped.details?.retryAfterSeconds ?? 1));
  if (mapped.status === 401) reply.header('www-authenticate', 'Basic realm="omendb", Bearer realm="omendb"');
  // Refused while its body is still arriving (401/403/404/413/429 before the body is read):
  // close the connection rather than let Node drain a body nobody reads, trickled or huge.
  if (request.raw.complete === false) reply.header('connection', 'close');
  // Server-side failures are described in the log, not to the client: their messages may name
  // files; the request id ties the two together. Never a stack trace.
  const message = mapped.status >= 500 ? `${mapped.code} (request ${request.id})` : mapped.message;
  return reply
    .status(mapped.status)
    .type('application/json')
    .send({ error: { code: mapped.code, message } });
}
