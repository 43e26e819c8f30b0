import { createPrng } from '@omendb/engine';
import { describe, expect, it } from 'vitest';
import type { EngineAdapter } from '../../src/adapter.ts';
import { type IoFaultKind, ioFaultKinds, runIoFaultCase } from '../../src/scenario-support/io-fault-case.ts';
import { ViolationTally } from '../../src/scenario-support/violations.ts';
import {
  ForgetsOnReopen,
  InventsOnReopen,
  openSimEngine,
  opened,
  PlainErrors,
  RestartFails,
  SwallowsWriteErrors,
  WrongSimFileSystem,
} from './sim-wrappers.ts';

async function runCase(adapter: EngineAdapter, kind: IoFaultKind, seed: number) {
  const violations = new ViolationTally();
  const outcome = await runIoFaultCase(adapter, kind, createPrng(seed), violations);
  await adapter.close().catch(() => undefined);
  return { outcome, violations: violations.byKind(), examples: violations.examples() };
}

describe('I/O fault case', () => {
  it('the engine refuses writes after ENOSPC or EIO and keeps every acknowledged one', async () => {
    for (const kind of ioFaultKinds) {
      for (let seed = 1; seed <= 6; seed++) {
        const result = await runCase(await openSimEngine(), kind, seed);
        expect(result).toEqual({ outcome: 'passed', violations: {}, examples: [] });
      }
    }
  });

  it('says so when the fault was never reached', async () => {
    const result = await runCase(await opened(new WrongSimFileSystem()), 'eio-fsync', 1);
    expect(result.outcome).toBe('not-reached');
  });

  it('finds a write acknowledged after the fault', async () => {
    const result = await runCase(await opened(new SwallowsWriteErrors()), 'enospc-write', 2);
    expect(result.outcome).toBe('failed');
    expect(result.violations['write-accepted-after-fault']).toBe(1);
  });

  it('finds refusals without the engine code', async () => {
    const result = await runCase(await opened(new PlainErrors()), 'eio-fsync', 3);
    expect(result.outcome).toBe('failed');
    expect(result.violations['fault-wrong-code']).toBe(1);
  });

  it('finds an engine that does not come back after the fault', async () => {
    const result = await runCase(await opened(new RestartFails()), 'enospc-write', 4);
    expect(result.outcome).toBe('failed');
    expect(result.violations).toEqual({ 'fault-reopen-failed': 1 });
  });

  it('finds acknowledged writes lost, or a state no prefix leaves, after the engine comes back', async () => {
    for (const seed of [5, 6]) {
      const forgot = await runCase(await opened(new ForgetsOnReopen()), 'enospc-write', seed);
      expect(forgot.outcome).toBe('failed');
      expect(forgot.violations).toEqual({ 'fault-lost-acknowledged': 1 });
      const invented = await runCase(await opened(new InventsOnReopen()), 'eio-fsync', seed);
      expect(invented.outcome).toBe('failed');
      expect(invented.violations).toEqual({ 'fault-inconsistent-state': 1 });
    }
  });
});
