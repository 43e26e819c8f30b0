import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { scaleSampleIntervalMs, scaleSamplesPerPhaseMax } from '../../limits.ts';
import type { ResourceProbe, ResourceSample } from '../resource-probe.ts';

/**
 * Samples a ResourceProbe every scaleSampleIntervalMs while one phase of a shape runs (ingest,
 * queries, restart, verification) and keeps only the peaks, so its memory does not grow with the
 * run. Resource figures are real time by nature: it sleeps on real timers, not the run's clock.
 * It samples once when started and once when stopped, so even a short phase has two samples.
 */

export interface PhasePeaks {
  readonly samples: number;
  /** The largest of the kernel's RSS high-water marks read (VmHWM, or maxRSS in process). */
  readonly peakRssBytes: number | null;
  /** The largest RSS sampled (a lower bound of the true peak, which the kernel's mark is). */
  readonly sampledRssMaxBytes: number | null;
  readonly peakHeapBytes: number | null;
  readonly openFdsMax: number | null;
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

export class PhaseSampler {
  private samples = 0;
  private peakRss: number | null = null;
  private sampledRss: number | null = null;
  private peakHeap: number | null = null;
  private fds: number | null = null;
  private stopping = false;
  private readonly loop: Promise<void>;
  private readonly wake = new AbortController();

  constructor(
    private readonly probe: ResourceProbe,
    private readonly intervalMs = scaleSampleIntervalMs,
  ) {
    this.loop = this.run();
  }

  /** Takes the last sample and returns the phase's peaks. */
  async stop(): Promise<PhasePeaks> {
    this.stopping = true;
    this.wake.abort();
    await this.loop;
    await this.take();
    return {
      samples: this.samples,
      peakRssBytes: this.peakRss,
      sampledRssMaxBytes: this.sampledRss,
      peakHeapBytes: this.peakHeap,
      openFdsMax: this.fds,
    };
  }

  private async run(): Promise<void> {
    // Bounded in count; stop() ends it at once by aborting the sleep.
    for (let n = 0; n < scaleSamplesPerPhaseMax - 1 && !this.stopping; n++) {
      await this.take();
      await sleep(this.intervalMs, undefined, { signal: this.wake.signal }).catch(() => undefined);
    }
  }

  private async take(): Promise<void> {
    this.add(await this.probe.sample());
  }

  private add(sample: ResourceSample): void {
    this.samples++;
    this.peakRss = maxOf(this.peakRss, sample.peakRssBytes);
    this.sampledRss = maxOf(this.sampledRss, sample.rssBytes);
    this.peakHeap = maxOf(this.peakHeap, sample.heapUsedBytes);
    this.fds = maxOf(this.fds, sample.openFds);
  }
}

/** Peaks of several phases together. */
export function combinePeaks(phases: readonly PhasePeaks[]): PhasePeaks {
  return phases.reduce<PhasePeaks>(
    (a, b) => ({
      samples: a.samples + b.samples,
      peakRssBytes: maxOf(a.peakRssBytes, b.peakRssBytes),
      sampledRssMaxBytes: maxOf(a.sampledRssMaxBytes, b.sampledRssMaxBytes),
      peakHeapBytes: maxOf(a.peakHeapBytes, b.peakHeapBytes),
      openFdsMax: maxOf(a.openFdsMax, b.openFdsMax),
    }),
    { samples: 0, peakRssBytes: null, sampledRssMaxBytes: null, peakHeapBytes: null, openFdsMax: null },
  );
}

/**
 * Resets the kernel's RSS high-water mark of a process to its current RSS (Linux: `5` written to
 * /proc/<pid>/clear_refs), so a shape's peak is its own and not an earlier shape's in the same
 * process. False where that is not possible (not Linux, not permitted): the peak then covers the
 * process's whole life, and the metrics say so.
 */
export async function resetPeakRss(pid: number | 'self'): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
