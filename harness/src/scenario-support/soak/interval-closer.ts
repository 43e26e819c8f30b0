import { formatDuration } from '../../runner/duration.ts';
import type { ScenarioContext } from '../../runner/scenario.ts';
import type { ResourceProbe } from '../resource-probe.ts';
import type { IntervalLogWriter, SoakIntervalLine } from './interval-log.ts';
import type { IntervalFigures } from './interval-stats.ts';
import type { LoopIntervalCounts } from './open-loop.ts';

/**
 * Turns each ended interval into its line: the loop's counts and the operations' figures, taken
 * at the interval's end, then a resource sample (heap after a forced GC in process, disk usage),
 * appended to the interval file and shown as progress. The sampling runs behind the loop, one
 * interval at a time, so a slow metrics scrape never holds up the operations being sent; a
 * failure stops the run (failed() turns true) and is rethrown by flushed().
 */
export class IntervalCloser {
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly ctx: Pick<ScenarioContext, 'progress'>,
    private readonly probe: ResourceProbe,
    private readonly log: IntervalLogWriter,
    private readonly durationMs: number,
  ) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  ended(counts: LoopIntervalCounts, figures: IntervalFigures): void {
    this.chain = this.chain
      .then(() => this.close(counts, figures))
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
  }

  /** Waits for every interval line; rethrows the first failure. */
  async flushed(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure.error;
  }

  private async close(counts: LoopIntervalCounts, figures: IntervalFigures): Promise<void> {
    if (this.failure !== undefined) return;
    const sample = await this.probe.sample({ gc: true });
    const disk = await this.probe.diskUsage();
    const seconds = (counts.tEndMs - counts.tStartMs) / 1000;
    const line: SoakIntervalLine = {
      type: 'interval',
      ...counts,
      achievedRate: seconds > 0 ? Math.round((counts.completed / seconds) * 1000) / 1000 : 0,
      ...figures,
      rssBytes: sample.rssBytes,
      peakRssBytes: sample.peakRssBytes,
      heapUsedBytes: sample.heapUsedBytes,
      heapAfterGc: sample.heapAfterGc,
      eventLoopDelayP99Ms: sample.eventLoopDelayP99Ms,
      openFds: sample.openFds,
      walBytes: disk?.walBytes ?? null,
      dataBytes: disk?.dataBytes ?? null,
    };
    await this.log.append(line);
    this.ctx.progress(counts.tEndMs, this.durationMs, progressNote(line, this.durationMs));
  }
}

/** `elapsed 10m remaining 20m rate 399.8/s p99 3.2 ms rss 85 MB backlog 0`. */
export function progressNote(line: SoakIntervalLine, durationMs: number): string {
  const rss = line.rssBytes === null ? 'n/a' : `${Math.round(line.rssBytes / 1024 / 1024)} MB`;
  return [
    `elapsed ${formatDuration(line.tEndMs)} remaining ${formatDuration(durationMs - line.tEndMs)}`,
    `rate ${line.achievedRate.toFixed(1)}/s p99 ${line.latencyMs.p99} ms rss ${rss} backlog ${line.backlog}`,
  ].join(' ');
}
