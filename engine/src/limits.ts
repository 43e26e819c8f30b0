/**
 * Every bound in the engine, in one place, unit last. Exceeding an input limit gives a registry
 * error and loses nothing already stored; internal limits trigger flushes or cap work per step.
 */

/** Series names: short enough to log and to use as a metric label; never used as a path. */
export const seriesNameLengthMax = 128;

/** Points in one write batch: one WAL record; 1M points is 16 MiB of payload. */
export const writeBatchPointsMax = 1_000_000;

/** Distinct live series; each costs a directory entry in every segment and memory in the registry. */
export const seriesCountMax = 100_000;

/** WAL files roll over at this size so that checkpoints can delete whole files. */
export const walSegmentBytesMax = 64 * 1024 * 1024;

/** The largest WAL record: a full batch plus header and name; must fit inside one WAL file. */
export const walRecordBytesMax = 17 * 1024 * 1024;

/** Records appended by one group commit before it fsyncs; bounds the latency of the first writer. */
export const groupCommitRecordsMax = 4096;

/** Bytes appended by one group commit before it fsyncs. */
export const groupCommitBytesMax = 32 * 1024 * 1024;

/** Writes queued behind the WAL before new writers wait; back-pressure instead of unbounded memory. */
export const writeQueueRecordsMax = 65_536;

/** Memtable size that triggers a flush to a segment (estimated bytes, keys and values). */
export const memtableBytesMax = 64 * 1024 * 1024;

/** While a flush runs, the next memtable may grow to this many times memtableBytesMax before writers wait. */
export const memtableFlushBacklogFactor = 2;

/**
 * The WAL behind the last checkpoint may grow to this many times memtableBytesMax before a
 * checkpoint runs, however small the memtable is: deletes and overwrites shrink the memtable but
 * never the WAL, and a retention workload (fresh keys in, old keys deleted) otherwise grows the
 * WAL without end (the soak measured 229 MB in 30 minutes with 509 bytes of live data), and with
 * it the recovery time.
 */
export const walCheckpointFactor = 1;
/** Range deletes a memtable holds before it is flushed (each one is checked on every read of its series). */
export const memtableTombstonesMax = 10_000;

/** Default fsync interval in 'interval' durability mode; the most that a crash can lose. */
export const syncIntervalMsDefault = 100;

/** Smallest and largest accepted fsync interval. */
export const syncIntervalMsMin = 1;
export const syncIntervalMsMax = 60_000;

/** Segments at which background compaction starts merging. */
export const compactionSegmentsTrigger = 8;

/** The most input bytes one compaction merges: its memory bound. */
export const compactionInputBytesMax = 512 * 1024 * 1024;

/**
 * A segment file is written and fsynced in pieces of this size ("bytes per sync", as RocksDB
 * calls it): a compaction's output written whole and fsynced once left hundreds of MB dirty in
 * the page cache, and WAL fsyncs issued meanwhile waited for the disk to take it all.
 */
export const segmentWriteSyncBytes = 8 * 1024 * 1024;

/** Rows merged between yields to the event loop, so that compaction never blocks reads or writes. */
export const compactionSliceRowsMax = 65_536;

/** Rows in one Arrow record batch inside a segment file. */
export const segmentBatchRowsMax = 1_048_576;

/** Default and largest page of a range query. */
export const rangeLimitDefault = 10_000;
export const rangeLimitMax = 1_000_000;

/** Non-empty buckets one aggregate query may return; more is an error, never a silent truncation. */
export const aggregateBucketsMax = 100_000;

/**
 * Rows per precomputed aggregate block of a segment's series run (count, compensated sum, min,
 * max). 1024 rows keep the summaries at 32 bytes per 1024 points while leaving at most two
 * partial blocks (under 2048 rows) to scan at the edges of a range.
 */
export const aggregateBlockPointsMax = 1024;

/** Manifest size bound: it lists segments, not series, so this is generous. */
export const manifestBytesMax = 16 * 1024 * 1024;

