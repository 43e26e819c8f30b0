import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { eventLoopMonitoringPrecisionMs } from '../limits.ts';
import type { EngineStats } from '../storage/engine-types.ts';
import type { EngineObserver } from '../storage/options.ts';

export type QueryKind = 'get' | 'range' | 'aggregate';

/**
 * The server's Prometheus registry. Names start with omendb_ and end in their unit, as the
 * Prometheus naming conventions ask. Engine counters are read from stats() at scrape time (one
 * source of truth); durations and sizes that stats() cannot carry arrive through the engine's
 * observer as they happen.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly requestSeconds: Histogram<'route' | 'method' | 'status'>;
  private readonly queries: Counter<'kind'>;
  private readonly querySeconds: Histogram<'kind'>;
  private readonly fsyncSeconds: Histogram;
  private readonly groupCommitRecords: Histogram;

  /** One stats() reading shared by every collector of a scrape, instead of one per metric. */
  private scrapeStats: EngineStats | undefined;

  constructor(private readonly stats: () => EngineStats | undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({
      register: this.registry,
      eventLoopMonitoringPrecision: eventLoopMonitoringPrecisionMs,
    });
    this.requests = new Counter({
      name: 'omendb_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'omendb_http_request_duration_seconds',
      help: 'HTTP request duration from arrival to response, by route pattern, method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.queries = new Counter({
      name: 'omendb_queries_total',
      help: 'Engine queries run for HTTP requests, by kind (get, range, aggregate).',
      labelNames: ['kind'],
      registers,
    });
    this.querySeconds = new Histogram({
      name: 'omendb_query_duration_seconds',
      help: 'Engine query duration, by kind.',
      labelNames: ['kind'],
      buckets: [
        0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005, 0.025, 0.1, 0.5, 2.5,
      ],
      registers,
    });
    this.fsyncSeconds = new Histogram({
      name: 'omendb_wal_fsync_duration_seconds',
      help: 'Duration of WAL fsyncs.',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    this.groupCommitRecords = new Histogram({
      name: 'omendb_wal_group_commit_batches',
      help: 'Write batches per group commit (one WAL append and at most one fsync).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
      registers,
    });
    registerEngineStats(this.registry, () => this.scrapeStats);
  }

  readonly engineObserver: EngineObserver = {
    walFsync: (seconds) => this.fsyncSeconds.observe(seconds),
    groupCommit: (records) => this.groupCommitRecords.observe(records),
  };

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    const labels = { route, method, status: String(status) };
    this.requests.inc(labels);
    this.requestSeconds.observe(labels, seconds);
  }

  /** The text exposition of every metric, engine figures from one stats() reading. */
  async exposition(): Promise<string> {
    this.scrapeStats = this.stats();
    try {
      return await this.registry.metrics();
    } finally {
      this.scrapeStats = undefined;
    }
  }

  /** Runs one engine query and records its kind and duration. */
  async timeQuery<T>(kind: QueryKind, query: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const result = await query();
    this.queries.inc({ kind });
    this.querySeconds.observe({ kind }, Number(process.hrtime.bigint() - started) / 1e9);
    return result;
  }
}

type StatsReader = (stats: EngineStats) => number;

/** Counters and gauges whose values live in the engine's stats(), read when Prometheus scrapes. */
const engineCounters: readonly [string, string, StatsReader][] = [
  [
    'omendb_points_written_total',
    'Points written (acknowledged) since the engine opened.',
    (s) => s.pointsWritten,
  ],
  ['omendb_wal_appends_total', 'Write batches appended to the WAL since open.', (s) => s.writes],
  ['omendb_wal_group_commits_total', 'Group commits since open.', (s) => s.groupCommits],
  ['omendb_wal_fsyncs_total', 'WAL fsyncs since open.', (s) => s.fsyncs],
  ['omendb_wal_written_bytes_total', 'Bytes appended to the WAL since open.', (s) => s.walBytesWritten],
  ['omendb_flushes_total', 'Memtable flushes to segments (checkpoints) since open.', (s) => s.flushes],
  ['omendb_compactions_total', 'Compactions since open.', (s) => s.compactions],
  [
    'omendb_index_model_failures_total',
    'Series runs whose learned-index model job failed since open (they use binary search).',
    (s) => s.index.modelFailures,
  ],
];

const engineGauges: readonly [string, string, StatsReader][] = [
  ['omendb_series', 'Live series.', (s) => s.series],
  ['omendb_memtable_bytes', 'Bytes held by the memtables.', (s) => s.memtableBytes],
  ['omendb_memtable_points', 'Points held by the memtables.', (s) => s.memtablePoints],
  ['omendb_segments', 'Live segment files.', (s) => s.segments],
  ['omendb_segment_bytes', 'Bytes of live segment files.', (s) => s.segmentBytes],
  [
    'omendb_segment_points',
    'Points in live segments (before overwrites and deletes are merged away).',
    (s) => s.segmentPoints,
  ],
  [
    'omendb_recovery_duration_seconds',
    'Duration of the last open (WAL replay included).',
    (s) => s.recovery.durationMs / 1000,
  ],
  [
    'omendb_recovery_replayed_records',
    'WAL records replayed by the last open.',
    (s) => s.recovery.replayedRecords,
  ],
  ['omendb_index_keys', "Keys covered by the segments' key indexes.", (s) => s.index.keys],
  ['omendb_index_leaves', 'Leaf models of the learned indexes.', (s) => s.index.leaves],
  [
    'omendb_index_window_mean_positions',
    'Mean search window after a prediction, over all indexed keys.',
    (s) => s.index.windowMean,
  ],
  ['omendb_index_window_max_positions', 'Largest search window of any leaf.', (s) => s.index.windowMax],
  ['omendb_index_bytes', 'Bytes held by the key indexes.', (s) => s.index.bytes],
  [
    'omendb_index_pending_keys',
    'Keys of series runs whose learned model is not built yet (lookups binary search meanwhile).',
    (s) => s.index.pendingKeys,
  ],
  [
    'omendb_engine_failed',
    '1 when an I/O failure put the engine in its failed state, else 0.',
    (s) => (s.failed === null ? 0 : 1),
  ],
];

function registerEngineStats(registry: Registry, stats: () => EngineStats | undefined): void {
  for (const [name, help, read] of engineCounters) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const current = stats();
        if (current === undefined) return;
        // A counter cannot be set; the engine's count only grows, so reset and add it whole.
        this.reset();
        this.inc(read(current));
      },
    });
  }
  for (const [name, help, read] of engineGauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const current = stats();
        if (current !== undefined) this.set(read(current));
      },
    });
  }
}
