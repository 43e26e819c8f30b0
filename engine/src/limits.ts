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
