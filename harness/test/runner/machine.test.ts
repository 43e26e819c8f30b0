import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitCommit, machineFacts } from '../../src/runner/machine.ts';

describe('machine facts and git commit', () => {
  it('describes the machine', () => {
    const facts = machineFacts();
    expect(facts.cores).toBeGreaterThanOrEqual(1);
    expect(facts.memoryBytes).toBeGreaterThan(0);
    expect(facts.nodeVersion).toBe(process.version);
    expect(facts.platform).toBe(process.platform);
  });

  it('finds the commit of this checkout, and null outside any', async () => {
    expect(await gitCommit()).toMatch(/^[0-9a-f]{40}$/);
    const dir = await mkdtemp(join(tmpdir(), 'omendb-no-git-'));
    try {
      expect(await gitCommit(dir)).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
