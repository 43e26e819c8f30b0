import { checksummedChunks } from './backup-files.ts';
import {
  type BackupContent,
  backupCorrupt,
  backupFormatVersion,
  backupStreamFormat,
} from './backup-manifest.ts';
import { type CheckpointedView, backupContent } from './backup-writer.ts';
import { manifestFileName } from './manifest.ts';

/**
 * The online backup stream: one JSON header line `{"format": "omendb-backup-stream", "version",
 * "checkpointSeq", "files": [{"name", "bytes", "crc32"}, ...]}`, then each file's bytes in the
 * header's order, nothing else. Self-describing, so the client checks every size and checksum
 * as it writes (backup-receive.ts).
 */

export const backupStreamContentType = 'application/vnd.omendb.backup';

export interface BackupStream {
  readonly content: BackupContent;
  readonly chunks: AsyncIterable<Uint8Array>;
}

/**
 * The stream of `view`; read it whole inside withCheckpointedFiles. Each segment is checksummed
 * as it is read: one that no longer matches its manifest record ends the stream with
 * OMENDB_ERR_BACKUP_CORRUPT, so the client sees a short stream rather than bad bytes.
 */
export function backupStream(view: CheckpointedView): BackupStream {
  const { manifestBytes, content } = backupContent(view);
  const header = { format: backupStreamFormat, version: backupFormatVersion, ...content };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield new TextEncoder().encode(`${JSON.stringify(header)}\n`);
    for (const file of content.files) {
      if (file.name === manifestFileName) {
        yield manifestBytes;
        continue;
      }
      const handle = await view.fs.open(`${view.dir}/${file.name}`, 'read');
      try {
        let position = 0;
        let checksum = 0;
        for await (const read of checksummedChunks(handle, file.bytes)) {
          position = read.position;
          checksum = read.crc32;
          // Held back until the whole file is checked would cost its size in memory: the client
          // checks the checksum too and drops a file whose stream stops early.
          if (position === file.bytes && checksum !== file.crc32) break;
          yield read.chunk;
        }
        if (position !== file.bytes || checksum !== file.crc32)
          throw backupCorrupt(`segment ${file.name} no longer matches its manifest record`, {
            file: file.name,
          });
      } finally {
        await handle.close();
      }
    }
  }
  return { content, chunks: chunks() };
}
