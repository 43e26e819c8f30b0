import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { type ErrorCode, errorRegistry } from '../errors.ts';

/** Node's client errors that are not a malformed request (400). */
const clientErrorCodes: Readonly<Record<string, ErrorCode>> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'OMENDB_ERR_HTTP_TIMEOUT',
  HPE_HEADER_OVERFLOW: 'OMENDB_ERR_HTTP_HEADERS_TOO_LARGE',
};

const messages: Readonly<Partial<Record<ErrorCode, string>>> = {
  OMENDB_ERR_HTTP_TIMEOUT: 'the request did not arrive in time',
  OMENDB_ERR_HTTP_HEADERS_TOO_LARGE: 'the request headers are too large',
  OMENDB_ERR_HTTP_BAD_REQUEST: 'the request is not valid HTTP',
};

/** The registry code of a client error: a timeout, oversized headers, or else a malformed request. */
export function clientErrorCode(error: NodeJS.ErrnoException): ErrorCode {
  return clientErrorCodes[error.code ?? ''] ?? 'OMENDB_ERR_HTTP_BAD_REQUEST';
}

/** A complete HTTP/1.1 error response in the registry's format, closing the connection. */
export function rawErrorResponse(code: ErrorCode): string {
  const status = errorRegistry[code].status;
  const body = JSON.stringify({ error: { code, message: messages[code] ?? code } });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    'content-type: application/json; charset=utf-8\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n` +
    'connection: close\r\n\r\n' +
    body
  );
}

/**
 * Fastify's clientErrorHandler: what Node's HTTP parser and timers reject outside any request
 * (unparsable requests, oversized headers, request and headers timeouts) is answered in the
 * registry's format, then the connection is destroyed. No answer when one is already under way
 * (a second status line would corrupt it) or the peer is gone.
 */
export function onClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code = clientErrorCode(error);
  this.log.debug({ code, cause: error.code }, 'client error');
  if (socket.writable && !answerStarted(socket)) socket.write(rawErrorResponse(code));
  socket.destroy();
}

/** Whether the connection's current response has sent its head (Node's own check, same field). */
function answerStarted(socket: Duplex): boolean {
  const response = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return response?.headersSent === true;
}
