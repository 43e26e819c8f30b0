import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usersFilePath } from '../../src/server/users-store.ts';
import {
  basic,
  cleanEnv,
  fetchWithin,
  pollUntil,
  runOmendb,
  type ServeProcess,
  startServe,
  stderrCode,
} from './cli-process.ts';

/** `omendb users` end to end: the real command, its users file, and a running server that sees it. */

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-users-`);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface StoredUser {
  name: string;
  role: string;
  passwordHash: string;
  credentialId: string;
}

async function storedUsers(dir: string): Promise<StoredUser[]> {
  return (JSON.parse(await readFile(usersFilePath(dir), 'utf8')) as { users: StoredUser[] }).users;
}

async function listed(dir: string): Promise<string[]> {
  const result = await runOmendb(['users', 'list', '--data', dir]);
  expect(result.exitCode).toBe(0);
  return String(result.stdout)
    .split('\n')
    .filter((line) => line !== '');
}

describe('omendb users', () => {
  const password = 'carol-first-password';
  const newPassword = 'carol-second-password';
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir();
  });

  it('add (password on stdin) then list shows the user and role', async () => {
    const added = await runOmendb(['users', 'add', 'carol', '--role', 'reader', '--data', dir], {
      input: `${password}\n`,
    });
    expect(added.exitCode).toBe(0);
    expect(await listed(dir)).toEqual(['carol\treader']);
  });

  it('the users file is mode 0600 in a 0700 directory and holds no plain password', async () => {
    const path = usersFilePath(dir);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(`${dir}/server`)).mode & 0o777).toBe(0o700);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(password);
    const [carol] = await storedUsers(dir);
    expect(carol?.name).toBe('carol');
    expect(carol?.role).toBe('reader');
    expect(carol?.passwordHash).toMatch(/^scrypt\$/);
  });

  it('passwd (password from OMENDB_USER_PASSWORD) changes the hash and the credential id', async () => {
    const [before] = await storedUsers(dir);
    const changed = await runOmendb(['users', 'passwd', 'carol', '--data', dir], {
      env: cleanEnv({ OMENDB_USER_PASSWORD: newPassword }),
    });
    expect(changed.exitCode).toBe(0);
    const [after] = await storedUsers(dir);
    expect(after?.passwordHash).not.toBe(before?.passwordHash);
    expect(after?.credentialId).not.toBe(before?.credentialId);
    expect(after?.role).toBe('reader');
    const text = await readFile(usersFilePath(dir), 'utf8');
    expect(text).not.toContain(newPassword);
    expect((await stat(usersFilePath(dir))).mode & 0o777).toBe(0o600);
  });

  it('refuses an invalid role (exit 2, OMENDB_ERR_USERS_INVALID) and a duplicate (exit 1, OMENDB_ERR_USERS_EXISTS)', async () => {
    const [badRole, duplicate, shortPassword] = await Promise.all([
      runOmendb(['users', 'add', 'dave', '--role', 'superuser', '--data', dir], { input: `${password}\n` }),
      runOmendb(['users', 'add', 'carol', '--role', 'writer', '--data', dir], { input: `${password}\n` }),
      runOmendb(['users', 'add', 'erin', '--role', 'writer', '--data', dir], { input: 'short\n' }),
    ]);
    expect(badRole.exitCode).toBe(2);
    expect(stderrCode(badRole.stderr)).toBe('OMENDB_ERR_USERS_INVALID');
    expect(duplicate.exitCode).toBe(1);
    expect(stderrCode(duplicate.stderr)).toBe('OMENDB_ERR_USERS_EXISTS');
    expect(shortPassword.exitCode).toBe(2);
    expect(stderrCode(shortPassword.stderr)).toBe('OMENDB_ERR_USERS_INVALID');
    // Nothing changed.
    expect(await listed(dir)).toEqual(['carol\treader']);
  });

  it('remove removes the user; removing again exits 1 with OMENDB_ERR_USERS_NOT_FOUND', async () => {
    const removed = await runOmendb(['users', 'remove', 'carol', '--data', dir]);
    expect(removed.exitCode).toBe(0);
    expect(await storedUsers(dir)).toEqual([]);
    const again = await runOmendb(['users', 'remove', 'carol', '--data', dir]);
    expect(again.exitCode).toBe(1);
    expect(stderrCode(again.stderr)).toBe('OMENDB_ERR_USERS_NOT_FOUND');
    expect(await listed(dir)).toEqual([]);
  });

  it('refuses options other than --data and --role with exit 2 (OMENDB_ERR_CONFIG_INVALID)', async () => {
    const result = await runOmendb(['users', 'list', '--data', dir, '--port', '1']);
    expect(result.exitCode).toBe(2);
    expect(stderrCode(result.stderr)).toBe('OMENDB_ERR_CONFIG_INVALID');
  });
});

describe('omendb users against a running server', () => {
  const adminPassword = 'users-test-admin-password';
  const bobPassword = 'bob-reader-password';
  let dir: string;
  let server: ServeProcess;

  beforeAll(async () => {
    dir = await tempDir();
    server = await startServe(
      ['--data', dir, '--port', '0'],
      cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword }),
    );
  });

  afterAll(async () => {
    await server?.stop();
  });

  const bobStatus = async () =>
    (await fetchWithin(`${server.url}/v1/series`, { headers: { authorization: basic('bob', bobPassword) } }))
      .status;

  it('a user added or removed by the CLI reaches the server within about 1.5 s', async () => {
    const added = await runOmendb(['users', 'add', 'bob', '--role', 'reader', '--data', dir], {
      input: `${bobPassword}\n`,
    });
    expect(added.exitCode).toBe(0);
    // Polled as admin: failed authentications (bob before the reload) would count toward the
    // rate limit, which is per client and every request here comes from 127.0.0.1.
    const addedAt = Date.now();
    const seen = await pollUntil(async () => {
      const response = await fetchWithin(`${server.url}/v1/users`, {
        headers: { authorization: basic('admin', adminPassword) },
      });
      const body = (await response.json()) as { users: { name: string; role: string }[] };
      return body.users.some((user) => user.name === 'bob' && user.role === 'reader');
    }, 1500);
    expect(seen, `bob not seen ${Date.now() - addedAt} ms after the CLI added him`).toBe(true);
    expect(await bobStatus()).toBe(200);

    const removed = await runOmendb(['users', 'remove', 'bob', '--data', dir]);
    expect(removed.exitCode).toBe(0);
    const removedAt = Date.now();
    // Bob's Basic credentials were verified and cached; the change still ends them.
    const refused = await pollUntil(async () => (await bobStatus()) === 401, 1500);
    expect(refused, `bob still accepted ${Date.now() - removedAt} ms after the CLI removed him`).toBe(true);
    const response = await fetchWithin(`${server.url}/v1/series`, {
      headers: { authorization: basic('bob', bobPassword) },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'OMENDB_ERR_AUTH_INVALID',
    );
  });
});

describe('omendb users processes and a running server changing one users file at once', () => {
  const adminPassword = 'concurrent-admin-password';
  const cliUsers = Array.from({ length: 5 }, (_, i) => `cli-user-${i}`);
  const httpUsers = Array.from({ length: 5 }, (_, i) => `http-user-${i}`);
  let dir: string;
  let server: ServeProcess;

  beforeAll(async () => {
    dir = await tempDir();
    server = await startServe(
      ['--data', dir, '--port', '0'],
      cleanEnv({ OMENDB_ADMIN_PASSWORD: adminPassword }),
    );
  });

  afterAll(async () => {
    await server?.stop();
  });

  const addOverHttp = (name: string) =>
    fetchWithin(`${server.url}/v1/users`, {
      method: 'POST',
      headers: { authorization: basic('admin', adminPassword), 'content-type': 'application/json' },
      body: JSON.stringify({ name, role: 'writer', password: `${name}-password` }),
    });

  it('every user added by any of them is in the file and reaches the server', async () => {
    const children = cliUsers.map((name) =>
      runOmendb(['users', 'add', name, '--role', 'reader', '--data', dir], {
        env: cleanEnv({ OMENDB_USER_PASSWORD: `${name}-password` }),
      }),
    );
    // The server's adds are spread over the time the children start (about a second each on a
    // busy machine), so that they overlap the children's changes rather than precede them.
    const httpStatuses: number[] = [];
    for (const name of httpUsers) {
      httpStatuses.push((await addOverHttp(name)).status);
      await sleep(150);
    }
    const results = await Promise.all(children);
    for (const result of results) expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(httpStatuses).toEqual(httpUsers.map(() => 201));
    const expected = ['admin', ...cliUsers, ...httpUsers].sort();
    expect((await storedUsers(dir)).map((user) => user.name).sort()).toEqual(expected);
    const serverSees = async () => {
      const response = await fetchWithin(`${server.url}/v1/users`, {
        headers: { authorization: basic('admin', adminPassword) },
      });
      const body = (await response.json()) as { users: { name: string }[] };
      return JSON.stringify(body.users.map((user) => user.name).sort()) === JSON.stringify(expected);
    };
    // Lost updates are the subject here, not the reload delay (tested above): a generous bound.
    expect(await pollUntil(serverSees, 5000)).toBe(true);
  });
});
