import type { Scenario } from '@omendb/harness';
import { soakParamSpecs } from '../harness/src/scenario-support/soak/soak-params.ts';
import { runSoak } from '../harness/src/scenario-support/soak/soak-run.ts';

/**
 * soak: a mixed open-loop workload (writes, point reads, range scans, bucketed aggregates,
 * deletes past retention) at a constant target rate for a duration (60s in ci, 30m nightly, 24h
 * in release), on any adapter. Latency runs from each operation's intended send time, so stalls
 * are not hidden; a backlog is reported, never absorbed by lowering the rate. Every interval
 * appends a line to intervals.jsonl as it goes (rate, latency percentiles and histogram, errors
 * by code, RSS and heap, event-loop delay, open files, WAL and data bytes), so a run cut short
 * still has its report (`omendb-harness report-soak DIR`). The verdicts: memory leak (slope of
 * RSS and heap after warm-up, with R²), latency drift (late p99 over early p99), error rate,
 * achieved rate, read mismatches, and set-full verification of the data at the end.
 */
export const soak: Scenario = {
  name: 'soak',
  category: 'stability',
  description:
    'A mixed open-loop workload at a constant rate for a duration (60s ci, 30m nightly, 24h release), one line of figures per interval in intervals.jsonl; verdicts on memory leak (slope and R²), latency drift, error rate, achieved rate, read mismatches and set-full verification',
  requires: [],
  params: soakParamSpecs,
  run: runSoak,
};
