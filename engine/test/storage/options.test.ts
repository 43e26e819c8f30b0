import { describe, expect, it } from 'vitest';
import { isOmenDbError } from '../../src/errors.ts';
import { SimFileSystem } from '../../src/fs/sim-file-system.ts';
import {
  compactionSegmentsTrigger,
  memtableBytesMax,
  syncIntervalMsDefault,
  syncIntervalMsMax,
  syncIntervalMsMin,
} from '../../src/limits.ts';
import { silentLogger, stderrLogger } from '../../src/storage/logger.ts';
import { type EngineOptions, resolveOptions, silentObserver } from '../../src/storage/options.ts';

function rejected(options: unknown): { code: string; option: unknown } | undefined {
  try {
    resolveOptions(options as EngineOptions);
  } catch (error) {
    if (!isOmenDbError(error)) throw error;
    return { code: error.code, option: error.details?.option };
  }
  return undefined;
}

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveOptions({ dir: '/data' })).toEqual({
      dir: '/data',
      sync: 'commit',
      syncIntervalMs: syncIntervalMsDefault,
      recovery: 'strict',
      index: 'rmi',
      logger: stderrLogger,
      observer: silentObserver,
      memtableBytesMax,
      compactionSegmentsTrigger,
      autoMaintenance: true,
    });
  });

  it('keeps every valid option', () => {
    const valid = {
      dir: 'relative/dir',
      sync: 'interval',
      syncIntervalMs: 250,
      recovery: 'truncate',
      index: 'binary',
      logger: silentLogger,
      observer: { walFsync() {}, groupCommit() {} },
      memtableBytesMax: 4096,
      compactionSegmentsTrigger: 3,
      autoMaintenance: false,
    } satisfies EngineOptions;
    // Every option comes back as given, except the file system, which is not part of the result.
    expect(resolveOptions({ ...valid, fs: new SimFileSystem() })).toEqual(valid);
    expect(resolveOptions({ dir: '/d', sync: 'none' }).sync).toBe('none');
    expect(resolveOptions({ dir: '/d', sync: 'commit' }).sync).toBe('commit');
    expect(resolveOptions({ dir: '/d', recovery: 'strict' }).recovery).toBe('strict');
    expect(resolveOptions({ dir: '/d', autoMaintenance: true }).autoMaintenance).toBe(true);
  });

  it('accepts the bounds of every integer option', () => {
    const bounds = [
      ['syncIntervalMs', syncIntervalMsMin],
      ['syncIntervalMs', syncIntervalMsMax],
      ['memtableBytesMax', 1],
      ['memtableBytesMax', memtableBytesMax],
      ['compactionSegmentsTrigger', 2],
      ['compactionSegmentsTrigger', 1_000_000],
    ] as const;
    for (const [option, value] of bounds) {
      expect(resolveOptions({ dir: '/d', [option]: value })[option], `${option} ${value}`).toBe(value);
    }
  });

  it('strips trailing slashes from dir, keeping the root', () => {
    expect(resolveOptions({ dir: '/data/' }).dir).toBe('/data');
    expect(resolveOptions({ dir: '/data///' }).dir).toBe('/data');
    expect(resolveOptions({ dir: '/' }).dir).toBe('/');
    expect(resolveOptions({ dir: '///' }).dir).toBe('/');
    expect(resolveOptions({ dir: 'db' }).dir).toBe('db');
  });

  it.each([
    ['undefined', undefined, 'options'],
    ['null', null, 'options'],
    ['a string', '/data', 'options'],
    ['no dir', {}, 'dir'],
    ['an empty dir', { dir: '' }, 'dir'],
    ['a numeric dir', { dir: 1 }, 'dir'],
    ['a non-boolean autoMaintenance', { dir: '/d', autoMaintenance: 'yes' }, 'autoMaintenance'],
    ['a numeric autoMaintenance', { dir: '/d', autoMaintenance: 1 }, 'autoMaintenance'],
    ['an unknown sync mode', { dir: '/d', sync: 'always' }, 'sync'],
    ['a non-string sync mode', { dir: '/d', sync: true }, 'sync'],
    ['a sync mode in the wrong case', { dir: '/d', sync: 'Commit' }, 'sync'],
    [
      'syncIntervalMs below the minimum',
      { dir: '/d', syncIntervalMs: syncIntervalMsMin - 1 },
      'syncIntervalMs',
    ],
    [
      'syncIntervalMs above the maximum',
      { dir: '/d', syncIntervalMs: syncIntervalMsMax + 1 },
      'syncIntervalMs',
    ],
    ['a fractional syncIntervalMs', { dir: '/d', syncIntervalMs: 1.5 }, 'syncIntervalMs'],
    ['a NaN syncIntervalMs', { dir: '/d', syncIntervalMs: Number.NaN }, 'syncIntervalMs'],
    ['a string syncIntervalMs', { dir: '/d', syncIntervalMs: '100' }, 'syncIntervalMs'],
    ['an unknown recovery mode', { dir: '/d', recovery: 'repair' }, 'recovery'],
    ['an unknown index', { dir: '/d', index: 'btree' }, 'index'],
    ['memtableBytesMax of 0', { dir: '/d', memtableBytesMax: 0 }, 'memtableBytesMax'],
    [
      'memtableBytesMax above the limit',
      { dir: '/d', memtableBytesMax: memtableBytesMax + 1 },
      'memtableBytesMax',
    ],
    ['a bigint memtableBytesMax', { dir: '/d', memtableBytesMax: 10n }, 'memtableBytesMax'],
    [
      'compactionSegmentsTrigger of 1',
      { dir: '/d', compactionSegmentsTrigger: 1 },
      'compactionSegmentsTrigger',
    ],
    [
      'compactionSegmentsTrigger above 1,000,000',
      { dir: '/d', compactionSegmentsTrigger: 1_000_001 },
      'compactionSegmentsTrigger',
    ],
    [
      'an infinite compactionSegmentsTrigger',
      { dir: '/d', compactionSegmentsTrigger: Infinity },
      'compactionSegmentsTrigger',
    ],
  ])('rejects %s with OMENDB_ERR_INPUT_OPTIONS', (_label, options, option) => {
    expect(rejected(options)).toEqual({ code: 'OMENDB_ERR_INPUT_OPTIONS', option });
  });
});
