import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import {
  basic,
  cleanEnv,
  fetchWithin,
  pollUntil,
  type ServeProcess,
  startServe,
} from '../cli/cli-process.ts';
import {
  openRaw,
  parseResponse,
  type RawConnection,
  rawErrorCode,
  requestHead,
} from '../../src/testing/raw-http.ts';

/**
 * Slow clients against the real server (`omendb serve` in a child process, 127.0.0.1 only), with
 * small timeouts so that the test is quick. A client that sends the head of a POST announcing a
 * large body and then trickles a byte now and then must not hold its connection: an unauthenticated
 * one is refused and closed at once, an authenticated one is cut with 408 after the request
 * timeout. Meanwhile a fresh, valid request is answered promptly. Past the connection cap, new
 * connections are closed while the open ones are served.
 *
 * The options are given as OMENDB_* environment variables (one of the three sources).
 */

const adminPassword = 'slow-clients-admin-pw';
const admin = basic('admin', adminPassword);
/**
 * Long enough that all the slow connections are open at once for a while (opening 2,500 takes
 * 2 to 4 s on two shared cores), short enough that the test is quick.
 */
const requestTimeoutMs = 6_000;
const headersTimeoutMs = 3_000;
/** Node's timer check runs every headersTimeoutMs / 4 (750 ms); plus scheduling on two shared cores. */
const closeMarginMs = 2_000;
const authenticatedSlow = 2_000;
const anonymousSlow = 500;
/** Connections opened at once while building the flood (each one is an fd here and in the server). */
const openBatch = 500;
/** A valid request on a fresh connection must be answered within this during the flood. */
const probeLatencyMaxMs = 100;
const probeIntervalMs = 100;
/** Announced body: under the default body limit, so the server starts reading it. */
const announcedBytes = 1_000_000;

const dirs: string[] = [];
const servers: ServeProcess[] = [];
const connections: RawConnection[] = [];

afterAll(async () => {
  for (const connection of connections) connection.destroy();
  for (const server of servers) await server.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function serve(env: Record<string, string>): Promise<{ server: ServeProcess; port: number }> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-slow-`);
  dirs.push(dir);
  const server = await startServe(
    ['--data', dir, '--port', '0'],
    cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword, OMENDB_LOG_LEVEL: 'warn', ...env }),
  );
  servers.push(server);
  return { server, port: Number(new URL(server.url).port) };
}

/** Opens one slow POST: its head, the start of its body, then a byte every second or so. */
async function slowPost(port: number, authorization: string | undefined, n: number): Promise<RawConnection> {
  const connection = await openRaw(port);
  connections.push(connection);
  connection.write(
    requestHead('POST', `/v1/series/slow-${n}/points`, {
      'content-type': 'application/json',
      'content-length': announcedBytes,
      ...(authorization === undefined ? {} : { authorization }),
    }),
  );
  connection.write('{"points": [');
  connection.trickle(900 + (n % 200), '[');
  return connection;
}

/** Opens `count` slow POSTs, `openBatch` at a time. */
async function slowPosts(
  port: number,
  count: number,
  authorization: string | undefined,
): Promise<RawConnection[]> {
  const opened: RawConnection[] = [];
  for (let start = 0; start < count; start += openBatch) {
    const batch = Array.from({ length: Math.min(openBatch, count - start) }, (_, i) =>
      slowPost(port, authorization, start + i),
    );
    opened.push(...(await Promise.all(batch)));
  }
  return opened;
}

/** A valid, authenticated read on a fresh connection; resolves with its latency in ms. */
async function probe(port: number): Promise<number> {
  const started = performance.now();
  const connection = await openRaw(port);
  try {
    connection.write(requestHead('GET', '/v1/series', { authorization: admin, connection: 'close' }));
    const response = await connection.response(5_000);
    expect(response.status, response.body).toBe(200);
    return performance.now() - started;
  } finally {
    connection.destroy();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('slow request bodies', () => {
  it(`${authenticatedSlow} authenticated and ${anonymousSlow} unauthenticated trickling bodies: fresh requests answered in under ${probeLatencyMaxMs} ms, every slow connection closed`, async () => {
    const { server, port } = await serve({
      OMENDB_REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
      OMENDB_HEADERS_TIMEOUT_MS: String(headersTimeoutMs),
    });
    // A token for the slow writers (cheap to verify); the probes' Basic header is verified once
    // here, and cached by the server after that.
    const tokenResponse = await fetchWithin(`http://127.0.0.1:${port}/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: admin },
    });
    expect(tokenResponse.status).toBe(200);
    const { token } = (await tokenResponse.json()) as { token: string };
    await probe(port);

    const floodStarted = Date.now();
    const anonymous = await slowPosts(port, anonymousSlow, undefined);
    const authenticated = await slowPosts(port, authenticatedSlow, `Bearer ${token}`);
    const openedIn = Date.now() - floodStarted;

    // Probe while every authenticated slow connection is still open (the first one opened times
    // out requestTimeoutMs after it was opened).
    const latencies: number[] = [];
    const openDuringProbes: number[] = [];
    const probeUntil = authenticated[0]!.openedAt + requestTimeoutMs - 2 * probeIntervalMs;
    while (Date.now() < probeUntil) {
      openDuringProbes.push(authenticated.filter((c) => !c.isClosed()).length);
      latencies.push(await probe(port));
      await new Promise((resolve) => setTimeout(resolve, probeIntervalMs));
    }

    const all = [...anonymous, ...authenticated];
    const lastOpened = Math.max(...all.map((c) => c.openedAt));
    const closedAfter = await Promise.all(
      all.map((c) => c.closed(lastOpened - c.openedAt + requestTimeoutMs + 10_000)),
    );
    const allClosedAt = Math.max(...all.map((c, i) => c.openedAt + closedAfter[i]!));
    const anonymousClosed = closedAfter.slice(0, anonymousSlow);
    const authenticatedClosed = closedAfter.slice(anonymousSlow);
    const answers = all.map((c) => parseResponse(c.received()));
    const codes = (from: number, to: number) =>
      new Set(answers.slice(from, to).map((a) => (a === undefined ? 'no answer' : rawErrorCode(a))));

    const figures = {
      openedIn,
      probes: latencies.length,
      probeMedianMs: Number(median(latencies).toFixed(1)),
      probeMaxMs: Number(Math.max(...latencies).toFixed(1)),
      authenticatedOpenDuringProbes: [Math.min(...openDuringProbes), Math.max(...openDuringProbes)],
      anonymousClosedAfterMaxMs: Math.max(...anonymousClosed),
      authenticatedClosedAfterMs: [Math.min(...authenticatedClosed), Math.max(...authenticatedClosed)],
      allClosedMsAfterLastOpened: allClosedAt - lastOpened,
      allClosedMsAfterFloodStart: allClosedAt - floodStarted,
      closed: closedAfter.length,
    };
    console.info(`slow-clients figures: ${JSON.stringify(figures)}`);

    expect(latencies.length).toBeGreaterThanOrEqual(5);
    expect(Math.min(...openDuringProbes)).toBe(authenticatedSlow);
    expect(Math.max(...latencies)).toBeLessThan(probeLatencyMaxMs);
    expect(closedAfter).toHaveLength(anonymousSlow + authenticatedSlow);
    // Unauthenticated: refused with 401 before the body, and closed at once.
    expect(codes(0, anonymousSlow)).toEqual(new Set(['OMENDB_ERR_AUTH_REQUIRED']));
    expect(Math.max(...anonymousClosed)).toBeLessThan(closeMarginMs);
    // Authenticated: cut with 408 after the request timeout, never before it.
    expect(codes(anonymousSlow, all.length)).toEqual(new Set(['OMENDB_ERR_HTTP_TIMEOUT']));
    expect(Math.min(...authenticatedClosed)).toBeGreaterThanOrEqual(requestTimeoutMs - 100);
    expect(Math.max(...authenticatedClosed)).toBeLessThan(requestTimeoutMs + closeMarginMs);
    // Slow clients are the clients' problem: nothing of it is logged as a server error.
    expect(server.logs().filter((line) => Number(line.level) >= 50)).toEqual([]);
  }, 60_000);
});

