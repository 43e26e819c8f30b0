import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { securityResponseBytesMax } from '../limits.ts';
import type { SecurityTarget } from './loopback.ts';

/**
 * One request on a fresh connection from a chosen source address, for the security scenario:
 * any method, any (even invalid) body, an answer that may come before the body is sent, a
 * bounded wait. A request that gets no answer is a finding (`answered: false`), never a throw.
 */

export interface ProbeRequest {
  readonly method: string;
  /** The path and query, sent as they are (no normalization). */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string | number>>;
  readonly body?: string | Uint8Array;
  /**
   * A body sent in chunks (transfer-encoding: chunked), each after the last was taken by the
   * socket; sending stops as soon as an answer arrives. The caller bounds it.
   */
  readonly chunks?: Iterable<Uint8Array>;
  /** The source address (sourceAddress()). */
  readonly source: string;
  readonly timeoutMs: number;
}

export type ProbeAnswer =
  | {
      readonly answered: true;
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: Buffer;
      readonly ms: number;
    }
  | {
      readonly answered: false;
      readonly reason: 'timeout' | 'connection';
      readonly message: string;
      readonly ms: number;
    };

export function probe(target: SecurityTarget, request: ProbeRequest): Promise<ProbeAnswer> {
  const started = performance.now();
  const https = target.url.protocol === 'https:';
  const headers: OutgoingHttpHeaders = { host: target.url.host, ...request.headers };
  if (request.chunks !== undefined) headers['transfer-encoding'] = 'chunked';
  const options = {
    host: target.connectHost,
    port: target.url.port === '' ? (https ? 443 : 80) : Number(target.url.port),
    method: request.method,
    path: request.path,
    headers,
    localAddress: request.source,
    agent: false as const,
    ...(https && target.ca !== undefined ? { ca: target.ca } : {}),
    ...(https && isIP(target.url.hostname) === 0 ? { servername: target.url.hostname } : {}),
  };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: ProbeAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A chunked body cut short by the answer is never ended: its connection goes with it.
      if (request.chunks !== undefined) req.destroy();
      resolve(answer);
    };
    const failed = (reason: 'timeout' | 'connection', message: string): void =>
      finish({ answered: false, reason, message, ms: performance.now() - started });
    const onResponse = (response: IncomingMessage): void => {
      const parts: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > securityResponseBytesMax) {
          req.destroy();
          failed('connection', `response over ${securityResponseBytesMax} bytes`);
        } else parts.push(chunk);
      });
      response.on('end', () =>
        finish({
          answered: true,
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(parts),
          ms: performance.now() - started,
        }),
      );
      response.on('error', (error) => failed('connection', error.message));
    };
    const req = (https ? httpsRequest : httpRequest)(options, onResponse);
    const timer = setTimeout(() => {
      failed('timeout', `no answer within ${request.timeoutMs} ms`);
      req.destroy();
    }, request.timeoutMs);
    let responded = false;
    req.on('response', () => {
      responded = true;
    });
    // A server may answer and close before the body is sent (401 on a large POST): the answer
    // counts, the write error after it does not.
    req.on('error', (error) => {
      if (!responded) failed('connection', error.message);
    });
    if (request.chunks === undefined) {
      req.end(request.body);
      return;
    }
    const chunks = request.chunks[Symbol.iterator]();
    const pump = (): void => {
      for (;;) {
        if (responded || settled || req.destroyed) return;
        const next = chunks.next();
        if (next.done === true) {
          req.end();
          return;
        }
        if (!req.write(next.value)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/** The registry code of an answer's JSON error body, if any. */
export function errorCodeOf(answer: ProbeAnswer): string | undefined {
  return (jsonOf(answer) as { error?: { code?: unknown } } | null | undefined)?.error?.code as
    | string
    | undefined;
}

/** The answer's body as JSON, or undefined. */
export function jsonOf(answer: ProbeAnswer): unknown {
  if (!answer.answered) return undefined;
  try {
    return JSON.parse(answer.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A short description for evidence: "200", "401 OMENDB_ERR_AUTH_INVALID", "no answer (timeout)". */
export function describeAnswer(answer: ProbeAnswer): string {
  if (!answer.answered) return `no answer (${answer.reason}: ${answer.message})`;
  const code = errorCodeOf(answer);
  return code === undefined ? String(answer.status) : `${answer.status} ${code}`;
}
