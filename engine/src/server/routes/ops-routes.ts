import { readdir, stat } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { EngineStats } from '../../storage/engine-types.ts';
import type { ServerContext } from '../server-context.ts';

const publicStatus = {
  type: 'object',
  required: ['status'],
  properties: { status: { enum: ['starting', 'ready', 'stopping', 'degraded'] } },
} as const;

const healthSchema = {
  type: 'object',
  required: [
    'status',
    'uptimeSeconds',
    'lastCheckpoint',
    'walBytes',
    'segments',
    'engineFailure',
    'errorRate',
  ],
  properties: {
    status: { enum: ['starting', 'ready', 'stopping', 'degraded'] },
    uptimeSeconds: { type: 'integer' },
    lastCheckpoint: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['seq', 'at'],
          properties: { seq: { type: 'string' }, at: { type: ['string', 'null'] } },
        },
      ],
    },
    walBytes: { type: ['integer', 'null'] },
    segments: { type: ['integer', 'null'] },
    engineFailure: { type: ['string', 'null'] },
    errorRate: { type: 'number' },
  },
} as const;

export function opsRoutes(app: FastifyInstance, context: ServerContext): void {
  const { state, metrics } = context;

  /** The engine's stats once the server is ready (none while starting or stopping). */
  function readyStats(): EngineStats | undefined {
    return state.phase === 'ready' ? state.engineOrUndefined?.stats() : undefined;
  }

  /** The public word on the server: its phase, or degraded when the engine has failed. Nothing more. */
  function status(stats = readyStats()): 'starting' | 'ready' | 'stopping' | 'degraded' {
    if (stats !== undefined && stats.failed !== null) return 'degraded';
    return state.phase;
  }

  app.get(
    '/ready',
    {
      config: { access: 'public', summary: '200 once recovery finished; 503 while starting or stopping.' },
      schema: { response: { 200: publicStatus, 503: publicStatus } },
    },
    async (_request, reply) =>
      reply.status(state.phase === 'ready' ? 200 : 503).send({ status: state.phase }),
  );

  app.get(
    '/status',
    {
      config: { access: 'public', summary: 'The server phase only (no versions, paths or names).' },
      schema: { response: { 200: publicStatus } },
    },
    async () => ({ status: status() }),
  );

  app.get(
    '/health',
    {
      config: {
        access: 'monitor',
        summary: 'Engine health; 503 when degraded (a failed fsync, a full disk) or not ready.',
      },
      schema: {
        response: {
          200: healthSchema,
          503: healthSchema,
        },
      },
    },
    async (_request, reply) => {
      const stats = readyStats();
      const current = status(stats);
      const body = {
        status: current,
        uptimeSeconds: Math.round((Date.now() - state.startedAtMs) / 1000),
        lastCheckpoint:
          stats === undefined
            ? null
            : {
                seq: stats.checkpointSeq,
                at: stats.lastCheckpointMs === 0 ? null : new Date(stats.lastCheckpointMs).toISOString(),
              },
        walBytes: stats === undefined ? null : await walBytesOnDisk(context.config.data),
        segments: stats?.segments ?? null,
        engineFailure: stats?.failed ?? null,
        errorRate: state.errorRate(),
      };
      return reply.status(current === 'ready' ? 200 : 503).send(body);
    },
  );

  app.get(
    '/metrics',
    {
      config: { access: 'monitor', summary: 'Prometheus text exposition format.' },
      schema: { response: { 200: { type: 'string', description: 'text/plain; version=0.0.4' } } },
    },
    async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.exposition()),
  );

  const openApiDocument = {
    type: 'object',
    required: ['openapi', 'info', 'paths'],
    properties: { openapi: { type: 'string' }, info: { type: 'object' }, paths: { type: 'object' } },
  } as const;
  app.get(
    '/openapi.json',
    {
      config: { access: 'public', summary: 'This document.' },
      schema: { response: { 200: openApiDocument } },
    },
    async () => ({
      openapi: '3.1.0',
      info: { title: 'OmenDB HTTP API', version: '1' },
      components: {
        securitySchemes: {
          basic: { type: 'http', scheme: 'basic' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
      paths: context.openApiPaths,
    }),
  );
}

/** The WAL's size on disk: what a restart would have to replay at most. */
async function walBytesOnDisk(dataDir: string): Promise<number> {
  let total = 0;
  // A file trimmed by a checkpoint between the listing and the stat counts as empty.
  for (const name of await readdir(`${dataDir}/wal`))
    total += (await stat(`${dataDir}/wal/${name}`).catch(() => ({ size: 0 }))).size;
  return total;
}
