import type { EngineAdapter } from '../../adapter.ts';
import { parseMetricSamples } from '../metric-samples.ts';

/**
 * The engine's own counters and gauges the scale scenario reports next to its own measurements
 * (points written, recovery duration, WAL records replayed), read from its Prometheus metrics.
 * Null when the adapter has no metrics; a missing metric is absent from the map.
 */

export const pointsWrittenMetric = 'omendb_points_written_total';
export const recoverySecondsMetric = 'omendb_recovery_duration_seconds';
export const recoveryReplayedMetric = 'omendb_recovery_replayed_records';

export async function engineGauges(adapter: EngineAdapter): Promise<Map<string, number> | null> {
  if (!adapter.capabilities.metrics) return null;
  return parseMetricSamples(await adapter.metrics());
}
