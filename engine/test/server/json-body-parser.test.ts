import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import {
  type PointsBody,
  registerJsonBodyParser,
  scannedColumns,
} from '../../src/server/json-body-parser.ts';

async function appWithTwoRoutes() {
  const app = Fastify();
  registerJsonBodyParser(app);
  const seen = (body: PointsBody) => ({
    scanned: body[scannedColumns] !== undefined,
    keys: Array.from(body[scannedColumns]?.keys ?? [], String),
    points: body.points,
  });
  app.post('/scanned', { config: { scanPoints: true } }, async (request) => seen(request.body as PointsBody));
  app.post('/plain', async (request) => seen(request.body as PointsBody));
  await app.ready();
  return app;
}

const post = (app: Awaited<ReturnType<typeof appWithTwoRoutes>>, url: string, payload: string) =>
  app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

describe('registerJsonBodyParser', () => {
  it('scans a points body only for a route that opts in with config.scanPoints', async () => {
    const app = await appWithTwoRoutes();
    try {
      const body = '{"points":[[1,0.5],[2,1.5]]}';
      expect((await post(app, '/scanned', body)).json()).toEqual({
        scanned: true,
        keys: ['1', '2'],
        points: [],
      });
      expect((await post(app, '/plain', body)).json()).toEqual({
        scanned: false,
        keys: [],
        points: [
          [1, 0.5],
          [2, 1.5],
        ],
      });
    } finally {
      await app.close();
    }
  });

  it('hands what the scanner is not sure of to fastify, errors included', async () => {
    const app = await appWithTwoRoutes();
    try {
      expect((await post(app, '/scanned', '{"points":[["1",0.5]]}')).json()).toEqual({
        scanned: false,
        keys: [],
        points: [['1', 0.5]],
      });
      expect((await post(app, '/scanned', '{"points":[')).statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});
