import { describe, expect, it } from 'vitest';
import { sqliteDefaults } from '../../../src/adapters/sqlite/options.ts';

describe('sqliteDefaults', () => {
  it('fsyncs every commit (synchronous FULL), as OmenDB does under sync commit', () => {
    expect(sqliteDefaults.synchronous).toBe('FULL');
    expect(sqliteDefaults.fileName).toMatch(/\.sqlite$/);
  });
});
