import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * A raw HTTP/1.1 client over one TCP (or TLS) connection, for what fetch cannot do: send headers
 * and no body, trickle body bytes, send malformed or oversized heads, and see exactly when the
 * server closes the connection. Shared by the engine's server tests and the harness's security
 * scenario (slow bodies, idle connections). Loopback only; every wait is bounded.
 */

export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface RawConnection {
  readonly socket: Socket;
  /** When the connection was opened (Date.now()). */
  readonly openedAt: number;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Writes text; a write after the server closed is ignored (the close is what tests look at). */
  write(text: string | Buffer): void;
  /** Resolves with ms since open once the connection is closed, by either side; rejects after timeoutMs. */
  closed(timeoutMs: number): Promise<number>;
  /** Whether the connection is closed. */
  isClosed(): boolean;
  /** The first complete response (head and content-length body); rejects after timeoutMs. */
  response(timeoutMs: number): Promise<RawResponse>;
  /** Writes `byte` every intervalMs until the connection closes or stop() is called. */
  trickle(intervalMs: number, byte?: string): { stop(): void };
  destroy(): void;
}

export interface OpenRawOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The source address (another loopback address, 127.0.0.x, to look like another client). */
  readonly localAddress?: string;
  readonly tls?: { readonly ca: string | Buffer };
  /** Default 10 s. */
  readonly timeoutMs?: number;
}

/** Opens a connection to 127.0.0.1 (or `host`) and resolves once it is connected. */
export function openRaw(port: number, options: OpenRawOptions = {}): Promise<RawConnection> {
  const host = options.host ?? '127.0.0.1';
  const local = options.localAddress === undefined ? {} : { localAddress: options.localAddress };
  const socket =
    options.tls === undefined
      ? connect({ host, port, ...local })
      : tlsConnect({ host, port, ...local, ca: options.tls.ca, servername: 'localhost' });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${host}:${port} timed out`));
    }, options.timeoutMs ?? 10_000);
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
    socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(wrap(socket));
    });
  });
}

function wrap(socket: Socket): RawConnection {
  const openedAt = Date.now();
  let data = '';
  let closedAfter: number | undefined;
  const closeWaiters: ((ms: number) => void)[] = [];
  const dataWaiters = new Set<() => void>();
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    for (const waiter of dataWaiters) waiter();
  });
  // A reset or a write after the server's close is an expected way for a connection to end here.
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closedAfter = Date.now() - openedAt;
    for (const waiter of closeWaiters) waiter(closedAfter);
    for (const waiter of dataWaiters) waiter();
  });

  const connection: RawConnection = {
    socket,
    openedAt,
    received: () => data,
    write(text) {
      if (!socket.destroyed && socket.writable) socket.write(text);
    },
    isClosed: () => closedAfter !== undefined,
    closed(timeoutMs) {
      if (closedAfter !== undefined) return Promise.resolve(closedAfter);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`connection still open after ${timeoutMs} ms`)),
          timeoutMs,
        );
        closeWaiters.push((ms) => {
          clearTimeout(timer);
          resolve(ms);
        });
      });
    },
    response(timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const parsed = parseResponse(data);
          if (parsed !== undefined) {
            done();
            resolve(parsed);
          } else if (closedAfter !== undefined) {
            done();
            reject(new Error(`connection closed without a complete response: ${JSON.stringify(data)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no complete response within ${timeoutMs} ms: ${JSON.stringify(data)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          dataWaiters.delete(check);
        };
        dataWaiters.add(check);
        check();
      });
    },
    trickle(intervalMs, byte = '1') {
      const timer = setInterval(() => {
        if (closedAfter !== undefined) clearInterval(timer);
        else connection.write(byte);
      }, intervalMs);
      socket.once('close', () => clearInterval(timer));
      return { stop: () => clearInterval(timer) };
    },
    destroy: () => socket.destroy(),
  };
  return connection;
}

/** The first response in `text`, once its head and its content-length body are complete. */
export function parseResponse(text: string): RawResponse | undefined {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? Number.NaN);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = text.slice(headEnd + 4);
  if (body.length < length) return undefined;
  return { status, headers, body: body.slice(0, length) };
}

/** A request head (no body), with the given headers after Host. */
export function requestHead(
  method: string,
  path: string,
  headers: Record<string, string | number>,
  host: string | null = '127.0.0.1',
): string {
  const lines = [`${method} ${path} HTTP/1.1`];
  if (host !== null) lines.push(`Host: ${host}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The registry code of a raw response's JSON body, or undefined. */
export function rawErrorCode(response: RawResponse): string | undefined {
  try {
    return (JSON.parse(response.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
