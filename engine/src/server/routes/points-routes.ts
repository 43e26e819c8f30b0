import type { FastifyInstance } from 'fastify';
import { OmenDbError } from '../../errors.ts';
import { arrowStreamBytes } from '../../query/arrow-io.ts';
import { keyRange, keyToJson, parseKeyText, pointsFromJson } from '../http-keys.ts';
import { type PointsBody, scannedColumns } from '../json-body-parser.ts';
import {
  deleteQuery,
  okResponse,
  pointParams,
  pointResponse,
  pointsBody,
  rangeQuery,
  rangeResponse,
  seriesParams,
  writtenResponse,
} from '../http-schemas.ts';
import type { ServerContext } from '../server-context.ts';

export const arrowStreamType = 'application/vnd.apache.arrow.stream';

interface SeriesParams {
  series: string;
}

export function pointsRoutes(app: FastifyInstance, context: ServerContext): void {
  const { state, metrics } = context;

  app.post<{ Params: SeriesParams; Body: PointsBody | Buffer }>(
    '/v1/series/:series/points',
    {
      config: {
        access: 'write',
        summary: 'Write points (JSON or an Arrow IPC stream); 200 once durable.',
        scanPoints: true,
      },
      schema: {
        params: seriesParams,
        // Arrow bodies are bytes, checked by the engine's Arrow reader; the JSON schema is for JSON.
        body: { content: { 'application/json': { schema: pointsBody }, [arrowStreamType]: { schema: {} } } },
        response: { 200: writtenResponse },
      },
    },
    async (request) => {
      // Without a content type Fastify validates no body schema: a bodiless POST reaches here.
      if (request.body === undefined || request.body === null)
        throw new OmenDbError('OMENDB_ERR_HTTP_BAD_REQUEST', 'a JSON or Arrow body is required');
      const engine = state.engine();
      const body = request.body;
      if (Buffer.isBuffer(body)) return { written: await engine.writeArrow(request.params.series, body) };
      const columns = body[scannedColumns];
      const written =
        columns === undefined
          ? await engine.write(request.params.series, pointsFromJson(body.points))
          : await engine.writeColumns(request.params.series, columns.keys, columns.values);
      return { written };
    },
  );

  app.get<{ Params: SeriesParams & { key: string } }>(
    '/v1/series/:series/points/:key',
    {
      config: { access: 'read', summary: 'Read one point.' },
      schema: { params: pointParams, response: { 200: pointResponse } },
    },
    async (request) => {
      const key = parseKeyText(request.params.key, 'key');
      const value = await metrics.timeQuery('get', () => state.engine().get(request.params.series, key));
      if (value === undefined)
        throw new OmenDbError('OMENDB_ERR_HTTP_NOT_FOUND', 'no point at this key', { key: key.toString() });
      return { key: keyToJson(key), value };
    },
  );

  app.get<{
    Params: SeriesParams;
    Querystring: { from?: string; to?: string; after?: string; limit?: string };
  }>(
    '/v1/series/:series/points',
    {
      config: {
        access: 'read',
        summary: `Read a key range, one page at a time (JSON with a next cursor; Arrow with accept: ${arrowStreamType}, cursor in the omendb-next header).`,
      },
      schema: { params: seriesParams, querystring: rangeQuery, response: { 200: rangeResponse } },
    },
    async (request, reply) => {
      const { from, to } = keyRange(request.query);
      const options = {
        ...(request.query.limit === undefined ? {} : { limit: Number(request.query.limit) }),
        ...(request.query.after === undefined ? {} : { after: parseKeyText(request.query.after, 'after') }),
      };
      const engine = state.engine();
      if ((request.headers.accept ?? '').includes(arrowStreamType)) {
        const page = await metrics.timeQuery('range', () =>
          engine.rangeArrow(request.params.series, from, to, options),
        );
        if (page.next !== null) reply.header('omendb-next', page.next.toString());
        return reply.type(arrowStreamType).send(Buffer.from(await arrowStreamBytes(page.table)));
      }
      const page = await metrics.timeQuery('range', () =>
        engine.range(request.params.series, from, to, options),
      );
      const points = new Array<[number | string, number]>(page.points.length);
      for (let i = 0; i < points.length; i++) {
        const [key, value] = page.points[i]!;
        points[i] = [keyToJson(key), value];
      }
      return { points, next: page.next === null ? null : keyToJson(page.next) };
    },
  );

  app.delete<{ Params: SeriesParams; Querystring: { from?: string; to?: string } }>(
    '/v1/series/:series/points',
    {
      config: { access: 'write', summary: 'Delete a key range (both bounds included); 200 once durable.' },
      schema: { params: seriesParams, querystring: deleteQuery, response: { 200: okResponse } },
    },
    async (request) => {
      const { from, to } = keyRange(request.query);
      await state.engine().deleteRange(request.params.series, from, to);
      return { ok: true };
    },
  );
}
