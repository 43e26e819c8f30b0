import { isOmenDbError, type WorkloadTarget } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../src/adapters/model/adapter.ts';
import { simFileSystemOf, stateAsOps, workloadTargetOf } from '../../src/scenario-support/sim-adapter.ts';
import { openSimEngine, SimWrapper } from './sim-wrappers.ts';

describe('sim adapter helpers', () => {
  it('finds the simulated file system, or says the adapter has none', async () => {
    const adapter = await openSimEngine();
    expect(simFileSystemOf(adapter)).toBe(adapter.simFileSystem());
    await adapter.close();
    const error = (() => {
      try {
        simFileSystemOf(new ModelAdapter());
      } catch (e) {
        return e;
      }
    })();
    expect(isOmenDbError(error, 'OMENDB_ERR_HARNESS_CAPABILITY')).toBe(true);
  });

  it('drives an adapter as a workload target and reports every refusal by operation', async () => {
    const adapter = await openSimEngine();
    const refused: string[] = [];
    const target: WorkloadTarget = workloadTargetOf(adapter, (operation) => refused.push(operation));
    await target.write('s', [[1n, 1]]);
    await target.deleteRange('s', 5n, 6n);
    await target.checkpoint();
    await target.compact?.();
    await target.dropSeries('t');
    expect(await adapter.get('s', 1n)).toBe(1);
    await adapter.close();
    await expect(target.write('s', [[2n, 2]])).rejects.toThrow();
    await expect(target.deleteRange('s', 1n, 2n)).rejects.toThrow();
    await expect(target.dropSeries('s')).rejects.toThrow();
    await expect(target.checkpoint()).rejects.toThrow();
    await expect(target.compact?.()).rejects.toThrow();
    expect(refused).toEqual(['write', 'deleteRange', 'dropSeries', 'checkpoint', 'compact']);
  });

  it('has no compact for an adapter without one, and skips checkpoint without the capability', async () => {
    const wrapper = new SimWrapper();
    expect(workloadTargetOf(wrapper).compact).toBeUndefined();
    const model = new ModelAdapter();
    Object.defineProperty(model, 'capabilities', { value: { ...model.capabilities, checkpoint: false } });
    await expect(workloadTargetOf(model).checkpoint()).resolves.toBeUndefined();
  });

  it('turns a state into the puts that build it', () => {
    const ops = stateAsOps(
      new Map([
        ['a', new Map([[1n, 1]])],
        ['empty', new Map()],
      ]),
    );
    expect(ops).toEqual([{ kind: 'put', series: 'a', points: [[1n, 1]] }]);
  });
});
