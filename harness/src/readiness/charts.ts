import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readIntervalLog } from '../scenario-support/soak/interval-log.ts';
import type { Evidence, FoundResult } from './evidence.ts';
import { asNumber, resolveMetricPath } from './metric-path.ts';
import type { ReadinessCharts } from './types.ts';

/**
 * The charts' series, taken from the evidence files: the soak's interval file (RSS, heap and p99
 * per interval), the scale run's ingest series (points/s per interval) and the crash scenarios'
 * counts. A file that is missing or unreadable gives no series (the chart says 'no data'); the
 * scores never depend on charts.
 */

const mebibyte = 1024 * 1024;

function evidenceFiles(found: FoundResult, pattern: RegExp): string[] {
  return found.result.evidence.filter((path) => pattern.test(path)).map((path) => join(found.baseDir, path));
}

function megabytes(bytes: number | null | undefined): number | null {
  return typeof bytes === 'number' ? Math.round((bytes / mebibyte) * 100) / 100 : null;
}

async function soakSeries(found: FoundResult): Promise<ReadinessCharts['soak']> {
  const series = [];
  for (const file of evidenceFiles(found, /(^|\/)intervals\.jsonl$/)) {
    const log = await readIntervalLog(file).catch(() => null);
    if (log === null) continue;
    series.push({
      adapter: found.result.engine.adapter,
      points: log.intervals.map((interval) => ({
        t: interval.tEndMs / 1000,
        rssMb: megabytes(interval.rssBytes),
        heapMb: megabytes(interval.heapUsedBytes),
        p99Ms: interval.latencyMs?.p99 ?? 0,
      })),
    });
  }
  return series;
}

async function scaleSeries(found: FoundResult): Promise<ReadinessCharts['scale']> {
  const series = [];
  for (const file of evidenceFiles(found, /(^|\/)ingest-[^/]+\.json$/)) {
    // A missing file and a torn one (JSON.parse throwing) alike give no series.
    const parsed = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as { shape?: unknown; series?: unknown })
      .catch(() => null);
    if (parsed === null || !Array.isArray(parsed.series)) continue;
    series.push({
      adapter: found.result.engine.adapter,
      shape: typeof parsed.shape === 'string' ? parsed.shape : 'unknown',
      points: (parsed.series as { tSec?: unknown; pointsPerSec?: unknown }[])
        .filter((p) => typeof p.tSec === 'number' && typeof p.pointsPerSec === 'number')
        .map((p) => ({ t: p.tSec as number, pointsPerSec: p.pointsPerSec as number })),
    });
  }
  return series;
}

/** The count each crash scenario reports, by metric: kills, power losses, damages applied. */
const crashCounts: readonly {
  scenario: string;
  label: string;
  count: (metrics: unknown) => number | null;
}[] = [
  { scenario: 'crash-kill', label: 'kills', count: (m) => asNumber(resolveMetricPath(m, 'kills')) },
  {
    scenario: 'crash-power-loss',
    label: 'power losses',
    count: (m) => asNumber(resolveMetricPath(m, 'crashPoints')),
  },
  {
    scenario: 'corruption',
    label: 'damages applied',
    count: (m) => {
      const damages = resolveMetricPath(m, 'damages');
      if (typeof damages !== 'object' || damages === null) return null;
      return Object.values(damages).reduce<number>((sum, n) => sum + (asNumber(n) ?? 0), 0);
    },
  },
];

function crashes(evidence: Evidence): ReadinessCharts['crashes'] {
  const bars = [];
  for (const { scenario, label, count } of crashCounts)
    for (const found of evidence.results.filter((f) => f.result.scenario === scenario)) {
      const value = count(found.result.metrics);
      if (value !== null)
        bars.push({ label: `${scenario} (${found.result.engine.adapter}): ${label}`, count: value });
    }
  return bars;
}

export async function buildCharts(evidence: Evidence): Promise<ReadinessCharts> {
  const soak = [];
  const scale = [];
  for (const found of evidence.results) {
    if (found.result.scenario === 'soak') soak.push(...(await soakSeries(found)));
    if (found.result.scenario === 'scale') scale.push(...(await scaleSeries(found)));
  }
  return { soak, scale, crashes: crashes(evidence) };
}
