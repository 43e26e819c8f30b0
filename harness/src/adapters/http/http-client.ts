import {
  Agent as HttpAgent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request as httpRequest,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { OmenDbError } from '@omendb/engine';
import { httpIdleSocketMs, httpResponseBytesMax, httpSocketsMax } from '../../limits.ts';
import { protocolError } from './wire.ts';

/**
 * A small HTTP client over node:http(s): one keep-alive agent per adapter, a bounded wait per
 * request, and every transport failure (refused, reset, timed out, a killed or paused server)
 * turned into OMENDB_ERR_HARNESS_UNAVAILABLE: the outcome of the request is unknown.
 */

export interface HttpClientOptions {
  /** http://host:port or https://host:port (no path). */
  readonly url: string;
  /** PEM certificates to trust for https. */
  readonly ca?: string;
  readonly timeoutMs: number;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpCall {
  readonly method: HttpMethod;
  /** The path and query, starting with '/'. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Errors that mean the request never reached a live server, or its answer never came back. */
function unavailable(message: string, reason: string, cause?: unknown): OmenDbError {
  return new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', message, { reason }, { cause });
}

/** A kept-alive socket the server closed while idle: the request was never read, so a GET may be sent again. */
function isStaleSocketError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

export class HttpClient {
  private base: URL;
  private readonly ca: string | undefined;
  private readonly timeoutMs: number;
  private agent: HttpAgent;

  constructor(options: HttpClientOptions) {
    this.base = new URL(options.url);
    this.ca = options.ca;
    this.timeoutMs = options.timeoutMs;
    this.agent = this.makeAgent();
  }

  get url(): string {
    return this.base.origin;
  }

  /** Points the client at a new address (a restarted server may listen on another port). */
  setUrl(url: string): void {
    const next = new URL(url);
    if (next.origin === this.base.origin) return;
    this.agent.destroy();
    this.base = next;
    this.agent = this.makeAgent();
  }

  /** Drops every kept-alive socket (after a kill, they all point at a dead process). */
  resetConnections(): void {
    this.agent.destroy();
    this.agent = this.makeAgent();
  }

  close(): void {
    this.agent.destroy();
  }

  async send(call: HttpCall): Promise<HttpResponse> {
    try {
      return await this.sendOnce(call);
    } catch (error) {
      // Only idempotent reads are sent again, and only when a reused socket died before any answer.
      if (call.method === 'GET' && error instanceof StaleSocket) return this.sendOnce(call);
      throw error instanceof StaleSocket ? error.unavailable : error;
    }
  }

  private makeAgent(): HttpAgent {
    const options = { keepAlive: true, maxSockets: httpSocketsMax, timeout: httpIdleSocketMs };
    return this.base.protocol === 'https:'
      ? new HttpsAgent({ ...options, ...(this.ca === undefined ? {} : { ca: this.ca }) })
      : new HttpAgent(options);
  }

  private sendOnce(call: HttpCall): Promise<HttpResponse> {
    const body = call.body === undefined ? undefined : Buffer.from(call.body);
    const headers: Record<string, string | number> = { ...call.headers };
    if (body !== undefined) headers['content-length'] = body.length;
    const base = this.base;
    const request = base.protocol === 'https:' ? httpsRequest : httpRequest;
    // The path goes out as it is: a URL parser would resolve %2E%2E (a series named '..') away.
    const target = {
      hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: base.port,
      path: call.path,
      method: call.method,
      headers,
      agent: this.agent,
    };
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const settle = (error: unknown, response?: HttpResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) resolve(response!);
        else reject(error);
      };
      const req = request(target);
      const timer = setTimeout(() => {
        const error = unavailable(
          `${call.method} ${call.path} timed out after ${this.timeoutMs} ms`,
          'timeout',
        );
        settle(error);
        req.destroy(error);
      }, this.timeoutMs);
      let answered = false;
      req.on('error', (error) => {
        // After the answer began, the body's own events settle (a server that refuses a request
        // before reading its body closes the connection while the client may still be writing).
        if (answered) return;
        const failure = unavailable(
          `${call.method} ${call.path} failed: ${error.message}`,
          (error as NodeJS.ErrnoException).code ?? 'transport',
          error,
        );
        settle(req.reusedSocket && isStaleSocketError(error) ? new StaleSocket(failure) : failure);
      });
      req.on('response', (res: IncomingMessage) => {
        answered = true;
        readBody(res).then(
          (buffer) => settle(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: buffer }),
          (error: unknown) => {
            settle(error);
            req.destroy();
          },
        );
      });
      req.end(body);
    });
  }
}

/** A failure on a reused keep-alive socket before any answer (see send()). */
class StaleSocket extends Error {
  constructor(readonly unavailable: OmenDbError) {
    super(unavailable.message);
  }
}

function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > httpResponseBytesMax) {
        reject(protocolError(`response body over ${httpResponseBytesMax} bytes`));
        res.destroy();
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    // A server killed mid-answer: the body is cut short; what it answered is unknown.
    res.on('aborted', () => reject(unavailable('the response was cut short', 'aborted')));
    res.on('error', (error) =>
      reject(unavailable(`the response failed: ${error.message}`, 'response', error)),
    );
    res.on('close', () => {
      if (!res.complete) reject(unavailable('the response was cut short', 'aborted'));
    });
  });
}
