import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { configDefaults, type ServerConfig } from '../../src/server/server-config.ts';
import {
  preloadArrow,
  prepareUsers,
  type RunningServer,
  startServer,
} from '../../src/server/start-server.ts';
import { UsersStore } from '../../src/server/users-store.ts';
import { codeOf } from '../support/codes.ts';

/** startServer and prepareUsers in this process, listening on loopback only. */

const adminPassword = 'start-server-admin-pw';
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-start-`);
  dirs.push(dir);
  return dir;
}

function configFor(data: string, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...configDefaults, port: 0, logLevel: 'info', ...overrides, data };
}

/** A log stream whose JSON lines can be read back. */
function logCollector(): { stream: PassThrough; lines(): Record<string, unknown>[] } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

/** A directory whose users file already holds the user admin. */
async function dirWithAdmin(): Promise<string> {
  const dir = await tempDir();
  const users = await UsersStore.open(dir);
  await users.add('admin', 'admin', adminPassword);
  return dir;
}

describe('prepareUsers: OMENDB_ADMIN_PASSWORD once users exist', () => {
  const ignoredWarning = /OMENDB_ADMIN_PASSWORD is set but ignored/;

  it('warns that it is ignored, and changes no password', async () => {
    const dir = await dirWithAdmin();
    const before = (await UsersStore.open(dir)).get('admin');
    const warnings: string[] = [];
    const users = await prepareUsers(
      configFor(dir),
      { OMENDB_ADMIN_PASSWORD: 'a-different-password' },
      (message) => warnings.push(message),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(ignoredWarning);
    expect(warnings[0]).not.toContain('a-different-password');
    expect(users.get('admin')).toEqual(before);
  });

  it('warns with --auth off too, where it creates no user', async () => {
    const dir = await tempDir();
    const warnings: string[] = [];
    const users = await prepareUsers(
      configFor(dir, { auth: 'off' }),
      { OMENDB_ADMIN_PASSWORD: adminPassword },
      (message) => warnings.push(message),
    );
    expect(users.size).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(ignoredWarning);
  });

  it('refuses a bad OMENDB_PASSWORD_HASH_COST before it touches the users file', async () => {
    const fresh = await tempDir();
    const env = { OMENDB_ADMIN_PASSWORD: adminPassword, OMENDB_PASSWORD_HASH_COST: '16384,8,1' };
    expect(await codeOf(prepareUsers(configFor(fresh), env))).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect((await UsersStore.open(fresh)).size).toBe(0);
  });

  it('does not warn when it creates the admin, nor when it is unset', async () => {
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    const fresh = await tempDir();
    expect((await prepareUsers(configFor(fresh), { OMENDB_ADMIN_PASSWORD: adminPassword }, warn)).size).toBe(
      1,
    );
    expect((await prepareUsers(configFor(await dirWithAdmin()), {}, warn)).size).toBe(1);
    expect(warnings).toEqual([]);
  });

  it('startServer logs the warning as a JSON line at level warn', async () => {
    const dir = await dirWithAdmin();
    const logs = logCollector();
    const server = await startServer(
      configFor(dir, { host: '127.0.0.1' }),
      { OMENDB_ADMIN_PASSWORD: 'another-password-here' },
      { logStream: logs.stream },
    );
    try {
      const warning = logs.lines().find((line) => ignoredWarning.test(String(line.msg)));
      expect(warning?.level).toBe(40);
      expect(JSON.stringify(logs.lines())).not.toContain('another-password-here');
    } finally {
      await server.close();
    }
  });
});

describe('startServer: where it listens', () => {
  it.for(['[::1]', '::1'])('--host %s listens on ::1 and prints a bracketed URL', async (host) => {
    const dir = await dirWithAdmin();
    let server: RunningServer | undefined;
    try {
      server = await startServer(configFor(dir, { host, logLevel: 'silent' }), {});
      expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
      const ready = await fetch(`${server.url}/ready`, { signal: AbortSignal.timeout(10_000) });
      expect(ready.status).toBe(200);
    } finally {
      await server?.close();
    }
  });

  it('a port that is already in use is a configuration error, and nothing is left open', async () => {
    const dir = await dirWithAdmin();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const config = configFor(dir, { host: '127.0.0.1', port, logLevel: 'silent' });
      expect(await codeOf(startServer(config, {}))).toBe('OMENDB_ERR_CONFIG_INVALID');
      // The data directory was not locked by the failed start: a server on a free port starts.
      const server = await startServer({ ...config, port: 0 }, {});
      await server.close();
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});

describe('preloadArrow: apache-arrow loaded after the server is ready', () => {
  it('loads it on a later turn of the event loop, and a failure is a warning, not a crash', async () => {
    let loads = 0;
    const warnings: unknown[] = [];
    const log = { warn: (...args: unknown[]) => warnings.push(args) };
    const done = preloadArrow(log, async () => {
      loads++;
    });
    // Not before the caller's own work in this turn (printing the listening line) is done.
    expect(loads).toBe(0);
    await done;
    expect(loads).toBe(1);
    expect(warnings).toEqual([]);
    const failure = new Error('cannot load');
    await preloadArrow(log, () => Promise.reject(failure));
    expect(warnings).toEqual([[{ err: failure }, 'apache-arrow failed to load']]);
  });
});
