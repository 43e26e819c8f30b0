import { availableParallelism } from 'node:os';
import { assert, OmenDbError } from '../errors.ts';
import {
  authBusyRetryAfterSeconds,
  cpuCoresForEventLoopMin,
  libuvThreadsForFsMin,
  passwordHashesInFlightMax,
} from '../limits.ts';

/** libuv's thread pool: 4 threads unless UV_THREADPOOL_SIZE says otherwise, 1024 at most. */
const libuvPoolSizeDefault = 4;
const libuvPoolSizeMax = 1024;

/**
 * The thread-pool size libuv took from UV_THREADPOOL_SIZE when its pool started (read the way
 * libuv reads it: atoi, 0 becomes 1, capped). Set it before node starts: the pool starts with the
 * first file read, before any of this code runs, so setting it from inside has no effect.
 */
export function libuvPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.UV_THREADPOOL_SIZE;
  if (raw === undefined) return libuvPoolSizeDefault;
  const size = Number.parseInt(raw, 10);
  if (!Number.isFinite(size) || size < 1) return 1;
  return Math.min(size, libuvPoolSizeMax);
}

/**
 * Hashes that may run at once with this pool and these cores: passwordHashesInFlightMax, but
 * always leaving libuvThreadsForFsMin threads to file-system work (the WAL's write and fsync) and
 * cpuCoresForEventLoopMin cores to the event loop, and at least one, or no one could log in with
 * a password.
 */
export function hashSlotsFor(poolSize: number, cores: number): number {
  const free = Math.min(poolSize - libuvThreadsForFsMin, cores - cpuCoresForEventLoopMin);
  return Math.max(1, Math.min(passwordHashesInFlightMax, free));
}

/** The hash slots of this process: its libuv pool and the cores it may use. */
export function hashSlotsHere(): number {
  return hashSlotsFor(libuvPoolSize(), availableParallelism());
}

/**
 * A bound on password hashes in flight. A login that finds every slot taken is refused at once
 * (AUTH_BUSY), never queued: a queue would let a flood of wrong passwords hold every login, and
 * the pool's threads, for as long as it lasts.
 */
export class HashSlots {
  private inFlight = 0;

  constructor(readonly capacity: number = hashSlotsHere()) {
    assert(Number.isSafeInteger(capacity) && capacity >= 1, 'hash slots: capacity is a positive integer');
  }

  get busy(): number {
    return this.inFlight;
  }

  /** Runs `hash` in a slot; throws AUTH_BUSY without running it when every slot is taken. */
  async run<T>(hash: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.capacity)
      throw new OmenDbError('OMENDB_ERR_AUTH_BUSY', 'too many password checks running', {
        retryAfterSeconds: authBusyRetryAfterSeconds,
      });
    this.inFlight++;
    try {
      return await hash();
    } finally {
      this.inFlight--;
      assert(this.inFlight >= 0, 'hash slots: released more than taken');
    }
  }
}
