import type { ModelOp, SimFileSystem, WorkloadTarget } from '@omendb/engine';
import { OmenDbError } from '@omendb/engine';
import type { EngineAdapter } from '../adapter.ts';
import type { EngineState } from '../history/history.ts';

/**
 * What crash-power-loss needs of an adapter beyond the contract: the simulated file system of the
 * machine it runs on (to arm a crash at an I/O step and inject I/O errors), and compact() when it
 * has one. The embedded adapter over SimFileSystem has both; a wrapper around it must forward them.
 */

interface SimulatedAdapter {
  simFileSystem(): SimFileSystem;
}

interface CompactingAdapter {
  compact(): Promise<void>;
}

export function simFileSystemOf(adapter: EngineAdapter): SimFileSystem {
  const candidate = adapter as unknown as Partial<SimulatedAdapter>;
  if (!adapter.capabilities.simulatedPowerLoss || typeof candidate.simFileSystem !== 'function')
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_CAPABILITY',
      'crash-power-loss needs an adapter over the simulated file system, with simFileSystem()',
    );
  return candidate.simFileSystem();
}

/** The operations of a workload target, as `onRejected` names them. */
export type TargetOperation = 'write' | 'deleteRange' | 'dropSeries' | 'checkpoint' | 'compact';

/** The adapter as a crash workload's target; `onRejected` sees every refused operation's error. */
export function workloadTargetOf(
  adapter: EngineAdapter,
  onRejected?: (operation: TargetOperation, error: unknown) => void,
): WorkloadTarget {
  const observe = <T>(operation: TargetOperation, promise: Promise<T>): Promise<T> =>
    onRejected === undefined
      ? promise
      : promise.catch((error: unknown) => {
          onRejected(operation, error);
          throw error;
        });
  const candidate = adapter as unknown as Partial<CompactingAdapter>;
  const compact = typeof candidate.compact === 'function' ? candidate.compact.bind(adapter) : undefined;
  return {
    write: (series, points) => observe('write', adapter.write(series, points)),
    deleteRange: (series, from, to) => observe('deleteRange', adapter.deleteRange(series, from, to)),
    dropSeries: (series) => observe('dropSeries', adapter.dropSeries(series)),
    checkpoint: () =>
      adapter.capabilities.checkpoint ? observe('checkpoint', adapter.checkpoint()) : Promise.resolve(),
    ...(compact === undefined ? {} : { compact: () => observe('compact', compact()) }),
  };
}

/** A state as the operations that build it from empty (one put per series), for matchingPrefix. */
export function stateAsOps(state: EngineState): ModelOp[] {
  const ops: ModelOp[] = [];
  for (const [series, points] of state)
    if (points.size > 0) ops.push({ kind: 'put', series, points: [...points] });
  return ops;
}
