/**
 * Every bound of the harness: queues, batches, loops and timeouts, each a named constant with its
 * unit last. Each area appends its own section under a comment naming it.
 */

// ---------------------------------------------------------------- http adapter
/** How long one HTTP request may take before its outcome is declared unknown (unavailable). */
export const httpRequestTimeoutMsDefault = 10_000;
/** Concurrent sockets per adapter to one server. */
export const httpSocketsMax = 64;
/** An idle keep-alive socket is closed by the client after this, before the server's 5 s would. */
export const httpIdleSocketMs = 4_000;
/** The largest response body the adapter buffers (a range page of rangeLimitMax points fits). */
export const httpResponseBytesMax = 256 * 1024 * 1024;
/** The body limit a spawned server is given, so that a full writeBatchPointsMax JSON batch fits. */
export const httpServerBodyLimitBytes = 128 * 1024 * 1024;
/** How long a spawned server may take to print `omendb listening on URL`. */
export const serverStartTimeoutMs = 30_000;
/** How long a SIGTERMed server may take to exit (its own grace is 10 s) before SIGKILL. */
export const serverStopWaitMs = 15_000;
/** How long a SIGKILLed server may take to be reaped. */
export const serverKillWaitMs = 5_000;
/** A token is renewed when less than this remains of its lifetime. */
export const tokenRefreshMarginMs = 60_000;
/** Attempts to get a token while the server answers 429 OMENDB_ERR_AUTH_BUSY (password hashes running). */
export const tokenAttemptsMax = 10;
/** Pause between two token attempts after a 429. */
export const tokenRetryDelayMs = 250;
/** Random bytes of a spawned server's admin password (base64url, so 32 characters). */
export const adminPasswordBytes = 24;
/**
 * Batch lengths whose Arrow write body is kept as a template (arrow-write-templates.ts): a load
 * writes one or a few lengths; past this the cache starts over rather than grow.
 */
export const arrowWriteTemplatesMax = 16;
/**
 * Points of the largest batch that gets a template (16 bytes a point, so 1 MiB; 16 MiB for all of
 * them): a bigger batch is rare and costs more per point than apache-arrow's own work per batch.
 */
export const arrowWriteTemplatePointsMax = 65_536;

// ---------------------------------------------------------------- histories, checkers, runner, cli
/** A write batch with more points than this is stored in the history file as count + sha256. */
export const historyInlinePointsMax = 64;
/** Completed entries buffered in memory before the history file is appended to. */
export const historyBufferEntriesMax = 1_024;
/** The buffered history is also flushed this often, so a killed harness loses little. */
export const historyFlushIntervalMs = 1_000;
/** Two events recorded in order are at least this far apart, so happened-before is exact. */
export const historyEventGapMs = 0.001;
/** Violations each checker keeps as examples for the result (the counts are always complete). */
export const checkerExamplesMax = 10;
/** Points per page when the final state is read back. */
export const readStatePageLimit = 10_000;
/** Pages read per series before readState gives up (10^9 points at the page limit above). */
export const readStatePagesMax = 100_000;
/** Interval between two progress lines when stdout is not a terminal. */
export const progressLineIntervalMs = 5_000;
/** Interval between two redraws of the live progress bar on a terminal. */
export const progressBarRedrawMs = 100;
/** Width of the live progress bar. */
export const progressBarWidthChars = 30;
/** A progress note is cut to this length. */
export const progressNoteCharsMax = 80;
/** Latency recorders one scenario may create (each is an HdrHistogram). */
export const latencyRecordersMax = 64;
/** Significant decimal digits the latency histograms keep. */
export const latencySignificantDigits = 3;
/** How long `git rev-parse HEAD` may take before the result says the commit is unknown. */
export const gitRevParseTimeoutMs = 5_000;
/** --param arguments on one command line. */
export const cliParamsMax = 64;
/** Scenario names on one command line. */
export const cliScenariosMax = 32;
/** Characters of an error message kept in a crashed scenario's result. */
export const resultErrorMessageCharsMax = 2_000;

// ---------------------------------------------------------------- in-process adapters, conformance suite
/** A batch of at least this many points goes to the embedded engine through writeColumns, its bulk path. */
export const embeddedColumnarBatchPointsMin = 1_024;
/** Pages the conformance suite reads of one range before it declares the pagination endless. */
export const conformancePagesMax = 10_000;

