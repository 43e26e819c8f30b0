import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usersMax } from '../../src/limits.ts';
import { verifyPassword } from '../../src/server/passwords.ts';
import { UsersStore, usersFilePath } from '../../src/server/users-store.ts';
import { codeOf } from '../support/codes.ts';

const password = 'correct-horse-battery';

describe('UsersStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omendb-users-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts empty, adds users with scrypt hashes in a 0600 file, and reloads what it wrote', async () => {
    const store = await UsersStore.open(dir);
    expect(store.size).toBe(0);
    await store.add('alice', 'writer', password);
    const info = await stat(usersFilePath(dir));
    expect(info.mode & 0o777).toBe(0o600);
    const text = await readFile(usersFilePath(dir), 'utf8');
    expect(text).not.toContain(password);
    expect(text).toMatch(/scrypt\$/);
    const again = await UsersStore.open(dir);
    expect(again.list()).toEqual([{ name: 'alice', role: 'writer' }]);
    expect(await verifyPassword(password, again.get('alice')!.passwordHash)).toBe(true);
    expect(await verifyPassword(`${password}x`, again.get('alice')!.passwordHash)).toBe(false);
  });

  it('changes the credential id with the password, and removes users', async () => {
    const store = await UsersStore.open(dir);
    await store.add('bob', 'reader', password);
    const before = store.get('bob')!;
    await store.setPassword('bob', 'another-long-password');
    const after = store.get('bob')!;
    expect(after.credentialId).not.toBe(before.credentialId);
    expect(after.passwordHash).not.toBe(before.passwordHash);
    await store.remove('bob');
    expect(store.get('bob')).toBeUndefined();
  });

  it('rejects invalid names, roles, short passwords, duplicates and unknown users with codes', async () => {
    const store = await UsersStore.open(dir);
    await store.add('carol', 'admin', password);
    expect(await codeOf(store.add('bad name', 'reader', password))).toBe('OMENDB_ERR_USERS_INVALID');
    expect(await codeOf(store.add('../etc', 'reader', password))).toBe('OMENDB_ERR_USERS_INVALID');
    expect(await codeOf(store.add('x'.repeat(65), 'reader', password))).toBe('OMENDB_ERR_USERS_INVALID');
    expect(await codeOf(store.add('dave', 'root' as never, password))).toBe('OMENDB_ERR_USERS_INVALID');
    expect(await codeOf(store.add('dave', 'reader', 'short'))).toBe('OMENDB_ERR_USERS_INVALID');
    expect(await codeOf(store.add('carol', 'reader', password))).toBe('OMENDB_ERR_USERS_EXISTS');
    expect(await codeOf(store.remove('nobody'))).toBe('OMENDB_ERR_USERS_NOT_FOUND');
    expect(await codeOf(store.setPassword('nobody', password))).toBe('OMENDB_ERR_USERS_NOT_FOUND');
    expect(store.list()).toEqual([{ name: 'carol', role: 'admin' }]);
  });

  it('sees changes made by another store (another process) on reload', async () => {
    const server = await UsersStore.open(dir);
    const cli = await UsersStore.open(dir);
    await cli.add('erin', 'monitor', password);
    const version = server.version;
    expect(await server.reload()).toBe(true);
    expect(server.version).toBeGreaterThan(version);
    expect(server.get('erin')?.role).toBe('monitor');
    expect(await server.reload()).toBe(false);
  });

  it('refuses a corrupt or oversized users file with OMENDB_ERR_USERS_FILE_CORRUPT', async () => {
    const store = await UsersStore.open(dir);
    await store.add('frank', 'reader', password);
    const path = usersFilePath(dir);
    for (const content of [
      '{not json',
      '[]',
      '{"version": 2, "users": []}',
      '{"version": 1, "users": [{"name": "a b", "role": "reader", "passwordHash": "x", "credentialId": "y"}]}',
      '{"version": 1, "users": [{"name": "ab", "role": "god", "passwordHash": "x", "credentialId": "y"}]}',
      '{"version": 1, "users": [{"name": "ab", "role": "reader", "passwordHash": 1, "credentialId": "y"}]}',
      ' '.repeat(1024 * 1024 + 1),
    ]) {
      await writeFile(path, content);
      expect(await codeOf(UsersStore.open(dir))).toBe('OMENDB_ERR_USERS_FILE_CORRUPT');
    }
  });

  it('two stores (two processes) adding at once: every user is kept', async () => {
    const [server, cli] = [await UsersStore.open(dir), await UsersStore.open(dir)];
    const names = Array.from({ length: 8 }, (_, i) => `both-${i}`);
    await Promise.all(names.map((name, i) => (i % 2 === 0 ? server : cli).add(name, 'reader', password)));
    const fresh = await UsersStore.open(dir);
    expect(fresh.list().map((user) => user.name)).toEqual(names);
    // Each store saw the file as its own last change left it, and catches up on reload.
    await server.reload();
    await cli.reload();
    expect(server.list()).toEqual(fresh.list());
    expect(cli.list()).toEqual(fresh.list());
  });

  it('a password change racing a removal in another store never brings the user back', async () => {
    const [server, cli] = [await UsersStore.open(dir), await UsersStore.open(dir)];
    await server.add('racer', 'reader', password);
    await cli.reload();
    // The change hashes first (slow), the removal is quick: it lands while the hash runs.
    const changing = server.setPassword('racer', 'racer-new-password');
    const removing = cli.remove('racer');
    const [changed, removed] = await Promise.allSettled([changing, removing]);
    expect(removed.status).toBe('fulfilled');
    if (changed.status === 'rejected') expect(await codeOf(changing)).toBe('OMENDB_ERR_USERS_NOT_FOUND');
    expect((await UsersStore.open(dir)).get('racer')).toBeUndefined();
    await server.reload();
    expect(server.get('racer')).toBeUndefined();
  });

  it('refuses a duplicate found only under the lock (added by another store after the first check)', async () => {
    const [first, second] = [await UsersStore.open(dir), await UsersStore.open(dir)];
    const results = await Promise.allSettled([
      first.add('same', 'reader', password),
      second.add('same', 'writer', password),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(await codeOf(Promise.reject(rejected.reason))).toBe('OMENDB_ERR_USERS_EXISTS');
    expect((await UsersStore.open(dir)).list()).toHaveLength(1);
  });

  it(`stops at usersMax (${usersMax}) users`, async () => {
    const store = await UsersStore.open(dir);
    await store.add('first', 'reader', password);
    const record = store.get('first')!;
    const users = Array.from({ length: usersMax }, (_, i) => ({ ...record, name: `u${i}` }));
    await writeFile(usersFilePath(dir), JSON.stringify({ version: 1, users }));
    const full = await UsersStore.open(dir);
    expect(await codeOf(full.add('onemore', 'reader', password))).toBe('OMENDB_ERR_USERS_LIMIT');
  });
});
