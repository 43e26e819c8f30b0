import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import { buildServer } from '../../src/server/build-server.ts';
import type { ServerContext } from '../../src/server/server-context.ts';
import { configDefaults, type ServerConfig } from '../../src/server/server-config.ts';
import { createContext } from '../../src/server/start-server.ts';
import { ServerMetrics } from '../../src/server/server-metrics.ts';
import { type Engine, openEngine } from '../../src/engine.ts';
import { silentLogger } from '../../src/storage/logger.ts';
import { memtableBytesPerPoint, memtableBytesPerSeries } from '../../src/storage/memtable.ts';
import { errno } from '../support/codes.ts';

/**
 * The operations routes over a server built as start-server.ts builds it (createContext and
 * buildServer, then markReady with an open engine), driven with inject: /metrics in Prometheus
 * text format, /health, /ready, /status and /openapi.json.
 */

interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

// The package ships no types: its one export, typed here.
const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => ParsedFamily[];

const adminPassword = 'metrics-admin-password';
const admin = `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`;

interface Harness {
  dir: string;
  context: ServerContext;
  app: FastifyInstance;
  engine?: Engine;
}

async function buildHarness(): Promise<Harness> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-metrics-`);
  const config: ServerConfig = { ...configDefaults, data: dir, logLevel: 'silent' };
  const context = await createContext(config, { OMENDB_ADMIN_PASSWORD: adminPassword });
  const app = buildServer(context);
  await app.ready();
  return { dir, context, app };
}

async function closeHarness(harness: Harness | undefined): Promise<void> {
  if (harness === undefined) return;
  await harness.app.close();
  await harness.engine?.close();
  await rm(harness.dir, { recursive: true, force: true });
}

function get(app: FastifyInstance, url: string, authorization?: string) {
  return app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } });
}

function post(app: FastifyInstance, url: string, payload?: unknown) {
  return app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: admin,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
}

// A strict reading of the text exposition format, line by line
// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const helpLine = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/;
const typeLine = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/y;
// A float as Go's strconv.ParseFloat reads it (the format's definition): Inf and NaN in any case,
// which matters because prom-client writes NaN as "Nan".
const sampleValue = /^(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|infinity)|nan)$/i;
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;

interface Sample {
  name: string;
  family: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  helps: Map<string, string>;
  samples: Sample[];
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let at = 0;
  while (at < text.length) {
    labelPair.lastIndex = at;
    const match = labelPair.exec(text);
    if (match === null) throw new Error(`bad labels in: ${line}`);
    const [, name, value] = match;
    if (!labelName.test(name!) || name!.startsWith('__')) throw new Error(`bad label name in: ${line}`);
    if (name! in labels) throw new Error(`repeated label ${name} in: ${line}`);
    labels[name!] = value!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    at = labelPair.lastIndex;
    if (at < text.length) {
      if (text[at] !== ',') throw new Error(`bad label separator in: ${line}`);
      at++;
    }
  }
  return labels;
}

function goFloat(text: string): number {
  if (/^nan$/i.test(text)) return Number.NaN;
  const infinity = /^([-+]?)inf(?:inity)?$/i.exec(text);
  if (infinity !== null) return infinity[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Number(text);
}

/** The family a sample belongs to: its own name, or a histogram's or summary's base name. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = types.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return undefined;
}

function readExposition(text: string): Exposition {
  expect(text.endsWith('\n'), 'the exposition ends with a line feed').toBe(true);
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const help = helpLine.exec(line);
      const type = typeLine.exec(line);
      if (help !== null) {
        expect(helps.has(help[1]!), `one HELP for ${help[1]}`).toBe(false);
        helps.set(help[1]!, help[2]!);
      } else if (type !== null) {
        expect(types.has(type[1]!), `one TYPE for ${type[1]}`).toBe(false);
        expect(
          samples.some((s) => s.family === type[1]),
          `TYPE ${type[1]} before its samples`,
        ).toBe(false);
        types.set(type[1]!, type[2]!);
      } else throw new Error(`a comment that is neither HELP nor TYPE: ${line}`);
      continue;
    }
    const match = sampleLine.exec(line);
    if (match === null) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText, value] = match;
    expect(name).toMatch(metricName);
    expect(value, line).toMatch(sampleValue);
    const family = familyOf(name!, types);
    if (family === undefined) throw new Error(`sample without a TYPE for its family: ${line}`);
    const labels = parseLabels(labelText ?? '', line);
    if ('le' in labels)
      expect(name!.endsWith('_bucket') && types.get(family) === 'histogram', line).toBe(true);
    const identity = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    expect(seen.has(identity), `one sample per series: ${line}`).toBe(false);
    seen.add(identity);
    samples.push({ name: name!, family, labels, value: goFloat(value!) });
  }
  for (const [name, type] of types) {
    expect(name, `family ${name}`).toMatch(metricName);
    if (type === 'counter') {
      for (const sample of samples.filter((s) => s.family === name))
        expect(sample.value, `${name} is a counter`).toBeGreaterThanOrEqual(0);
    }
    if (type === 'histogram') checkHistogram(name, samples);
  }
  return { types, helps, samples };
}

/** Per label set: buckets cumulative and non-decreasing, +Inf present and equal to _count, _sum present. */
function checkHistogram(family: string, samples: Sample[]): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const sample of samples.filter((s) => s.family === family)) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name === `${family}_bucket`) {
      expect(le, `${family}_bucket has le`).toBeDefined();
      expect(le).toMatch(/^(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|\+Inf)$/);
      entry.buckets.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), sample.value]);
    } else if (sample.name === `${family}_sum`) entry.sum = sample.value;
    else if (sample.name === `${family}_count`) entry.count = sample.value;
    else throw new Error(`histogram ${family} has a sample named ${sample.name}`);
  }
  for (const [labels, entry] of series) {
    const where = `${family}${labels}`;
    expect(entry.buckets.length, where).toBeGreaterThan(0);
    const bounds = entry.buckets.map(([bound]) => bound);
    expect(bounds, `${where}: buckets in increasing le order`).toEqual([...bounds].sort((a, b) => a - b));
    expect(new Set(bounds).size, `${where}: distinct le`).toBe(bounds.length);
    for (let i = 1; i < entry.buckets.length; i++)
      expect(entry.buckets[i]![1], `${where}: cumulative`).toBeGreaterThanOrEqual(entry.buckets[i - 1]![1]);
    const last = entry.buckets.at(-1)!;
    expect(last[0], `${where}: le="+Inf"`).toBe(Number.POSITIVE_INFINITY);
    expect(entry.count, `${where}: _count`).toBe(last[1]);
    expect(entry.sum, `${where}: _sum`).toBeDefined();
    expect(Number.isFinite(entry.sum)).toBe(true);
  }
}

function value(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return exposition.samples.find(
    (s) =>
      s.name === name &&
      Object.keys(labels).length ===
        Object.keys(s.labels).filter((l) => l !== 'le' || 'le' in labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}

describe('server metrics, health and readiness', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await buildHarness();
  });

  afterAll(async () => {
    await closeHarness(harness);
  });

  it('before markReady: /ready is 503 {status: starting}, /status says starting, data routes 503', async () => {
    const { app } = harness;
    const ready = await get(app, '/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'starting' });
    expect((await get(app, '/status')).json()).toEqual({ status: 'starting' });
    const health = await get(app, '/health', admin);
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({
      status: 'starting',
      walBytes: null,
      segments: null,
      lastCheckpoint: null,
    });
    const write = await post(app, '/v1/series/cpu/points', { points: [[1, 1]] });
    expect(write.statusCode).toBe(503);
    expect(write.json().error.code).toBe('OMENDB_ERR_HTTP_NOT_READY');
    // Metrics are served while starting; engine values are zero until there is an engine.
    const metrics = await get(app, '/metrics', admin);
    expect(metrics.statusCode).toBe(200);
    const exposition = readExposition(metrics.body);
    expect(value(exposition, 'omendb_points_written_total')).toBe(0);
    expect(value(exposition, 'omendb_segments')).toBe(0);

    harness.engine = await openEngine({
      dir: harness.dir,
      logger: silentLogger,
      observer: harness.context.metrics.engineObserver,
      autoMaintenance: false,
    });
    harness.context.state.markReady(harness.engine);
    expect((await get(app, '/ready')).statusCode).toBe(200);
  });

  it('/metrics is valid Prometheus text with the OmenDB families and sane values', async () => {
    const { app } = harness;
    const writes = [
      {
        series: 'cpu',
        points: [
          [1, 1.5],
          [2, 2.5],
          [3, 3.5],
        ],
      },
      {
        series: 'mem',
        points: [
          [10, 1],
          [20, 2],
        ],
      },
    ];
    const write = async (n: number) =>
      (await post(app, `/v1/series/${writes[n]!.series}/points`, { points: writes[n]!.points })).statusCode;
    expect(await write(0)).toBe(200);
    expect((await post(app, '/v1/admin/checkpoint')).statusCode).toBe(200);
    expect(await write(1)).toBe(200);
    const pointsWritten = writes.reduce((sum, w) => sum + w.points.length, 0);
    expect((await get(app, '/v1/series/cpu/points/2', admin)).json()).toEqual({ key: 2, value: 2.5 });
    expect((await get(app, '/v1/series/cpu/points/99', admin)).statusCode).toBe(404);
    expect((await get(app, '/v1/series/cpu/points?from=1&to=2', admin)).statusCode).toBe(200);
    const aggregate = await get(app, '/v1/series/cpu/aggregate?fn=sum,count', admin);
    expect(aggregate.statusCode, aggregate.body).toBe(200);
    expect((await get(app, '/v1/series/cpu/points')).statusCode).toBe(401);

    const response = await get(app, '/metrics', admin);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const exposition = readExposition(response.body);

    // The same text through an independent parser.
    const parsed = parsePrometheusTextFormat(response.body);
    expect(new Set(parsed.map((family) => family.name))).toEqual(new Set(exposition.types.keys()));
    for (const family of parsed) expect(family.type.toLowerCase()).toBe(exposition.types.get(family.name));
    const parsedFamily = (name: string) => parsed.find((family) => family.name === name);

    const types = Object.fromEntries(exposition.types);
    expect(types).toMatchObject({
      omendb_http_requests_total: 'counter',
      omendb_http_request_duration_seconds: 'histogram',
      omendb_points_written_total: 'counter',
      omendb_queries_total: 'counter',
      omendb_query_duration_seconds: 'histogram',
      omendb_wal_fsync_duration_seconds: 'histogram',
      omendb_wal_group_commit_batches: 'histogram',
      omendb_memtable_bytes: 'gauge',
      omendb_segments: 'gauge',
      omendb_index_window_mean_positions: 'gauge',
      omendb_index_pending_keys: 'gauge',
      omendb_index_model_failures_total: 'counter',
      omendb_engine_failed: 'gauge',
      process_cpu_user_seconds_total: 'counter',
    });
    for (const name of exposition.types.keys())
      expect(exposition.helps.get(name), `HELP for ${name}`).toBeTruthy();

    // Requests by route pattern (never the raw URL), method and status.
    const writeRoute = { route: '/v1/series/:series/points', method: 'POST', status: '200' };
    expect(value(exposition, 'omendb_http_requests_total', writeRoute)).toBe(2);
    expect(
      value(exposition, 'omendb_http_requests_total', {
        route: '/v1/series/:series/points',
        method: 'POST',
        status: '503',
      }),
    ).toBe(1);
    expect(
      value(exposition, 'omendb_http_requests_total', {
        route: '/v1/series/:series/points/:key',
        method: 'GET',
        status: '404',
      }),
    ).toBe(1);
    expect(
      value(exposition, 'omendb_http_requests_total', {
        route: '/v1/series/:series/points',
        method: 'GET',
        status: '401',
      }),
    ).toBe(1);
    expect(exposition.samples.some((s) => s.labels.route?.includes('/cpu/'))).toBe(false);
    for (const sample of exposition.samples.filter((s) => s.family === 'omendb_http_requests_total'))
      expect(Object.keys(sample.labels).sort()).toEqual(['method', 'route', 'status']);
    expect(value(exposition, 'omendb_http_request_duration_seconds_count', writeRoute)).toBe(2);
    expect(value(exposition, 'omendb_http_request_duration_seconds_sum', writeRoute)).toBeGreaterThan(0);
    expect(
      parsedFamily('omendb_http_requests_total')?.metrics.find(
        (m) =>
          m.labels?.route === writeRoute.route && m.labels?.method === 'POST' && m.labels?.status === '200',
      )?.value,
    ).toBe('2');

    // Engine counters and gauges, read from stats() at scrape time.
    expect(value(exposition, 'omendb_points_written_total')).toBe(pointsWritten);
    expect(value(exposition, 'omendb_wal_appends_total')).toBe(2);
    expect(value(exposition, 'omendb_flushes_total')).toBe(1);
    expect(value(exposition, 'omendb_series')).toBe(2);
    expect(value(exposition, 'omendb_segments')).toBe(1);
    expect(value(exposition, 'omendb_segment_points')).toBe(3);
    expect(value(exposition, 'omendb_memtable_points')).toBe(2);
    expect(value(exposition, 'omendb_memtable_bytes')).toBeGreaterThan(0);
    const windowMean = value(exposition, 'omendb_index_window_mean_positions')!;
    expect(Number.isFinite(windowMean) && windowMean >= 0).toBe(true);
    expect(value(exposition, 'omendb_index_keys')).toBe(3);
    // The flushed segment came with its model: nothing pending, nothing failed.
    expect(value(exposition, 'omendb_index_pending_keys')).toBe(0);
    expect(value(exposition, 'omendb_index_model_failures_total')).toBe(0);
    expect(value(exposition, 'omendb_engine_failed')).toBe(0);

    // Queries by kind: the 404 get still ran a query.
    expect(value(exposition, 'omendb_queries_total', { kind: 'get' })).toBe(2);
    expect(value(exposition, 'omendb_queries_total', { kind: 'range' })).toBe(1);
    expect(value(exposition, 'omendb_queries_total', { kind: 'aggregate' })).toBe(1);
    expect(value(exposition, 'omendb_query_duration_seconds_count', { kind: 'get' })).toBe(2);

    // From the engine observer: one fsync and one group commit per acknowledged write at least.
    expect(value(exposition, 'omendb_wal_fsync_duration_seconds_count')).toBeGreaterThan(0);
    expect(value(exposition, 'omendb_wal_fsync_duration_seconds_count')).toBe(
      value(exposition, 'omendb_wal_fsyncs_total'),
    );
    expect(value(exposition, 'omendb_wal_group_commit_batches_count')).toBe(
      value(exposition, 'omendb_wal_group_commits_total'),
    );
    expect(value(exposition, 'omendb_wal_group_commit_batches_sum')).toBe(2);
    expect(value(exposition, 'omendb_wal_group_commit_batches_bucket', { le: '+Inf' })).toBeGreaterThan(0);

    // prom-client's default process metrics.
    expect(value(exposition, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(Number(parsedFamily('process_cpu_user_seconds_total')?.metrics[0]?.value)).toBeGreaterThan(0);
    const fsyncHistogram = parsedFamily('omendb_wal_fsync_duration_seconds')?.metrics[0];
    expect(fsyncHistogram?.buckets?.['+Inf']).toBe(fsyncHistogram?.count);
  });

  it('a scrape counts itself: the /metrics request shows in the next one', async () => {
    const first = readExposition((await get(harness.app, '/metrics', admin)).body);
    const second = readExposition((await get(harness.app, '/metrics', admin)).body);
    const labels = { route: '/metrics', method: 'GET', status: '200' };
    expect(value(second, 'omendb_http_requests_total', labels)).toBe(
      value(first, 'omendb_http_requests_total', labels)! + 1,
    );
  });

  it('/metrics and /health need the monitor or admin role', async () => {
    expect((await get(harness.app, '/metrics')).statusCode).toBe(401);
    expect((await get(harness.app, '/health')).statusCode).toBe(401);
  });

  it('/health reports status, uptime, the last checkpoint, WAL bytes, segments and the error rate', async () => {
    const response = await get(harness.app, '/health', admin);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(
      [
        'engineFailure',
        'errorRate',
        'lastCheckpoint',
        'segments',
        'status',
        'uptimeSeconds',
        'walBytes',
      ].sort(),
    );
    expect(body.status).toBe('ready');
    expect(Number.isInteger(body.uptimeSeconds) && body.uptimeSeconds >= 0).toBe(true);
    expect(body.lastCheckpoint.seq).toMatch(/^\d+$/);
    expect(BigInt(body.lastCheckpoint.seq)).toBeGreaterThan(0n);
    expect(Number.isNaN(Date.parse(body.lastCheckpoint.at))).toBe(false);
    expect(Number.isInteger(body.walBytes) && body.walBytes > 0).toBe(true);
    expect(body.segments).toBe(1);
    expect(body.engineFailure).toBeNull();
    // 5xx answers so far: the /ready, /health and write refused while starting.
    expect(body.errorRate).toBeGreaterThan(0);
    expect(body.errorRate).toBeLessThan(1);
  });

  it('/status reveals only the status, to anyone', async () => {
    const response = await get(harness.app, '/status');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
    expect(Object.keys(response.json())).toEqual(['status']);
  });

  it('/openapi.json lists every route with its methods, and marks which need credentials', async () => {
    const response = await get(harness.app, '/openapi.json');
    expect(response.statusCode).toBe(200);
    const document = response.json() as {
      openapi: string;
      paths: Record<string, Record<string, { security: unknown[]; 'x-omendb-access': string }>>;
    };
    expect(document.openapi).toMatch(/^3\.1\./);
    const listed = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(listed).toEqual(
      [
        'POST /v1/series/{series}/points',
        'GET /v1/series/{series}/points',
        'DELETE /v1/series/{series}/points',
        'GET /v1/series/{series}/points/{key}',
        'GET /v1/series',
        'DELETE /v1/series/{series}',
        'GET /v1/series/{series}/aggregate',
        'POST /v1/admin/checkpoint',
        'POST /v1/admin/compact',
        'POST /v1/admin/backup',
        'GET /v1/users',
        'POST /v1/users',
        'DELETE /v1/users/{name}',
        'PUT /v1/users/{name}/password',
        'POST /v1/auth/token',
        'GET /ready',
        'GET /status',
        'GET /health',
        'GET /metrics',
        'GET /openapi.json',
      ].sort(),
    );
    // Every listed operation is a route the server has.
    for (const entry of listed) {
      const [method, path] = entry.split(' ') as [string, string];
      const url = path.replace(/\{([A-Za-z]+)\}/g, ':$1');
      expect(harness.app.hasRoute({ method: method as 'GET', url }), entry).toBe(true);
    }
    const publicOps = ['/ready', '/status', '/openapi.json'];
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const operation of Object.values(methods)) {
        if (publicOps.includes(path)) {
          expect(operation['x-omendb-access']).toBe('public');
          expect(operation.security).toEqual([]);
        } else expect(operation.security.length, path).toBeGreaterThan(0);
      }
    }
  });
});

describe('the event-loop figures', () => {
  it('sample the loop every eventLoopMonitoringPrecisionMs, so an idle loop reads about that, not 10 ms', async () => {
    // Each sample is the time between two callbacks of the monitor's timer: at prom-client's
    // default period of 10 ms even the smallest sample of an idle loop is 10 ms (0.0101 s seen).
    const metrics = new ServerMetrics(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exposition = readExposition(await metrics.exposition());
    const minSeconds = value(exposition, 'nodejs_eventloop_lag_min_seconds')!;
    expect(minSeconds).toBeGreaterThan(0);
    expect(minSeconds).toBeLessThan(0.005);
  });
});

describe('index gauges follow the engine stats', () => {
  it("exports the keys still pending a model and the failed model jobs from stats()'s index", async () => {
    const dir = await mkdtemp(`${tmpdir()}/omendb-index-gauges-`);
    const engine = await openEngine({ dir, logger: silentLogger, autoMaintenance: false });
    try {
      const stats = engine.stats();
      const metrics = new ServerMetrics(() => ({
        ...stats,
        index: { ...stats.index, pendingKeys: 10_000_000, modelFailures: 2 },
      }));
      const exposition = readExposition(await metrics.exposition());
      expect(value(exposition, 'omendb_index_pending_keys')).toBe(10_000_000);
      expect(value(exposition, 'omendb_index_model_failures_total')).toBe(2);
    } finally {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('omendb_memtable_bytes follows the memtable', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await buildHarness();
    harness.engine = await openEngine({
      dir: harness.dir,
      logger: silentLogger,
      observer: harness.context.metrics.engineObserver,
      autoMaintenance: false,
    });
    harness.context.state.markReady(harness.engine);
  });

  afterAll(async () => {
    await closeHarness(harness);
  });

  /** The gauge as scraped, checked against the engine's own stats() at the same moment. */
  async function scrapedMemtableBytes(): Promise<number> {
    const response = await get(harness.app, '/metrics', admin);
    expect(response.statusCode).toBe(200);
    const scraped = value(readExposition(response.body), 'omendb_memtable_bytes');
    expect(scraped).toBe(harness.engine!.stats().memtableBytes);
    return scraped!;
  }

  async function writePoints(series: string, from: number, count: number): Promise<void> {
    const points = Array.from({ length: count }, (_, i) => [from + i, i / 2]);
    expect((await post(harness.app, `/v1/series/${series}/points`, { points })).statusCode).toBe(200);
  }

  it('grows by the estimate of what was written and drops to zero at a checkpoint', async () => {
    expect(await scrapedMemtableBytes()).toBe(0);
    // A series is charged its object plus its arrays' capacity, which starts at 16 points and doubles.
    await writePoints('gauge-a', 0, 10);
    const first = await scrapedMemtableBytes();
    expect(first).toBe(memtableBytesPerSeries + 16 * memtableBytesPerPoint);
    await writePoints('gauge-a', 10, 30);
    const second = await scrapedMemtableBytes();
    expect(second - first).toBe((64 - 16) * memtableBytesPerPoint);
    await writePoints('gauge-b', 0, 1);
    const third = await scrapedMemtableBytes();
    expect(third - second).toBe(memtableBytesPerSeries + 16 * memtableBytesPerPoint);
    expect((await post(harness.app, '/v1/admin/checkpoint')).statusCode).toBe(200);
    expect(await scrapedMemtableBytes()).toBe(0);
    await writePoints('gauge-a', 100, 1);
    expect(await scrapedMemtableBytes()).toBe(memtableBytesPerSeries + 16 * memtableBytesPerPoint);
  });
});

describe('server health when the engine has failed', () => {
  let harness: Harness;
  let fs: SimFileSystem;

  beforeAll(async () => {
    harness = await buildHarness();
    // The engine runs over a simulated disk that can fail on demand; the users file and the
    // data directory /health measures stay on the real one.
    await mkdir(`${harness.dir}/wal`, { recursive: true });
    fs = new SimFileSystem();
    await fs.mkdir(harness.dir);
    harness.engine = await openEngine({
      dir: harness.dir,
      fs,
      logger: silentLogger,
      observer: harness.context.metrics.engineObserver,
      autoMaintenance: false,
    });
    harness.context.state.markReady(harness.engine);
  });

  afterAll(async () => {
    fs.injectError(undefined);
    await closeHarness(harness);
  });

  it('a failed fsync: the write gets a 5xx, /health 503 degraded, /status degraded, omendb_engine_failed 1', async () => {
    const { app } = harness;
    expect((await post(app, '/v1/series/s/points', { points: [[1, 1]] })).statusCode).toBe(200);
    expect((await get(app, '/health', admin)).statusCode).toBe(200);

    fs.injectError((op) => (op.kind === 'sync' && op.path.includes('/wal/') ? errno('EIO') : undefined));
    const failed = await post(app, '/v1/series/s/points', { points: [[2, 2]] });
    expect(failed.statusCode).toBe(500);
    expect(failed.json().error.code).toBe('OMENDB_ERR_WAL_IO');
    const refused = await post(app, '/v1/series/s/points', { points: [[3, 3]] });
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('OMENDB_ERR_ENGINE_FAILED');

    const health = await get(app, '/health', admin);
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'degraded', engineFailure: 'OMENDB_ERR_WAL_IO' });
    expect(health.json().errorRate).toBeGreaterThan(0);
    const status = await get(app, '/status');
    expect(status.statusCode).toBe(200);
    expect(status.json()).toEqual({ status: 'degraded' });

    const exposition = readExposition((await get(app, '/metrics', admin)).body);
    expect(value(exposition, 'omendb_engine_failed')).toBe(1);
    expect(value(exposition, 'omendb_points_written_total')).toBe(1);

    // Reads still work.
    expect((await get(app, '/v1/series/s/points/1', admin)).json()).toEqual({ key: 1, value: 1 });
  });
});