// ---------------------------------------------------------------- durability scenarios (crash-power-loss, corruption, crash-kill)
/** The page a zeroed-page damage wipes: the usual file-system and SSD page size. */
export const corruptionPageBytes = 4_096;
/** Fixture of the corruption scenario: batches written before each of its two checkpoints. */
export const corruptionSegmentBatches = 6;
/** Points per batch flushed into the fixture's segments (enough for several 4 KiB pages per segment). */
export const corruptionSegmentBatchPoints = 120;
/** Batches the fixture leaves only in its WAL (acknowledged, not yet checkpointed). */
export const corruptionWalBatches = 24;
/** Points per WAL-only batch. */
export const corruptionWalBatchPoints = 20;
/** How long one `omendb check` process may run before it is killed and counted as a failure. */
export const checkCommandTimeoutMs = 60_000;
/** Bytes of a check report kept from stdout (the JSON report of a small directory is a few KiB). */
export const checkCommandOutputBytesMax = 1024 * 1024;
/** `omendb check` processes running at once while the corruption scenario goes on with its next cases. */
export const checkCommandConcurrency = 2;
/** A corruption run stops damaging after this long (the damages-applied check then fails). */
export const corruptionRunMsMax = 3 * 60 * 60 * 1000;
/** Violations each durability scenario lists as examples in its result and evidence (counts are complete). */
export const durabilityExamplesMax = 20;
/** Crash points run one after another on one engine (each recovers from the last) before a fresh one. */
export const powerLossCrashesPerChain = 25;
/** Rounds of a power-loss workload: at least this many ... */
export const powerLossRoundsMin = 6;
/** ... plus up to this many more (the engine's own crash test uses the same sizes). */
export const powerLossRoundsSpread = 10;
/** Share of crash points that cut the power inside a clean restart (close, then recovery) instead of a workload. */
export const powerLossRestartCrashShare = 0.125;
/** First guess of I/O calls per workload step, before a full run has been measured. */
export const powerLossOpsPerStepInitial = 12;
/** First guess of I/O calls of a clean restart, before one has been measured. */
export const powerLossRestartOpsInitial = 40;
/** A power-loss run stops drawing crash points after this long (the crash-point check then fails). */
export const powerLossRunMsMax = 3 * 60 * 60 * 1000;
/** An I/O fault case lets up to this many matching I/O calls through before the fault hits. */
export const ioFaultSkipMax = 24;
/** Writes an I/O fault case adds, one at a time, when its workload ended before the fault was reached. */
export const ioFaultDriveWritesMax = 64;
/** The memtable of `--engine embedded-sim`: tiny, so that every small workload flushes (the engine's own crash test uses it). */
export const simEngineMemtableBytes = 2_048;
/** The compaction trigger of `--engine embedded-sim`: low, so that every small workload compacts. */
export const simEngineCompactionSegmentsTrigger = 3;
/** A crash-kill client gives up waiting for an answer after this: the outcome is unknown (a paused server). */
export const crashKillOpDeadlineMs = 2_000;
/** After an unknown outcome a client waits this long before its next operation (the server may be down). */
export const crashKillBackoffMs = 50;
/** How long clients run before a kill, drawn between this ... */
export const crashKillRunWindowMsMin = 200;
/** ... and this. */
export const crashKillRunWindowMsMax = 1_200;
/** A paused trial holds the server stopped for between this ... */
export const crashKillPauseMsMin = 2_500;
/** ... and this, longer than crashKillOpDeadlineMs, so clients time out before the kill. */
export const crashKillPauseMsMax = 4_000;
/** Points of a batch of fresh keys: 1 to this many. */
export const crashKillBatchPointsMax = 40;
/** Earlier keys one overwrite batch writes again: 1 to this many. */
export const crashKillOverwritePointsMax = 10;
/** Keys one deleteRange covers: 1 to this many. */
export const crashKillDeleteSpanMax = 20;
/** Operations of one client in one run (a bound; the run ends long before it at the profile sizes). */
export const crashKillClientOpsMax = 1_000_000;
/** A crash-kill run stops its trials after this long (the kills check then fails). */
export const crashKillRunMsMax = 60 * 60 * 1000;

