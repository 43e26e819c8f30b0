import type { FastifyInstance } from 'fastify';
import type { AggregateFn } from '../../query/aggregate-options.ts';
import { keyRange, keyToJson } from '../http-keys.ts';
import { aggregateQuery, aggregateResponse, okResponse, seriesParams } from '../http-schemas.ts';
import type { ServerContext } from '../server-context.ts';

interface AggregateQuery {
  from?: string;
  to?: string;
  bucket?: string;
  fn?: string;
}

export function seriesRoutes(app: FastifyInstance, context: ServerContext): void {
  const { state, metrics } = context;

  app.get(
    '/v1/series',
    {
      config: { access: 'read', summary: 'List the series.' },
      schema: {
        response: {
          200: {
            type: 'object',
            required: ['series'],
            properties: { series: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
    },
    async () => ({ series: await state.engine().listSeries() }),
  );

  app.delete<{ Params: { series: string } }>(
    '/v1/series/:series',
    {
      config: { access: 'write', summary: 'Drop a series and all its points; 200 once durable.' },
      schema: { params: seriesParams, response: { 200: okResponse } },
    },
    async (request) => {
      await state.engine().dropSeries(request.params.series);
      return { ok: true };
    },
  );

  app.get<{ Params: { series: string }; Querystring: AggregateQuery }>(
    '/v1/series/:series/aggregate',
    {
      config: {
        access: 'read',
        summary:
          'count, sum, min, max, mean, first, last over a key range, whole or per bucket (aligned to multiples of the width).',
      },
      schema: { params: seriesParams, querystring: aggregateQuery, response: { 200: aggregateResponse } },
    },
    async (request) => {
      const query = request.query;
      const { from, to } = keyRange(query);
      const options = {
        ...(query.bucket === undefined ? {} : { bucket: BigInt(query.bucket) }),
        ...(query.fn === undefined ? {} : { fns: query.fn.split(',') as AggregateFn[] }),
      };
      const result = await metrics.timeQuery('aggregate', () =>
        state.engine().aggregate(request.params.series, from, to, options),
      );
      return { buckets: result.buckets.map((bucket) => ({ ...bucket, start: keyToJson(bucket.start) })) };
    },
  );
}