/** Bytes of a WAL tail scanned for a valid record after a bad one, to tell a torn tail from mid-log corruption. */
export const walCorruptionScanBytesMax = walSegmentBytesMax;

/**
 * Problems (and, separately, warnings) one `omendb check` report lists: a directory damaged
 * everywhere still gives a report a person can read and a bounded amount of memory; the last
 * entry counts the ones left out.
 */
export const checkProblemsMax = 1000;

/**
 * RMI leaves are cut where keys stray more than this many positions from one line. 32 keeps
 * windows to a few cache lines while regular data still gets about N/1000 leaves or fewer: at
 * 10M keys fewer, longer leaves beat many short ones because the leaf table must stay in cache.
 */
export const rmiLeafErrorTarget = 32;
/** The most leaves one index builds; past it the error target doubles until the leaves fit. */
export const rmiLeavesMax = 1 << 20;

// The HTTP server.

/** Request bodies past this many bytes get 413: a 100k-point JSON batch is about 3 MiB. */
export const httpBodyBytesDefault = 16 * 1024 * 1024;
export const httpBodyBytesMax = 256 * 1024 * 1024;
/** Points per HTTP write: the engine's batch limit (a larger batch gets its documented 413). */
export const httpPointsPerRequestMax = writeBatchPointsMax;
/** In-flight requests get this long to finish at shutdown before connections are cut. */
export const shutdownGraceMsDefault = 10_000;
export const shutdownGraceMsMax = 300_000;
/** Tokens live 15 minutes by default (the session timeout), never more than a day. */
export const tokenTtlSecondsDefault = 15 * 60;
export const tokenTtlSecondsMax = 24 * 60 * 60;
/** Clock skew tolerated for a token's iat: a token issued further in the future is rejected. */
export const tokenClockSkewSeconds = 5;
/** Failed authentications from one client within the window before it gets 429. */
export const authFailuresMax = 10;
export const authFailureWindowMs = 60_000;
/** Clients tracked by the rate limiter; the oldest entry is dropped past this (memory stays bounded). */
export const authClientsTrackedMax = 10_000;
/**
 * Verified credentials (a hash of the header, never the password) kept so that Basic auth does
 * not pay scrypt per request; bounded, and dropped whenever the users file changes.
 */
export const credentialCacheEntriesMax = 1024;
export const credentialCacheTtlMs = 60_000;
/** The users file: entries, bytes, and the sizes of names and passwords. */
export const usersMax = 1000;
export const usersFileBytesMax = 1024 * 1024;
export const userNameLengthMax = 64;
export const passwordLengthMin = 12;
export const passwordLengthMax = 1024;
/** How often the server looks at the users file's mtime, to see changes made by `omendb users`. */
export const usersReloadIntervalMs = 1000;
/** The config file: larger is a mistake, not a config. */
export const configFileBytesMax = 64 * 1024;
/** Requests per error-rate window in /health (a ring of per-second counters). */
export const healthErrorWindowSeconds = 60;

// Hardening of untrusted Arrow input and of segment reads (issue: hostile Arrow bodies).
/**
 * Record batches in one Arrow IPC input or segment file (stream messages, or file footer
 * blocks). Each batch costs a chunk object and a header parse: 10,000 lets a client send 1M
 * points in batches of 100 rows, and keeps a body of empty batches to a few milliseconds of
 * work. A segment holds one batch per segmentBatchRowsMax rows, far below this.
 */
export const arrowIpcRecordBatchesMax = 10_000;
/**
 * Messages read from one Arrow IPC stream: the schema and the record batches. Any other message
 * (a dictionary batch, a second schema, a tensor) is refused before it is decoded.
 */
export const arrowIpcMessagesMax = arrowIpcRecordBatchesMax + 1;

// Hardening of authentication against exhaustion (issue: concurrent failed logins, lockout).

