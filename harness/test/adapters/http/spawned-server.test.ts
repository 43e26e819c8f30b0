import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkSpawnOptions,
  SpawnedServer,
  type SyncMode,
} from '../../../src/adapters/http/spawned-server.ts';

let parentDir: string;

beforeAll(async () => {
  parentDir = await mkdtemp(join(tmpdir(), 'omendb-spawned-'));
});

afterAll(async () => {
  await rm(parentDir, { recursive: true, force: true });
});

async function ready(url: string): Promise<number | string> {
  try {
    return (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) })).status;
  } catch (error) {
    return (error as Error).name;
  }
}

const usage = expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_USAGE' });

describe('SpawnedServer', () => {
  it('runs over its own directory, keeps its port across restarts and kills, and removes the directory', async () => {
    const server = await SpawnedServer.start({ parentDir });
    try {
      expect(server.dir.startsWith(parentDir)).toBe(true);
      expect(server.dataDir).toBe(join(server.dir, 'data'));
      expect((await stat(server.dataDir)).mode & 0o777).toBe(0o700);
      expect(server.logPath).toBe(join(server.dir, 'server.log'));
      expect(server.sync).toBe('commit');
      expect(server.ca).toBeUndefined();
      // The admin password was made up for this server, never a constant.
      const credentials = server.session.credentials;
      expect(credentials).toMatchObject({ kind: 'password', user: 'admin' });
      expect(credentials.kind === 'password' && credentials.password.length).toBe(32);
      const url = server.url;
      expect(await ready(url)).toBe(200);

      await server.restart();
      expect(server.url).toBe(url);
      expect(await ready(url)).toBe(200);

      await server.kill();
      expect(server.isUp).toBe(false);
      expect(server.pid).toBeUndefined();
      expect(server.url).toBe(url);
      expect(await ready(url)).toBe('TypeError');
      await server.ensureRunning();
      expect(server.url).toBe(url);

      server.pause();
      expect(server.state).toBe('paused');
      await server.ensureRunning();
      expect(server.state).toBe('running');
      server.pause();
      server.resume();
      await server.ensureRunning();
      expect(await ready(url)).toBe(200);
      expect(server.pid).toBeGreaterThan(0);

      // Someone takes the port while the server is down: it comes back on another one.
      await server.kill();
      const squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(Number(new URL(url).port), '127.0.0.1', resolve));
      try {
        await server.restart();
        expect(server.url).not.toBe(url);
        expect(await ready(server.url)).toBe(200);
      } finally {
        await new Promise((resolve) => squatter.close(resolve));
      }
      // The log holds what the server said (warnings and errors at the default level).
      expect(existsSync(server.logPath)).toBe(true);
    } finally {
      await server.dispose();
    }
    expect(existsSync(server.dir)).toBe(false);
  });

  it('keeps its directory when asked, with the log where it was asked to be', async () => {
    const logPath = join(parentDir, 'kept.log');
    const server = await SpawnedServer.start({
      parentDir,
      logPath,
      keepDir: true,
      sync: 'interval',
      logLevel: 'info',
      serveArgs: ['--sync-interval-ms', '50'],
    });
    await server.dispose();
    expect(existsSync(join(server.dir, 'data'))).toBe(true);
    const log = await readFile(logPath, 'utf8');
    expect(log).toContain('"syncIntervalMs":50');
    expect(log).toContain('recovery finished');
  });

  it('passes no inherited OMENDB_* variable to the server, only the ones given in env', async () => {
    // The suite's environment sets OMENDB_PASSWORD_HASH_COST (vitest.config.ts): not inherited.
    expect(process.env.OMENDB_PASSWORD_HASH_COST).toBe('32768,8,1');
    const adminHash = async (server: SpawnedServer) =>
      (
        JSON.parse(await readFile(join(server.dataDir, 'server', 'users.json'), 'utf8')) as {
          users: { passwordHash: string }[];
        }
      ).users[0]!.passwordHash;
    const plain = await SpawnedServer.start({ parentDir });
    try {
      expect(await adminHash(plain)).toMatch(/^scrypt\$65536\$8\$2\$/);
    } finally {
      await plain.dispose();
    }
    const given = await SpawnedServer.start({ parentDir, env: { OMENDB_PASSWORD_HASH_COST: '32768,8,1' } });
    try {
      expect(await adminHash(given)).toMatch(/^scrypt\$32768\$8\$1\$/);
    } finally {
      await given.dispose();
    }
  });

  it('removes its directory when the server does not start, and reports its code', async () => {
    const before = await readdir(parentDir);
    await expect(
      SpawnedServer.start({ parentDir, serveArgs: ['--sync-interval-ms', 'soon'] }),
    ).rejects.toThrow(expect.objectContaining({ code: 'OMENDB_ERR_CONFIG_INVALID' }));
    expect(await readdir(parentDir)).toEqual(before);
  });
});

describe('checkSpawnOptions', () => {
  it('keeps the flags the adapter owns out of serveArgs, and checks the sync mode', () => {
    for (const flag of ['--port', '--data=/x', '--host', '--auth', '--tls-cert', '--tls-key', '--config'])
      expect(() => checkSpawnOptions({ serveArgs: [flag, 'x'] })).toThrow(usage);
    expect(() => checkSpawnOptions({ sync: 'sometimes' as SyncMode })).toThrow(usage);
    expect(() => checkSpawnOptions({ sync: 'none', serveArgs: ['--index', 'binary'] })).not.toThrow();
  });
});
