import { readdirSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { limits } from '@omendb/engine';
import type { EngineAdapter } from '../adapter.ts';
import { diskWalkEntriesMax, metricsScrapeTimeoutMs } from '../limits.ts';
import { parseMetricSamples } from './metric-samples.ts';

/**
 * What the engine's process costs, measured where the engine runs:
 * - in process (embedded, sqlite): process.memoryUsage(), resourceUsage().maxRSS, /proc/self/fd,
 *   monitorEventLoopDelay, and the heap after a forced GC when asked;
 * - a spawned server (the capability `process`): /proc/<pid>/status (VmRSS, VmHWM), /proc/<pid>/fd,
 *   and the server's own metrics for its heap and event-loop delay (no GC can be forced there);
 * - a remote server: its metrics only.
 * Disk figures come from walking adapter.dataDirectory() (capability `dataDirectory`): files
 * under a directory named `wal` or named like `*-wal`/`*.wal` are WAL bytes, the rest data bytes.
 * Every figure the probe cannot measure is null, never a guess.
 */

export type ProbeWhere = 'in-process' | 'spawned-process' | 'remote';

export interface ResourceSample {
  readonly rssBytes: number | null;
  /** The kernel's high-water mark of the process's RSS (VmHWM, or maxRSS in process). */
  readonly peakRssBytes: number | null;
  readonly heapUsedBytes: number | null;
  /** True when heapUsedBytes was read right after a full garbage collection. */
  readonly heapAfterGc: boolean;
  readonly openFds: number | null;
  /** The event loop's delay p99 since the previous sample (in process) or as the server reports it. */
  readonly eventLoopDelayP99Ms: number | null;
}

export interface DiskUsage {
  readonly walBytes: number;
  readonly dataBytes: number;
  readonly files: number;
}

/** /proc/<pid>/status VmRSS and the server's process_resident_memory_bytes, read back to back. */
export interface RssCrossCheck {
  readonly procRssBytes: number;
  readonly metricRssBytes: number;
  /** metric - proc. */
  readonly differenceBytes: number;
  /** |difference| / proc. */
  readonly differenceShare: number;
}

export interface SampleOptions {
  /** Force a full GC first (in process only) so the heap figure is what is retained. */
  readonly gc?: boolean;
}

let forcedGc: (() => void) | undefined;

/** global.gc without --expose-gc: the flag set at run time, the function taken from a fresh context. */
function fullGc(): void {
  if (forcedGc === undefined) {
    setFlagsFromString('--expose-gc');
    forcedGc = runInNewContext('gc') as () => void;
  }
  forcedGc();
}

export class ResourceProbe {
  readonly where: ProbeWhere;
  private readonly loopDelay: IntervalHistogram | undefined;

  constructor(private readonly adapter: EngineAdapter) {
    const { process: spawned, metrics } = adapter.capabilities;
    this.where = spawned ? 'spawned-process' : metrics && adapter.capabilities.http ? 'remote' : 'in-process';
    if (this.where === 'in-process') {
      // The server's own /metrics period, so that the embedded and http lanes read the same thing.
      this.loopDelay = monitorEventLoopDelay({ resolution: limits.eventLoopMonitoringPrecisionMs });
      this.loopDelay.enable();
    }
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.loopDelay?.disable();
  }

  async sample(options: SampleOptions = {}): Promise<ResourceSample> {
    if (this.where === 'in-process') return this.sampleSelf(options);
    const metrics = await this.scrape();
    const gauge = (name: string) => metrics?.get(name) ?? null;
    const lagSeconds = gauge('nodejs_eventloop_lag_p99_seconds');
    const heap = gauge('nodejs_heap_size_used_bytes');
    if (this.where === 'remote') {
      return {
        rssBytes: gauge('process_resident_memory_bytes'),
        peakRssBytes: null,
        heapUsedBytes: heap,
        heapAfterGc: false,
        openFds: gauge('process_open_fds'),
        eventLoopDelayP99Ms: lagSeconds === null ? null : lagSeconds * 1000,
      };
    }
    const pid = this.pid();
    const status = pid === null ? null : await procStatus(pid);
    return {
      rssBytes: status?.rssBytes ?? null,
      peakRssBytes: status?.peakRssBytes ?? null,
      heapUsedBytes: heap,
      heapAfterGc: false,
      openFds: pid === null ? null : await openFds(pid),
      eventLoopDelayP99Ms: lagSeconds === null ? null : lagSeconds * 1000,
    };
  }

  /** Null unless the engine is a spawned process with metrics. */
  async crossCheckRss(): Promise<RssCrossCheck | null> {
    if (this.where !== 'spawned-process' || !this.adapter.capabilities.metrics) return null;
    const pid = this.pid();
    if (pid === null) return null;
    const before = await procStatus(pid);
    const metrics = await this.scrape();
    const after = await procStatus(pid);
    const metric = metrics?.get('process_resident_memory_bytes');
    if (before === null || after === null || metric === undefined) return null;
    const procRssBytes = (before.rssBytes + after.rssBytes) / 2;
    const differenceBytes = metric - procRssBytes;
    return {
      procRssBytes,
      metricRssBytes: metric,
      differenceBytes,
      differenceShare: Math.abs(differenceBytes) / procRssBytes,
    };
  }

  /** Null when the adapter does not declare `dataDirectory`. */
  async diskUsage(): Promise<DiskUsage | null> {
    if (!this.adapter.capabilities.dataDirectory || !this.adapter.isOpen) return null;
    return walkDisk(this.adapter.dataDirectory());
  }

  private sampleSelf(options: SampleOptions): ResourceSample {
    if (options.gc === true) fullGc();
    const memory = process.memoryUsage();
    const delay = this.loopDelay;
    const p99 = delay === undefined || delay.count === 0 ? null : delay.percentile(99) / 1e6;
    delay?.reset();
    return {
      rssBytes: memory.rss,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      heapUsedBytes: memory.heapUsed,
      heapAfterGc: options.gc === true,
      openFds: openFdsSync('self'),
      eventLoopDelayP99Ms: p99,
    };
  }

  private pid(): number | null {
    try {
      return this.adapter.processInfo().pid;
    } catch {
      // Between a kill and a restart there is no process to measure.
      return null;
    }
  }

  private async scrape(): Promise<Map<string, number> | null> {
    if (!this.adapter.capabilities.metrics || !this.adapter.isOpen) return null;
    try {
      const text = await withTimeout(this.adapter.metrics(), metricsScrapeTimeoutMs);
      return parseMetricSamples(text);
    } catch {
      // A server that cannot answer its metrics now (paused, restarting) yields nulls, not a crash.
      return null;
    }
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface ProcStatus {
  readonly rssBytes: number;
  readonly peakRssBytes: number;
}

/** VmRSS and VmHWM of /proc/<pid>/status (kB there), or null when the process is gone or not Linux. */
export async function procStatus(pid: number | 'self'): Promise<ProcStatus | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match === null ? null : Number(match[1]) * 1024;
  };
  const rssBytes = kb('VmRSS');
  const peakRssBytes = kb('VmHWM');
  return rssBytes === null || peakRssBytes === null ? null : { rssBytes, peakRssBytes };
}

async function openFds(pid: number): Promise<number | null> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return null;
  }
}

function openFdsSync(pid: 'self'): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Bytes under a directory (or of a file), split into WAL and data by name. Bounded in entries. */
export async function walkDisk(root: string): Promise<DiskUsage> {
  let walBytes = 0;
  let dataBytes = 0;
  let files = 0;
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  if (entries.length > diskWalkEntriesMax)
    throw new Error(
      `OmenDB harness invariant violated: ${root} holds more than ${diskWalkEntriesMax} entries`,
    );
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      continue; // removed while walking (a compaction finished): it no longer costs anything.
    }
    files++;
    if (isWalPath(path.slice(root.length))) walBytes += size;
    else dataBytes += size;
  }
  return { walBytes, dataBytes, files };
}

/** A WAL file by its name: under a `wal` directory, or `*-wal`, `*.wal` (SQLite's is `db-wal`). */
export function isWalPath(relativePath: string): boolean {
  const parts = relativePath.split(/[\\/]/).filter((p) => p !== '');
  const name = parts.at(-1) ?? '';
  return parts.slice(0, -1).includes('wal') || /[-.]wal$/i.test(name);
}
