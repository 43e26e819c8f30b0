import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { backupStreamMsMax } from '../../limits.ts';
import { backupStream, backupStreamContentType } from '../../storage/backup-stream.ts';
import { errorResponse } from '../http-schemas.ts';
import type { ServerContext } from '../server-context.ts';

/**
 * POST /v1/admin/backup: a checkpoint, then the MANIFEST and every segment it lists as one backup
 * stream (storage/backup-stream.ts), read inside the engine's withCheckpointedFiles so no listed
 * segment is deleted while it is sent. Writes go on meanwhile; compaction waits until the stream
 * ends, is dropped by the client, or runs past backupStreamMsMax.
 */
export function backupRoutes(app: FastifyInstance, context: ServerContext): void {
  app.post(
    '/v1/admin/backup',
    {
      config: {
        access: 'admin',
        summary: `Checkpoint, then stream a consistent backup (${backupStreamContentType}): a JSON header line listing every file with its size and CRC32, then the files. omendb backup --url reads it.`,
      },
      schema: { response: { 507: errorResponse } },
    },
    async (request, reply) => {
      await context.state.engine().withCheckpointedFiles(async (view) => {
        const stream = backupStream(view);
        const body = Readable.from(stream.chunks, { objectMode: false });
        const timer = setTimeout(
          () => body.destroy(new Error('backupStreamMsMax passed')),
          backupStreamMsMax,
        );
        body.on('error', (error) => request.log.warn({ err: error }, 'backup stream ended early'));
        reply
          .header('content-type', backupStreamContentType)
          .header('omendb-checkpoint-seq', stream.content.checkpointSeq)
          .send(body);
        try {
          // Until the last byte is read or the stream is destroyed: the segments must stay until then.
          await finished(body);
        } catch {
          // A dropped client or a failed read: the response is already cut short; nothing to answer.
        } finally {
          clearTimeout(timer);
        }
      });
      return reply;
    },
  );
}