// ---------------------------------------------------------------- security scenario
/** How long one request of the security scenario may wait for its answer. */
export const securityRequestTimeoutMs = 10_000;
/** The largest response body the security scenario reads (a canary page, an OpenAPI document). */
export const securityResponseBytesMax = 8 * 1024 * 1024;
/** Chunk size of a body sent in chunks (the oversized chunked body). */
export const securityChunkBytes = 1024 * 1024;
/** Attempts to buy a token while the server answers 429 OMENDB_ERR_AUTH_BUSY (another hash running). */
export const securityTokenAttemptsMax = 20;
/** The longest wait between two token attempts, whatever retry-after says. */
export const securityTokenRetryWaitMsMax = 2_000;
/** Random bytes of a scenario user's password (base64url). */
export const securityUserPasswordBytes = 24;
/** Points in each of the fuzz bodies (the engine's fuzz test's default). */
export const securityFuzzBodyPoints = 3;
/** How long a raw connection of a probe may take to open. */
export const securityConnectTimeoutMs = 5_000;
/** Raw connections opened at once while a probe builds its flood. */
export const securityOpenBatchConnections = 100;
/** The body a slow POST announces (under the default body limit, so the server starts reading it). */
export const securitySlowAnnouncedBytes = 1_000_000;
/** A slow body sends one byte about this often (plus up to 200 ms, spread per connection). */
export const securitySlowTrickleMs = 900;
/** An unauthenticated slow body must be closed within this of its opening (Node's timer check, two shared cores). */
export const securitySlowCloseMsMax = 2_000;
/** The valid client of a probe reads at least this many times ... */
export const securityValidSamplesMin = 10;
/** ... at most this many ... */
export const securityValidSamplesMax = 2_000;
/** ... pausing this long between reads. */
export const securityValidIntervalMs = 20;
/** Concurrent writers of the hostile Arrow flood. */
export const securityArrowFloodWriters = 4;
/** Requests of the hostile Arrow flood, at most. */
export const securityArrowFloodRequestsMax = 5_000;
/** A probe's attack and its valid client stop after this long, whatever the parameters say. */
export const securityProbeWindowMsMax = 120_000;
/** Findings (wrong cells, failing cases) listed in the result; the counts are always complete. */
export const securityExamplesMax = 20;

// ---------------------------------------------------------------- resource probe (scale, soak)
/** How long one metrics scrape of a probe may take before the sample has nulls for it. */
export const metricsScrapeTimeoutMs = 5_000;
/** Entries of a data directory a disk walk reads at most (a 10M-point directory has a few hundred). */
export const diskWalkEntriesMax = 1_000_000;

// ---------------------------------------------------------------- scale scenario
/** Concurrent write calls (and verification reads) a scale shape keeps in flight, at most. */
export const scaleWritersMax = 64;
/** Intervals the chart-ready ingest series keeps; past it, neighbours merge and the interval doubles. */
export const scaleIngestIntervalsMax = 2_000;
/** A scale shape samples the engine's memory and descriptors this often while it runs. */
export const scaleSampleIntervalMs = 250;
/** Samples one phase takes at most (more than 69 hours at scaleSampleIntervalMs); then it stops sampling. */
export const scaleSamplesPerPhaseMax = 1_000_000;
/** Mismatches a scale shape lists as examples (the counts are always complete). */
export const scaleExamplesMax = 10;
/** Pages a range read may take beyond what the written points need, before it stops (an endless engine). */
export const scaleExtraPagesMax = 2;

// ---- soak
/** Operations one soak may plan (duration x rate): a bigger plan is a usage error before it starts. */
export const soakOpsMax = 1_000_000_000;
/** Operations of a soak in flight at once, at most (the bound of its inFlightMax parameter). */
export const soakInFlightMax = 1_024;
/** Highest target rate of a soak, in operations per second. */
export const soakRateMax = 10_000;
/**
 * While operations are in flight and none is due, the open loop yields this many times before it
 * sleeps until the next one is due: on an injected clock a sleep moves time for every operation,
 * so the ones that can finish at once must finish before it.
 */
