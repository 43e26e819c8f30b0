import { describe, expect, it } from 'vitest';
import {
  backupCommandExistsFact,
  checkBackupCommands,
} from '../../../src/readiness/static-facts/backup-command-exists.ts';
import { repoRoot } from './fixture-repo.ts';

describe('checkBackupCommands', () => {
  it('passes when the usage lists backup and restore', () => {
    const help =
      'omendb serve --data DIR\nomendb backup --data DIR --to F\nomendb restore --from F --data DIR';
    expect(checkBackupCommands(help)).toMatchObject({ value: 100, pass: true });
  });

  it('fails when either is missing, naming it', () => {
    const result = checkBackupCommands('omendb serve\nomendb backup --to F');
    expect(result).toMatchObject({ value: 0, pass: false });
    expect(result.detail).toContain('no restore');
    expect(checkBackupCommands('nothing').detail).toContain('it lists: none');
  });
});

describe('backupCommandExistsFact', () => {
  it('passes on the repository: omendb --help lists backup and restore', async () => {
    const result = await backupCommandExistsFact.evaluate({ repoRoot, runDirs: [] });
    expect(result).toMatchObject({ value: 100, pass: true });
  });
});
