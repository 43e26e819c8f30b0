import { assert, OmenDbError } from '../errors.ts';
import {
  groupCommitBytesMax,
  groupCommitRecordsMax,
  memtableFlushBacklogFactor,
  writeQueueRecordsMax,
} from '../limits.ts';
import type { EngineState } from './engine-state.ts';
import type { Maintenance } from './maintenance.ts';
import { encodeWalRecord, putViews, type WalOperation } from './wal-record.ts';
import type { WalWriter } from './wal-writer.ts';

interface QueuedWrite {
  readonly seq: bigint;
  readonly op: WalOperation;
  readonly bytes: Uint8Array;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * From a validated operation to an acknowledged write: the submit queue, group commit (one WAL
 * append and one fsync per group), the interval fsync timer, and applying records to the
 * memtable in sequence order.
 */
export class WritePath {
  private readonly queue: QueuedWrite[] = [];
  private readonly queueSpaceWaiters: (() => void)[] = [];
  private flusherRunning = false;
  private syncTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: EngineState,
    private readonly maintenance: Maintenance,
  ) {}

  /** True while a group commit runs or writes wait in the queue. */
  get pending(): boolean {
    return this.flusherRunning || this.queue.length > 0;
  }

  async submit(op: WalOperation): Promise<void> {
    this.state.checkWritable();
    while (this.queue.length >= writeQueueRecordsMax) {
      await new Promise<void>((resolve) => this.queueSpaceWaiters.push(resolve));
      this.state.checkWritable();
    }
    if (op.kind === 'put') this.state.liveSeries.add(op.series);
    const seq = this.state.nextSeq++;
    const bytes = encodeWalRecord(seq, op);
    const applied: WalOperation =
      op.kind === 'put' ? { ...op, ...putViews(bytes, op.series, op.keys.length) } : op;
    const done = new Promise<void>((resolve, reject) =>
      this.queue.push({ seq, op: applied, bytes, resolve, reject }),
    );
    void this.runFlusher();
    return done;
  }

  /**
   * The group-commit loop: takes every queued record (up to the group limits), appends them in
   * one write, fsyncs once for all of them, then applies them to the memtable in sequence order
   * and acknowledges them. Writers arriving during an fsync form the next group.
   */
  private async runFlusher(): Promise<void> {
    if (this.flusherRunning) return;
    this.flusherRunning = true;
    try {
      while (this.queue.length > 0 && this.state.failure === undefined) {
        await this.waitForMemtableRoom();
        const group = this.takeGroup();
        try {
          await this.state.walLock.run(() => this.commitGroup(group));
        } catch (error) {
          this.state.fail(
            new OmenDbError('OMENDB_ERR_WAL_IO', 'WAL append or fsync failed', {}, { cause: error }),
          );
          for (const write of group) write.reject(this.state.failure);
          break;
        }
        for (const write of group) write.resolve();
        this.maintenance.maybeSchedule();
      }
    } finally {
      this.flusherRunning = false;
      if (this.state.failure !== undefined) this.rejectQueued();
    }
  }

  /**
   * Back-pressure: while a flush runs, writes go on into a new memtable; if that one too fills
   * up (memtableFlushBacklogFactor times the limit), writers wait for the flush rather than let
   * memory grow without bound.
   */
  private async waitForMemtableRoom(): Promise<void> {
    const state = this.state;
    const full = state.active.bytes >= state.options.memtableBytesMax * memtableFlushBacklogFactor;
    if (full && state.checkpointLock.locked) await state.checkpointLock.run(async () => undefined);
  }

  private takeGroup(): QueuedWrite[] {
    let bytes = 0;
    let count = 0;
    while (count < this.queue.length && count < groupCommitRecordsMax) {
      const next = this.queue[count]!;
      if (count > 0 && bytes + next.bytes.length > groupCommitBytesMax) break;
      bytes += next.bytes.length;
      count++;
    }
    const group = this.queue.splice(0, count);
    for (const wake of this.queueSpaceWaiters.splice(0)) wake();
    return group;
  }

  private async commitGroup(group: QueuedWrite[]): Promise<void> {
    const state = this.state;
    const wal = state.requireWal();
    const bytes = group.length === 1 ? group[0]!.bytes : concatRecords(group);
    await wal.append(bytes, group[0]!.seq);
    if (state.options.sync === 'commit') await this.syncWal(wal);
    state.counters.groupCommits++;
    state.options.observer.groupCommit(group.length, bytes.length);
    for (const write of group) {
      assert(write.seq === state.appliedSeq + 1n, 'WAL records must be applied in sequence order');
      this.apply(write.op);
      state.appliedSeq = write.seq;
      state.counters.writes++;
      if (write.op.kind === 'put') state.counters.pointsWritten += write.op.keys.length;
    }
  }

  private async syncWal(wal: WalWriter): Promise<void> {
    const started = performance.now();
    await wal.sync();
    this.state.counters.fsyncs++;
    this.state.options.observer.walFsync((performance.now() - started) / 1000);
  }

  /** Applies one operation to the active memtable: a committed group's, or a replayed WAL record's. */
  apply(op: WalOperation): void {
    const state = this.state;
    switch (op.kind) {
      case 'put':
        state.active.put(op.series, op.keys, op.values);
        state.liveSeries.add(op.series);
        break;
      case 'deleteRange':
        state.active.deleteRange(op.series, op.from, op.to);
        break;
      case 'dropSeries':
        state.active.drop(op.series);
        state.liveSeries.delete(op.series);
        break;
    }
  }

  private rejectQueued(): void {
    const error = new OmenDbError(
      'OMENDB_ERR_ENGINE_FAILED',
      'engine failed before this write was committed',
    );
    for (const write of this.queue.splice(0)) write.reject(error);
    for (const wake of this.queueSpaceWaiters.splice(0)) wake();
  }

  startSyncTimer(): void {
    const state = this.state;
    this.syncTimer = setInterval(() => {
      if (state.failure !== undefined || state.wal === undefined || !state.wal.needsSync) return;
      state.walLock
        .run(async () => {
          if (state.wal !== undefined) await this.syncWal(state.wal);
        })
        .catch((error: unknown) =>
          state.fail(new OmenDbError('OMENDB_ERR_WAL_IO', 'interval fsync failed', {}, { cause: error })),
        );
    }, state.options.syncIntervalMs);
    this.syncTimer.unref();
  }

  stopSyncTimer(): void {
    if (this.syncTimer !== undefined) clearInterval(this.syncTimer);
  }

  /** One step of close()'s drain: runs the group-commit loop, or yields while another call runs it. */
  async runFlusherToEnd(): Promise<void> {
    if (!this.flusherRunning) {
      await this.runFlusher();
      return;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function concatRecords(group: readonly QueuedWrite[]): Uint8Array {
  const total = group.reduce((sum, write) => sum + write.bytes.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const write of group) {
    bytes.set(write.bytes, offset);
    offset += write.bytes.length;
  }
  return bytes;
}