export const soakSettleYields = 4;
/** A loop blocked by inFlightMax looks for a free slot this often. */
export const soakBlockedPollMs = 1;
/** After the duration, operations still in flight get this long to finish; the rest are abandoned. */
export const soakDrainMsMax = 30_000;
/** The drain looks for finished operations this often. */
export const soakDrainPollMs = 10;
/** Keys one range read or aggregate of the soak spans (also its page limit). */
export const soakReadSpanKeys = 100;
/** Keys per bucket of the soak's bucketed aggregates. */
export const soakAggregateBucketKeys = 10;
/** Entries the soak's pruned history holds at most; past it, the final verification is given up, saying so. */
export const soakHistoryEntriesMax = 1_000_000;
/** A window p99 below this counts as this in the drift ratio: sub-millisecond jitter is not drift. */
export const soakDriftFloorMs = 1;
/** Bytes of an interval file report-soak reads (24 h of 1 s intervals is about 150 MB). */
export const soakIntervalFileBytesMax = 1024 * 1024 * 1024;
/** Codes listed per interval in errorsByCode; the rest are summed under OTHER. */
export const soakErrorCodesMax = 32;
/** Numeric metrics `omendb-harness compare` lines up from one result, at most. */
export const compareMetricsMax = 100_000;
/** Nesting depth of a result's metrics that `compare` descends into. */
export const compareDepthMax = 16;

// ---- readiness gate
/** Bytes of a readiness.json, baseline or policy file the gate reads: a bigger file is a usage error. */
export const gateFileBytesMax = 64 * 1024 * 1024;
/** Categories a report, baseline or policy may hold for the gate (the policy has a dozen). */
export const gateCategoriesMax = 1_000;
/** Checks one category may hold for the gate. */
export const gateChecksPerCategoryMax = 10_000;
/** Characters of a check's detail the gate prints and writes into a JUnit failure; the rest is cut, saying so. */
export const gateDetailCharsMax = 2_000;

// ---- readiness static facts
/** Files a static fact reads while walking the test directories (engine/test, harness/test, scenarios/test), at most. */
export const staticFactFilesMax = 20_000;
/** Directory depth a static fact's walk descends to. */
export const staticFactDirDepthMax = 32;
/** Bytes of one file (README, docs page, test file, users file) or command output a static fact reads; past it, no evidence. */
export const staticFactFileBytesMax = 16 * 1024 * 1024;
/** How long `<bin> --help` may run for a static fact before it is killed. */
export const staticFactHelpMsMax = 30_000;
/** Offenders a fact's detail names; the rest are only counted. */
export const staticFactOffendersShown = 10;

// ---- readiness html
/** Points one chart series draws at most; a longer series (a 24 h soak) is thinned to every k-th point and its last. */
export const reportChartPointsMax = 2_000;
/** How long the browser check waits for headless Chromium to start. */
export const browserLaunchTimeoutMs = 30_000;
/** How long the browser check waits for readiness.html to load, and for each page action. */
export const browserPageTimeoutMs = 15_000;
/** Evidence links the browser check resolves at most; a page with more fails the check rather than skip some. */
export const browserLinksMax = 100_000;

// ---- readiness report
/** Directory entries the evidence walk of one report visits at most, over every --in directory. */
export const readinessWalkEntriesMax = 1_000_000;
/** Directory depth the evidence walk descends to under an --in directory, at most. */
export const readinessWalkDepthMax = 32;
/** A .json file bigger than this is not read as a scenario result, test results or benchmark (bytes). */
export const readinessJsonBytesMax = 256 * 1024 * 1024;
/** --in directories one report merges, at most. */
export const readinessInputsMax = 64;

// ---- coverage (run --coverage, module coverage, readiness run)
/** Raw V8 coverage files (one per process and thread) one run's conversion reads, at most. */
export const coverageRawFilesMax = 10_000;
/** Bytes of one raw V8 coverage file, at most (a harness process with every module loaded is ~5 MB). */
export const coverageRawFileBytesMax = 256 * 1024 * 1024;
/** Source files under the covered tree (engine/src) the conversion maps, at most. */
export const coverageSourceFilesMax = 5_000;
/** Bytes of a coverage-final.json module coverage reads, at most. */
export const coverageFinalBytesMax = 512 * 1024 * 1024;
/** Directory depth the source walk descends, at most. */
export const coverageSourceDepthMax = 16;
/** Highest n of `run --shard i/n`. */
export const shardCountMax = 1_000;
/** Milliseconds one step of the readiness run (the tests, one harness run, the report) may take. */
export const readinessStepTimeoutMs = 30 * 60 * 1000;

// ---- broken engines (canaries)
/** Sockets the grant-everything proxy opens to the real server behind it, at most. */
export const grantEverythingUpstreamSocketsMax = 64;

// ---------------------------------------------------------------- floor server and soak floor
/** The largest request body the floor server reads (a write of 1M points as JSON fits). */
export const floorServerBodyBytesMax = 64 * 1024 * 1024;
/** Rounds of a soak-floor run: each round is one soak against each contender. */
export const soakFloorRoundsMax = 20;
