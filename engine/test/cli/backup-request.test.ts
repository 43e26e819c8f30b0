import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestBackup } from '../../src/cli/backup-request.ts';
import { backupStreamContentType } from '../../src/storage/backup-stream.ts';

/** A server that answers a backup request with `respond`, on loopback. */
async function serve(respond: Parameters<typeof createServer>[1]): Promise<URL> {
  server = createServer(respond);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/admin/backup`);
}

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function drain(chunks: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const chunk of chunks) bytes += chunk.length;
  return bytes;
}

const idleMs = 200;

describe('requestBackup', () => {
  it('is unavailable, not corrupt, when the server stops sending in the middle of the stream', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': backupStreamContentType });
      response.write('{"partial":');
      // Then nothing: a stuck server, with the connection still open.
    });
    const chunks = await requestBackup(url, {}, idleMs);
    await expect(drain(chunks)).rejects.toMatchObject({ code: 'OMENDB_ERR_BACKUP_UNAVAILABLE' });
  });

  it('is unavailable when the server does not answer at all', async () => {
    const url = await serve(() => {
      // Never answers: the wait for its checkpoint is covered by the same idle timeout.
    });
    await expect(requestBackup(url, {}, idleMs)).rejects.toMatchObject({
      code: 'OMENDB_ERR_BACKUP_UNAVAILABLE',
    });
  });

  it('is corrupt when the connection is cut in the middle of the stream', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': backupStreamContentType, 'content-length': 1000 });
      response.write('{"partial":', () => response.socket?.destroy());
    });
    const chunks = await requestBackup(url, {}, 10_000);
    await expect(drain(chunks)).rejects.toMatchObject({ code: 'OMENDB_ERR_BACKUP_CORRUPT' });
  });
});
