import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exitCodes, main } from '../../src/cli/main.ts';
import { openEngine } from '../../src/engine.ts';

/** The CLI in this process (the end-to-end tests spawn it): exit codes and output per command. */
describe('omendb main', () => {
  let dir: string;
  let out: string;
  let err: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omendb-cli-main-'));
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints usage: exit 2 with no command, 0 for help, 2 for an unknown command', async () => {
    expect(await main([], {})).toBe(exitCodes.usage);
    expect(out).toContain('omendb serve');
    expect(await main(['help'], {})).toBe(exitCodes.ok);
    expect(await main(['frobnicate'], {})).toBe(exitCodes.usage);
    expect(err).toContain('unknown command');
  });

  it('manages users: add, list, passwd, remove, with codes for mistakes', async () => {
    const env = { OMENDB_USER_PASSWORD: 'a-long-enough-password' };
    expect(await main(['users', 'add', 'ann', '--role', 'reader', '--data', dir], env)).toBe(0);
    expect(await main(['users', 'add', 'bob', '--role=monitor', '--data', dir], env)).toBe(0);
    out = '';
    expect(await main(['users', 'list', '--data', dir], {})).toBe(0);
    expect(out).toBe('ann\treader\nbob\tmonitor\n');
    expect(await main(['users', 'passwd', 'ann', '--data', dir], env)).toBe(0);
    expect(await main(['users', 'remove', 'bob', '--data', dir], {})).toBe(0);
    expect(await main(['users', 'add', 'ann', '--role', 'reader', '--data', dir], env)).toBe(
      exitCodes.failure,
    );
    expect(err).toContain('OMENDB_ERR_USERS_EXISTS');
    expect(await main(['users', 'add', 'cid', '--role', 'root', '--data', dir], env)).toBe(exitCodes.usage);
    expect(err).toContain('OMENDB_ERR_USERS_INVALID');
    expect(await main(['users', 'add', '--role', 'reader', '--data', dir], env)).toBe(exitCodes.usage);
    expect(await main(['users', 'passwd', '--data', dir], env)).toBe(exitCodes.usage);
    expect(await main(['users', 'remove', '--data', dir], env)).toBe(exitCodes.usage);
    expect(await main(['users', 'list'], {})).toBe(exitCodes.usage);
    expect(await main(['users', 'list', '--data', dir, '--port', '1'], {})).toBe(exitCodes.usage);
    expect(await main(['users', 'explode', '--data', dir], {})).toBe(exitCodes.usage);
    expect(err).toContain('OMENDB_ERR_CONFIG_INVALID');
  });

  it('checks a directory: 0 when clean, 3 when locked, 2 without --data', async () => {
    const engine = await openEngine({ dir });
    await engine.write('s', [[1, 1]]);
    expect(await main(['check', '--data', dir], {})).toBe(exitCodes.locked);
    expect(err).toContain('OMENDB_ERR_DIR_LOCKED');
    await engine.close();
    out = '';
    expect(await main(['check', '--data', dir], {})).toBe(exitCodes.ok);
    expect(JSON.parse(out).ok).toBe(true);
    expect(await main(['check'], {})).toBe(exitCodes.usage);
  });

  it('refuses to serve without users or with a bad option, before listening', async () => {
    expect(await main(['serve', '--data', dir, '--port', '0'], {})).toBe(exitCodes.usage);
    expect(err).toContain('OMENDB_ERR_CONFIG_NO_USERS');
    expect(await main(['serve', '--data', dir, '--port', '70000'], {})).toBe(exitCodes.usage);
    expect(await main(['serve', '--data', dir, '--auth', 'off', '--host', '0.0.0.0'], {})).toBe(
      exitCodes.usage,
    );
    expect(err).toContain('OMENDB_ERR_CONFIG_AUTH_OFF_NOT_LOOPBACK');
    const env = { OMENDB_ADMIN_PASSWORD: 'a-long-enough-password' };
    const missing = join(dir, 'missing.pem');
    expect(
      await main(['serve', '--data', dir, '--port', '0', '--tls-cert', missing, '--tls-key', missing], env),
    ).toBe(exitCodes.usage);
    expect(err).toContain('OMENDB_ERR_CONFIG_INVALID');
  });
});
