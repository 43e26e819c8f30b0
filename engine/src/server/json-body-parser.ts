import type { FastifyInstance } from 'fastify';
import { httpPointsPerRequestMax } from '../limits.ts';
import { type PointColumns, scanPointsJson } from './points-json.ts';

/** Where a body read by the fast scanner carries its columns (a symbol: the schema never sees it). */
export const scannedColumns = Symbol('scannedColumns');

/** A points body: parsed by fastify, or scanned (`points` empty, the columns under scannedColumns). */
export interface PointsBody {
  points: unknown[][];
  [scannedColumns]?: PointColumns;
}

/**
 * The JSON parser for every route. A route whose config says `scanPoints` (the points write) gets
 * the fast path: its body read straight into columns (scanPointsJson), reaching the handler as
 * `{ points: [] }` (which the schema accepts) with the columns under scannedColumns. Every other
 * body, and a points body the scanner is not sure of, goes to fastify's own JSON parser, so its
 * errors are unchanged.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const ordinary = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (request.routeOptions.config.scanPoints === true) {
      const columns = scanPointsJson(bytes, httpPointsPerRequestMax);
      if (columns !== undefined) {
        const scanned: PointsBody = { points: [], [scannedColumns]: columns };
        done(null, scanned);
        return;
      }
    }
    ordinary(request, bytes as unknown as string, done);
  });
}