/**
 * Failed password checks for one user name within authFailureWindowMs, from any address, before
 * that name's uncached Basic logins get 429: it caps guessing at one account from many addresses.
 * Five addresses' worth (5 x authFailuresMax), so that locking a name out of new logins costs an
 * attacker several addresses; the name's cached credentials and tokens keep working meanwhile.
 */
export const authFailuresPerUserMax = 50;
/** User names tracked by the rate limiter; the oldest entry is dropped past this (bounded memory). */
export const authUsersTrackedMax = 10_000;
/**
 * scrypt hashes running at once (logins that miss the credential cache), at most. They run on
 * libuv's thread pool (4 threads by default), where the WAL's writes and fsyncs also run: two
 * hashes leave the other threads to file-system work. hash-slots.ts lowers it further to keep
 * libuvThreadsForFsMin threads and cpuCoresForEventLoopMin cores free (one hash on two cores).
 * Logins past this get 429 OMENDB_ERR_AUTH_BUSY at once, before hashing.
 */
export const passwordHashesInFlightMax = 2;
/**
 * libuv threads kept free of password hashes for file-system work, whatever UV_THREADPOOL_SIZE
 * says: with a smaller pool, fewer hashes run at once (but always at least one).
 */
export const libuvThreadsForFsMin = 2;
/**
 * CPU cores kept free of password hashes for the event loop: a hash is a core's work for a third
 * of a second, so on two cores one hash runs at a time and requests that need no hash (tokens,
 * verified credentials, writes) keep a core (but always at least one hash may run).
 */
export const cpuCoresForEventLoopMin = 1;
/** What a login refused with AUTH_BUSY is told to wait: one hash takes a fraction of a second. */
export const authBusyRetryAfterSeconds = 1;
/**
 * Bounds on the scrypt parameters a stored hash may ask for, so that a hostile users file cannot
 * make one login cost gigabytes or minutes, nor pass with a trivial hash. Memory is 128 x N x r
 * bytes: from the 8 MiB of OWASP's cheapest recommendation (N=2^13, r=8, p=10) to the 128 MiB of
 * its N=2^17, r=8. Work is N x r x p: at least the first cost this server wrote (N=2^15, r=8,
 * p=1; weaker hashes do not verify), at most twice OWASP's 2^17 x 8 x 1 (a fraction of a second).
 */
export const passwordScryptMemoryBytesMin = 8 * 1024 * 1024;
export const passwordScryptMemoryBytesMax = 128 * 1024 * 1024;
export const passwordScryptWorkMin = 2 ** 15 * 8;
export const passwordScryptWorkMax = 2 * 2 ** 17 * 8;
/** Salt bytes of a stored hash: at least the 16 this server writes (NIST SP 800-63B: 32 bits or more). */
export const passwordSaltBytesMin = 16;
export const passwordSaltBytesMax = 64;

// Hardening of connections: timeouts, connection cap, Host checks (issue: slow clients, DNS rebinding).

/**
 * A whole request, headers and body, must arrive within this (--request-timeout-ms) or it gets
 * 408 and its connection is closed: a client trickling a body no longer holds a socket forever.
 * 60 s still carries the default 16 MiB body at under 300 KB/s.
 */
export const httpRequestTimeoutMsDefault = 60_000;
/**
 * The headers must arrive within this (--headers-timeout-ms): they are small, so it is shorter.
 * It also bounds how long a connection may stay silent before its first request.
 */
export const httpHeadersTimeoutMsDefault = 10_000;
/** An idle keep-alive connection is closed after this (--keep-alive-timeout-ms); Node's own default. */
export const httpKeepAliveTimeoutMsDefault = 5_000;
/** Bounds of the three timeouts above; 0 (never) is deliberately not accepted. */
export const httpTimeoutMsMin = 100;
export const httpTimeoutMsMax = 600_000;
/**
 * Node checks the request and headers timers on an interval (30 s by default, far later than the
 * timeouts themselves): a quarter of the headers timeout, within these bounds, so that a timeout
 * fires at most this late and the check stays cheap.
 */
