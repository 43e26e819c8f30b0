import type { EngineState } from './engine-state.ts';
import type { EngineStats, IndexStats } from './engine-types.ts';

/** Engine.stats(): sizes, positions and counters read from the shared state, at this instant. */
export function engineStats(state: EngineState): EngineStats {
  let memtablePoints = 0;
  for (const memtable of [state.active, state.frozen]) {
    for (const table of memtable?.series.values() ?? []) memtablePoints += table.length;
  }
  return {
    sync: state.options.sync,
    series: state.liveSeries.size,
    memtablePoints,
    memtableBytes: state.active.bytes + (state.frozen?.bytes ?? 0),
    segments: state.segments.length,
    segmentPoints: state.segments.reduce((sum, s) => sum + s.points, 0),
    segmentBytes: state.segments.reduce((sum, s) => sum + s.record.bytes, 0),
    walBytesWritten: state.wal?.bytesWritten ?? 0,
    walFile: state.wal?.currentFile ?? '',
    lastSeq: state.appliedSeq.toString(),
    checkpointSeq: state.manifest.checkpointSeq.toString(),
    ...state.counters,
    failed: state.failure?.code ?? null,
    recovery: state.recoveryStats,
    index: indexStats(state),
  };
}

function indexStats(state: EngineState): IndexStats {
  const total: IndexStats = {
    kind: state.options.index,
    runs: 0,
    keys: 0,
    leaves: 0,
    windowMean: 0,
    windowMax: 0,
    bytes: 0,
    pendingKeys: 0,
    modelFailures: 0,
  };
  for (const segment of state.segments) {
    for (const stats of segment.indexStats()) {
      total.runs++;
      total.windowMean += stats.windowMean * stats.keys;
      total.keys += stats.keys;
      total.leaves += stats.leaves;
      total.windowMax = Math.max(total.windowMax, stats.windowMax);
      total.bytes += stats.bytes;
      total.pendingKeys += stats.pendingKeys ?? 0;
      total.modelFailures += stats.modelFailures ?? 0;
    }
  }
  if (total.keys > 0) total.windowMean /= total.keys;
  return total;
}
