import * as fsp from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsersStore, usersFilePath } from '../../src/server/users-store.ts';

/**
 * A reload (the server's once-a-second look at the users file) that overlaps a change made
 * through the same store: the read is held at a gate, so the interleaving is certain.
 */

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, readFile: vi.fn(actual.readFile) };
});

const password = 'reload-race-password';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-users-reload-'));
});

afterEach(async () => {
  vi.mocked(fsp.readFile).mockReset();
  await rm(dir, { recursive: true, force: true });
});

/** Holds the next read of the users file until release() is called; resolves `started` when it begins. */
function gateNextUsersRead(): { started: Promise<void>; release: () => void } {
  const actual = vi.mocked(fsp.readFile).getMockImplementation()!;
  let release!: () => void;
  let begin!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const started = new Promise<void>((resolve) => {
    begin = resolve;
  });
  let gated = false;
  vi.mocked(fsp.readFile).mockImplementation((async (...args: Parameters<typeof fsp.readFile>) => {
    if (!gated && args[0] === usersFilePath(dir)) {
      gated = true;
      begin();
      await gate;
    }
    return actual(...args);
  }) as typeof fsp.readFile);
  return { started, release };
}

describe('UsersStore.reload racing a change', () => {
  it('a reload that read the file before a change made here does not undo the change', async () => {
    const server = await UsersStore.open(dir);
    const cli = await UsersStore.open(dir);
    await server.add('kept-then-removed', 'reader', password);
    await cli.add('external', 'writer', password);
    // The server's reload sees the CLI's change and starts reading it; the read is held.
    const { started, release } = gateNextUsersRead();
    const reloading = server.reload();
    await started;
    // Meanwhile a request removes a user: it reads the file itself, under the lock, and writes.
    await server.remove('kept-then-removed');
    expect(server.get('kept-then-removed')).toBeUndefined();
    release();
    // The held read is older than the removal: it is dropped, not adopted.
    expect(await reloading).toBe(false);
    expect(server.get('kept-then-removed')).toBeUndefined();
    expect(server.get('external')?.role).toBe('writer');
    expect(await server.reload()).toBe(false);
  });
});