export const httpTimeoutCheckIntervalMsMin = 25;
export const httpTimeoutCheckIntervalMsMax = 1_000;
/**
 * Open connections (--connections-max); past it a new connection is closed at once while the
 * open ones keep being served. Each costs a file descriptor: Node raises the soft open-file limit
 * to the hard one, and 4096 stays well under common hard limits with room for the engine's files.
 */
export const httpConnectionsDefault = 4096;
export const httpConnectionsMax = 1_000_000;
/** While the cap turns connections away, one warning per this interval rather than one per connection. */
export const httpConnectionDropLogIntervalMs = 10_000;
/** Request line and headers (Node's maxHeaderSize, stated so it is one named limit); more gets 431. */
export const httpHeaderBytesMax = 16 * 1024;

// Users-file changes serialized in and across processes (issue: lost user updates).
/**
 * How long a users-file change waits for the lock held by another process (or another store in
 * this one) before it fails with OMENDB_ERR_USERS_BUSY. A holder keeps it for one read, one
 * write and a few fsyncs (milliseconds: passwords are hashed before the lock is taken), so 5 s
 * is only reached when a holder is stuck, never in normal contention.
 */
export const usersLockWaitMsMax = 5000;
/**
 * Pause before the second attempt to take a held users-file lock, doubling up to the max: short
 * against a lock held for milliseconds, while a waiter on a stuck lock makes about 60 attempts
 * (each writes and fsyncs a small candidate file) rather than 500.
 */
export const usersLockRetryMs = 10;
export const usersLockRetryMsMax = 100;
/**
 * The shortest --jwt-secret accepted, in UTF-8 bytes: HS256's key should be at least as long as
 * its 256-bit hash, and a short secret can be recovered offline from a single token.
 */
export const jwtSecretBytesMin = 32;

// Backup and restore (issue 12, item 3).
/**
 * Files one backup may hold (MANIFEST plus the sealed segments): compaction keeps a live database
 * to a few dozen segments, so a backup stream or BACKUP.json listing more is refused as damaged
 * rather than believed.
 */
export const backupFilesMax = 100_000;
/** Total bytes one backup may hold; the online route refuses a larger database with OMENDB_ERR_BACKUP_TOO_LARGE. */
export const backupBytesMax = 2 ** 40;
/** The JSON header line of a backup stream, and BACKUP.json: about 100 bytes per file at backupFilesMax. */
export const backupHeaderBytesMax = 16 * 1024 * 1024;
/** Bytes read, checksummed and written at a time when a backup or a restore copies a file. */
export const backupCopyChunkBytes = 1024 * 1024;
/**
 * How long the online backup route may take to stream one backup: compaction is held off while it
 * runs, so a client that stops reading must not hold it off for ever.
 */
export const backupStreamMsMax = 60 * 60 * 1000;
/** omendb backup --url gives up (OMENDB_ERR_BACKUP_UNAVAILABLE) when the server sends nothing for this long. */
export const backupClientIdleMsMax = 60_000;
/** An error answer omendb backup --url reads to find its registry code; more is not read. */
export const backupClientErrorBytesMax = 64 * 1024;

// The metrics of /metrics.
/**
 * Period of the timer behind nodejs_eventloop_lag_* (prom-client's monitorEventLoopDelay). Each
 * sample is the time between two of its callbacks, so an idle loop reads about this period: at
 * prom-client's default of 10 ms an idle loop reads p50 10.1 ms and a figure of 20 ms is a delay
 * of 10 ms. At 1 ms the figure is the delay plus about 1 ms; the timer is libuv's, in C++, so
 * its thousand wakeups a second cost no JavaScript.
 */
export const eventLoopMonitoringPrecisionMs = 1;

