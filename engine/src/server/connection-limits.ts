import type { ServerOptions } from 'node:http';
import type { Server } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import {
  httpConnectionDropLogIntervalMs,
  httpHeaderBytesMax,
  httpTimeoutCheckIntervalMsMax,
  httpTimeoutCheckIntervalMsMin,
} from '../limits.ts';
import type { ServerConfig } from './server-config.ts';

/**
 * Options of Node's HTTP(S) server that bound what one connection may hold: the request and
 * headers timeouts (a trickling client is cut with 408), the keep-alive timeout, the header
 * size (431 past it). Fastify sets requestTimeout and keepAliveTimeout again from its own
 * options, so build-server.ts passes those there too.
 */
export function connectionOptions(config: ServerConfig): ServerOptions {
  return {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    connectionsCheckingInterval: timeoutCheckIntervalMs(config.headersTimeoutMs),
    maxHeaderSize: httpHeaderBytesMax,
    // Node answers an HTTP/1.1 request without Host with a bare 400 of its own; the onRequest
    // hook refuses it instead, in the registry's format (and with auth off, as a foreign host).
    requireHostHeader: false,
  };
}

/** How often Node checks the request and headers timers: a quarter of the shorter timeout, bounded. */
export function timeoutCheckIntervalMs(headersTimeoutMs: number): number {
  return Math.min(
    httpTimeoutCheckIntervalMsMax,
    Math.max(httpTimeoutCheckIntervalMsMin, Math.floor(headersTimeoutMs / 4)),
  );
}

/**
 * Caps open connections: past connectionsMax Node closes a new connection as soon as it is
 * accepted (no HTTP answer; the client sees the connection reset or closed), and the open ones
 * are served as before. The first drop, then at most one per interval, is logged as a warning.
 */
export function capConnections(
  server: Server,
  connectionsMax: number,
  log: FastifyBaseLogger,
  now: () => number = Date.now,
): void {
  server.maxConnections = connectionsMax;
  let loggedAt = Number.NEGATIVE_INFINITY;
  let dropped = 0;
  server.on('drop', () => {
    dropped++;
    if (now() - loggedAt < httpConnectionDropLogIntervalMs) return;
    loggedAt = now();
    log.warn({ connectionsMax, dropped }, 'connection cap reached: new connections are being closed');
    dropped = 0;
  });
}
