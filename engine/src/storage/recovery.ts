import { OmenDbError } from '../errors.ts';
import { fsErrorCode } from '../fs/file-system.ts';
import type { EngineState } from './engine-state.ts';
import { IndexModelRequests } from './index-model-requests.ts';
import { LoadedSegment } from './layer.ts';
import { emptyManifest, readManifest, segmentFilePattern, writeManifest } from './manifest.ts';
import { decodeSegment } from './segment-file.ts';
import { type WalRecoveryResult, recoverWal } from './wal-recovery.ts';
import { walFileHeaderBytes } from './wal-record.ts';
import { walFileName, WalWriter } from './wal-writer.ts';
import type { WritePath } from './write-path.ts';

/**
 * Brings an opened engine to the state it was in when last durable: the manifest and its
 * verified segments, orphan segment files removed, the WAL after the checkpoint replayed into the
 * memtable and its damaged tail cut off durably, then a new WAL file started.
 */
export class Recovery {
  constructor(
    private readonly state: EngineState,
    private readonly writes: WritePath,
  ) {}

  async recover(): Promise<void> {
    const state = this.state;
    const started = performance.now();
    const existing = await readManifest(state.fs, state.options.dir);
    if (existing === undefined) {
      await this.refuseSegmentsWithoutManifest();
      await writeManifest(state.fs, state.options.dir, emptyManifest);
    }
    state.manifest = existing ?? emptyManifest;
    state.nextSegmentId = state.manifest.nextSegmentId;
    // Learned indexes of large runs are built in the segment worker on their first lookup.
    const models = new IndexModelRequests(state);
    for (const record of state.manifest.segments) {
      const bytes = await state.fs.readFile(`${state.segmentDir}/${record.file}`).catch((error: unknown) => {
        if (fsErrorCode(error) === 'ENOENT') {
          throw new OmenDbError(
            'OMENDB_ERR_SEGMENT_CORRUPT',
            `segment ${record.file} listed in the manifest is missing`,
            {
              file: record.file,
            },
          );
        }
        throw error;
      });
      state.segments.push(
        new LoadedSegment(record, decodeSegment(bytes, record), models.indexSource(record)),
      );
    }
    const orphans = await this.removeOrphanSegments();
    const result = await recoverWal(
      state.fs,
      state.walDir,
      state.manifest.checkpointSeq,
      state.options.recovery,
      (record) => this.writes.apply(record.op),
    );
    await this.cleanUpWal(result);
    state.appliedSeq = result.lastSeq;
    state.nextSeq = result.lastSeq + 1n;
    state.wal = await WalWriter.create(state.fs, state.walDir, state.nextSeq);
    this.rebuildLiveSeries();
    state.recoveryStats = {
      durationMs: performance.now() - started,
      replayedRecords: result.replayedRecords,
      skippedRecords: result.skippedRecords,
      tornTail: result.tornTail ?? null,
      corruptionDropped: result.corruptionDropped ?? null,
      orphanFilesRemoved: orphans,
    };
    this.logRecovery(result);
    if (state.options.sync === 'interval') this.writes.startSyncTimer();
  }

  /**
   * The first MANIFEST is written before any segment exists, and every later one replaces it
   * atomically, so segments without a MANIFEST mean it was deleted or lost: starting afresh would
   * take every segment for an orphan and delete the data. Refuse, and leave the files as they are.
   */
  private async refuseSegmentsWithoutManifest(): Promise<void> {
    const { fs, segmentDir } = this.state;
    const names = (await fs.exists(segmentDir)) ? await fs.list(segmentDir) : [];
    const sealed = names.filter((name) => segmentFilePattern.test(name));
    if (sealed.length > 0)
      throw new OmenDbError(
        'OMENDB_ERR_MANIFEST_CORRUPT',
        `MANIFEST is missing but ${sealed.length} segment files exist: restore MANIFEST or a backup`,
        { segments: sealed.length },
      );
  }

  private logRecovery(result: WalRecoveryResult): void {
    const { options, recoveryStats } = this.state;
    const log = options.logger;
    if (result.tornTail !== undefined) {
      log.warn(
        { ...result.tornTail, dir: options.dir },
        'WAL torn tail truncated (a crash during an append)',
      );
    }
    if (result.corruptionDropped !== undefined) {
      log.error(
        { ...result.corruptionDropped, dir: options.dir },
        "WAL mid-log corruption: recovery 'truncate' kept the valid prefix and dropped the rest",
      );
    }
    log.info({ ...recoveryStats, dir: options.dir }, 'recovery finished');
  }

  /** Segment files not in the manifest are left by a crash between writing one and committing it. */
  private async removeOrphanSegments(): Promise<number> {
    const { fs, segmentDir } = this.state;
    const live = new Set(this.state.manifest.segments.map((s) => s.file));
    let removed = 0;
    for (const name of await fs.list(segmentDir)) {
      const base = name.endsWith('.tmp') ? name.slice(0, -4) : name;
      if (!segmentFilePattern.test(base) || live.has(name)) continue;
      await fs.unlink(`${segmentDir}/${name}`);
      removed++;
    }
    if (removed > 0) await fs.syncDir(segmentDir);
    return removed;
  }

  /**
   * Makes the cut durable before anything new is written: the bad tail is truncated and fsynced
   * and later files deleted, so a future recovery never sees stale bytes followed by new records.
   */
  private async cleanUpWal(result: WalRecoveryResult): Promise<void> {
    const { fs, walDir } = this.state;
    const cut = result.tornTail ?? result.corruptionDropped;
    const toDelete = [...result.obsoleteFiles, ...result.filesAfterCut];
    if (cut !== undefined) {
      const path = `${walDir}/${cut.file}`;
      if (cut.offset < walFileHeaderBytes) {
        toDelete.push(cut.file);
      } else {
        const handle = await fs.open(path, 'write');
        try {
          await handle.truncate(cut.offset);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
    }
    // The new WAL file is named after the next sequence number; a leftover file of that name can
    // only hold no records (any record in it would have a number past the last one recovered).
    const nextName = walFileName(result.lastSeq + 1n);
    if (!toDelete.includes(nextName) && (await fs.exists(`${walDir}/${nextName}`))) toDelete.push(nextName);
    for (const name of toDelete) await fs.unlink(`${walDir}/${name}`);
    if (toDelete.length > 0) await fs.syncDir(walDir);
  }

  private rebuildLiveSeries(): void {
    const state = this.state;
    const names = new Set<string>();
    for (const layer of state.layers()) for (const name of layer.seriesNames()) names.add(name);
    for (const name of names) if (state.hasVisiblePoint(name)) state.liveSeries.add(name);
  }
}