/**
 * V8's heap growing factor for `omendb serve`, as a percentage (V8's flag --heap-growing-percent:
 * after a mark-compact, the old generation may grow by this share of what survived before the next
 * one starts). Why: the server's JavaScript heap is small (about 16 MB live; the data lives in
 * ArrayBuffers), so V8's own factor leaves about 24 MB of room, less than its young generation
 * holds, and V8 then starts incremental marking again as soon as one ends: under sustained ingest
 * here a mark-compact every 100 ms (about 270 in a 25 s soak at 1M points/s), 10 to 15% of the
 * event loop. At 300% (a 64 MB old-generation limit for that heap) it was 51 to 57 in the same
 * soak, and 0.8 to 1.3 per thousand 1,000-point POSTs against 4.5 to 7.5 (heap-tuning.test.ts).
 * An operator's own --heap-growing-percent on the node command line wins.
 */
export const serverHeapGrowingPercent = 300;

// Flushes and compactions off the event loop (issue 12, item 1: the segment worker).
/**
 * Segment jobs (flushes, compactions) posted to an engine's worker thread and not yet answered;
 * a further job waits for a slot. An engine runs at most one flush and one compaction at a time
 * (each under its own lock), so 2 never makes a caller wait; the bound keeps a bug from queueing
 * unbounded copies of memtables.
 */
export const flushWorkerQueueJobsMax = 2;
/**
 * Jobs over at most this many points run on the event loop: sorting, encoding, checking and
 * indexing them takes about 1 ms here, less than starting a worker or the message round trip.
 */
export const segmentJobInThreadPointsMax = 16_384;
/**
 * Points copied from a frozen memtable for the worker between yields to the event loop: 256 Ki
 * points are 4 MiB of memcpy, about a millisecond; a whole full memtable would be 30 to 50 ms.
 */
export const segmentJobSnapshotSlicePointsMax = 262_144;

// Index models of opened segments built in the segment worker (issue 12: no stall on the first read).
/**
 * Index model jobs (the models of an opened segment's runs, built in the segment worker) out at a
 * time per engine. One: a job is an optimisation that lookups never wait for (they binary search
 * meanwhile), so it is posted only while the worker has no flush or compaction out, and a flush
 * or compaction posted after it waits for at most this one job. Further requests are merged per
 * segment (one entry per run, at most once each) and posted one after another.
 */
export const indexModelJobsInFlightMax = 1;

// The event loop under ingest (issue 12, item 1: memtable growth without copies).
/**
 * A memtable series whose columns outgrow this many points moves them to growable shared buffers
 * that grow in place: before, doubling a 2 Mi-point series copied 32 MiB and allocated 64 MiB in
 * one go on the event loop (a 30 to 40 ms stall and a major GC, once per flush cycle). Shared, so
 * that a flush hands them to the segment worker without a copy either.
 */
export const memtableGrowInPlacePointsMin = 65_536;
/**
 * Points a series' growable columns reserve address space for (64 MiB per column, no memory
 * until used): a series of a full memtable with its flush backlog (memtableBytesMax times
 * memtableFlushBacklogFactor over 24 bytes a point, 5.6 Mi points by default) grows in place;
 * past it, one copy into a reservation of four times the new capacity.
 */
export const memtableSeriesReservePointsMax = 8 * 1024 * 1024;

// Sustained ingest on a small machine (issue 12, item 1: the segment worker's CPU priority).
/**
 * Nice level of the segment worker thread (Linux; 19 is the lowest priority): flushes and
 * compactions run on the CPU the event loop and the clients leave. At nice 0, on 2 cores under a
 * 1M points/s soak, each compaction (3 to 4 s of worker CPU every 15 s) took a core from the event
 * loop and the client: write p99 898 to 961 ms; at 19, 555 ms. A starved worker cannot let memory
 * grow: writers wait for memtable room (memtableFlushBacklogFactor), the event loop idles, the
 * worker runs.
 */
export const segmentWorkerNiceLevel = 19;
