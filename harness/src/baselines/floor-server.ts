import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { type ErrorCode, limits } from '@omendb/engine';
import { tableFromIPC } from 'apache-arrow';
import { arrowStreamType } from '../adapters/http/arrow-codec.ts';
import { floorServerBodyBytesMax } from '../limits.ts';

/**
 * The floor: a server that answers the OmenDB HTTP routes a soak uses and stores nothing. A write
 * is read whole and decoded (Arrow or JSON) only to count its points, as `written`; a point read
 * is always 404 OMENDB_ERR_HTTP_NOT_FOUND; a delete deletes nothing. It is plain node:http, no
 * framework, no auth, no disk: whatever latency a load generator measures against it is the
 * machine's and the load generator's own, the least any HTTP engine can show in the same run.
 * It is a baseline, not an engine: a scenario run against it fails its verification by design.
 * GET /metrics gives the figures the harness's resource probe reads from an engine (event-loop
 * delay p99 and max, sampled as OmenDB samples its own, RSS and heap), under prom-client's names.
 */

const pointsPath = /^\/v1\/series\/[^/]+\/points(?:\?.*)?$/;
const pointPath = /^\/v1\/series\/[^/]+\/points\/[^/?]+$/;
const seriesPath = /^\/v1\/series\/[^/?]+$/;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function fail(response: ServerResponse, status: number, code: ErrorCode, message: string): void {
  send(response, status, { error: { code, message } });
}

/** The body, or undefined once it passes floorServerBodyBytesMax (the request is answered 413). */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > floorServerBodyBytesMax) {
        request.removeAllListeners('data');
        request.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks, bytes)));
    request.on('error', reject);
  });
}

/** The number of points in a write body, or undefined when it is neither Arrow nor `{points: [...]}`. */
function pointsInBody(contentType: string | undefined, body: Buffer): number | undefined {
  try {
    if (contentType?.startsWith(arrowStreamType)) return tableFromIPC(body).numRows;
    const parsed = JSON.parse(body.toString('utf8')) as { points?: unknown };
    return Array.isArray(parsed.points) ? parsed.points.length : undefined;
  } catch {
    return undefined;
  }
}

async function write(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  if (body === undefined)
    return fail(response, 413, 'OMENDB_ERR_HTTP_BODY_TOO_LARGE', `over ${floorServerBodyBytesMax} bytes`);
  const written = pointsInBody(request.headers['content-type'], body);
  if (written === undefined) return fail(response, 400, 'OMENDB_ERR_HTTP_BAD_REQUEST', 'not a write body');
  send(response, 200, { written });
}

/** Prometheus text, like prom-client's: the event-loop histogram starts over at each scrape. */
function metrics(response: ServerResponse, loopDelay: IntervalHistogram): void {
  const lines = [
    `nodejs_eventloop_lag_p99_seconds ${loopDelay.percentile(99) / 1e9}`,
    `nodejs_eventloop_lag_max_seconds ${loopDelay.max / 1e9}`,
    `process_resident_memory_bytes ${process.memoryUsage.rss()}`,
    `nodejs_heap_size_used_bytes ${process.memoryUsage().heapUsed}`,
  ];
  loopDelay.reset();
  const text = `${lines.join('\n')}\n`;
  response.writeHead(200, {
    'content-type': 'text/plain; version=0.0.4',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  loopDelay: IntervalHistogram,
): Promise<void> {
  const { method = 'GET', url = '/' } = request;
  if (method === 'POST' && pointsPath.test(url)) return write(request, response);
  // Every other request's body (there is none in a soak) is drained, not read.
  request.resume();
  if (method === 'GET' && pointPath.test(url))
    return fail(response, 404, 'OMENDB_ERR_HTTP_NOT_FOUND', 'the floor server stores nothing');
  if (method === 'DELETE' && pointsPath.test(url)) return send(response, 200, { deleted: 0 });
  if (method === 'DELETE' && seriesPath.test(url)) return send(response, 200, { dropped: true });
  if (method === 'GET' && url === '/v1/series') return send(response, 200, { series: [] });
  if (method === 'GET' && (url === '/ready' || url === '/health'))
    return send(response, 200, { status: 'ok' });
  if (method === 'POST' && url === '/v1/admin/checkpoint') return send(response, 200, {});
  if (method === 'GET' && url === '/metrics') return metrics(response, loopDelay);
  fail(response, 404, 'OMENDB_ERR_HTTP_NOT_FOUND', `the floor server has no route ${method} ${url}`);
}

export function createFloorServer(): Server {
  const loopDelay = monitorEventLoopDelay({ resolution: limits.eventLoopMonitoringPrecisionMs });
  loopDelay.enable();
  const server = createServer((request, response) => {
    route(request, response, loopDelay).catch((error: unknown) => {
      if (!response.headersSent) fail(response, 500, 'OMENDB_ERR_HTTP_INTERNAL', String(error));
      else response.destroy();
    });
  });
  server.on('close', () => loopDelay.disable());
  return server;
}
