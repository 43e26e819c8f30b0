import { describe, expect, it } from 'vitest';
import type { ResourceProbe, ResourceSample } from '../../../src/scenario-support/resource-probe.ts';
import {
  combinePeaks,
  PhaseSampler,
  resetPeakRss,
} from '../../../src/scenario-support/scale/resource-sampler.ts';

/** A probe whose samples are given: each call returns the next one, the last one forever after. */
function scriptedProbe(samples: readonly Partial<ResourceSample>[]): {
  probe: ResourceProbe;
  calls: () => number;
} {
  let n = 0;
  const probe = {
    sample: async (): Promise<ResourceSample> => {
      const given = samples[Math.min(n++, samples.length - 1)]!;
      return {
        rssBytes: null,
        peakRssBytes: null,
        heapUsedBytes: null,
        heapAfterGc: false,
        openFds: null,
        eventLoopDelayP99Ms: null,
        ...given,
      };
    },
  } as unknown as ResourceProbe;
  return { probe, calls: () => n };
}

describe('the phase sampler', () => {
  it('samples until stopped and keeps the peaks only', async () => {
    const { probe, calls } = scriptedProbe([
      { rssBytes: 10, peakRssBytes: 12, heapUsedBytes: 5, openFds: 3 },
      { rssBytes: 30, peakRssBytes: 31, heapUsedBytes: 2, openFds: 9 },
      { rssBytes: 20, peakRssBytes: 31, heapUsedBytes: 7, openFds: 4 },
    ]);
    const sampler = new PhaseSampler(probe, 2);
    await new Promise((resolve) => setTimeout(resolve, 40));
    const peaks = await sampler.stop();
    expect(peaks.samples).toBe(calls());
    expect(peaks.samples).toBeGreaterThanOrEqual(3);
    expect(peaks).toMatchObject({
      peakRssBytes: 31,
      sampledRssMaxBytes: 30,
      peakHeapBytes: 7,
      openFdsMax: 9,
    });
  });

  it('takes a sample at start and at stop even for a phase shorter than its interval', async () => {
    const { probe } = scriptedProbe([{ rssBytes: 1 }, { rssBytes: 2 }]);
    const peaks = await new PhaseSampler(probe, 60_000).stop();
    expect(peaks.samples).toBe(2);
    expect(peaks.sampledRssMaxBytes).toBe(2);
    expect(peaks.peakRssBytes).toBeNull();
  });

  it('combines the peaks of phases, a null only where every phase had one', () => {
    const combined = combinePeaks([
      { samples: 2, peakRssBytes: 5, sampledRssMaxBytes: null, peakHeapBytes: 1, openFdsMax: null },
      { samples: 3, peakRssBytes: 9, sampledRssMaxBytes: null, peakHeapBytes: null, openFdsMax: null },
    ]);
    expect(combined).toEqual({
      samples: 5,
      peakRssBytes: 9,
      sampledRssMaxBytes: null,
      peakHeapBytes: 1,
      openFdsMax: null,
    });
  });
});

describe('the RSS high-water mark reset', () => {
  it('resets this process on Linux, and says false for a process that is not there', async () => {
    const linux = process.platform === 'linux';
    expect(await resetPeakRss('self')).toBe(linux);
    // Above the largest pid Linux hands out (2^22).
    expect(await resetPeakRss(2 ** 22 + 1)).toBe(false);
  });
});