describe('the connection cap', () => {
  it('past --connections-max a new connection is closed without an answer, while open connections keep being served', async () => {
    const cap = 50;
    const { server, port } = await serve({
      OMENDB_CONNECTIONS_MAX: String(cap),
      // Long enough that nothing here times out on its own.
      OMENDB_REQUEST_TIMEOUT_MS: '20000',
      OMENDB_HEADERS_TIMEOUT_MS: '20000',
      OMENDB_KEEP_ALIVE_TIMEOUT_MS: '20000',
    });
    const url = `http://127.0.0.1:${port}`;

    // A client that connected before the cap was reached: one keep-alive connection.
    const kept = await openRaw(port);
    connections.push(kept);
    kept.write(requestHead('GET', '/ready', {}));
    expect((await kept.response(5_000)).status).toBe(200);

    // Fill the cap with slow clients (heads that never finish).
    const slow: RawConnection[] = [];
    for (let i = 0; i < cap - 1; i++) {
      const connection = await openRaw(port);
      connections.push(connection);
      connection.write('GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      slow.push(connection);
    }

    // A new client: the kernel completes the TCP handshake, the server closes it at once.
    const refused = await openRaw(port);
    connections.push(refused);
    refused.write(requestHead('GET', '/ready', {}));
    await refused.closed(3_000);
    expect(refused.received()).toBe('');
    // What fetch shows a legitimate client: no HTTP status, a network error ("fetch failed",
    // ECONNRESET or "other side closed"), or, when the close races its first write, a wait until
    // its own timeout (seen with Node 20's fetch).
    await expect(fetchWithin(`${url}/ready`, {}, 3_000)).rejects.toThrow();

    // The connection opened before the cap is still served.
    const before = kept.received().length;
    kept.write(requestHead('GET', '/v1/series', { authorization: admin }));
    expect((await waitForSecond(kept, before))?.status).toBe(200);

    // Once slow clients go away, new connections are served again.
    for (const connection of slow.slice(0, 10)) connection.destroy();
    expect(
      await pollUntil(
        async () =>
          (await fetchWithin(`${url}/ready`, {}, 2_000).then(
            (r) => r.status,
            () => 0,
          )) === 200,
        5_000,
      ),
    ).toBe(true);
    await server.waitForLog((line) => /connection cap/.test(String(line.msg)), 5_000);
  }, 60_000);
});

/** The second response on a keep-alive connection, once it is complete. */
async function waitForSecond(
  connection: RawConnection,
  offset: number,
): Promise<ReturnType<typeof parseResponse>> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const parsed = parseResponse(connection.received().slice(offset));
    if (parsed !== undefined) return parsed;
    if (connection.isClosed()) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}
