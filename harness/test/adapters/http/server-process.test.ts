import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureCode, ServerProcess } from '../../../src/adapters/http/server-process.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-server-process-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...extra };
}

function serverProcess(name: string, extra: Partial<ConstructorParameters<typeof ServerProcess>[0]> = {}) {
  return new ServerProcess({
    dataDir: join(dir, name),
    logPath: join(dir, `${name}.log`),
    env: env({ OMENDB_ADMIN_PASSWORD: 'a-password-for-the-test' }),
    args: ['--log-level', 'warn'],
    ...extra,
  });
}

async function ready(url: string, timeoutMs = 5_000): Promise<number | string> {
  try {
    return (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(timeoutMs) })).status;
  } catch (error) {
    return (error as Error).name;
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return check();
}

const state = expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_ADAPTER_STATE' });

describe('ServerProcess', () => {
  it('starts, pauses, resumes, stops, starts again and is killed', async () => {
    const server = serverProcess('lifecycle');
    expect(server.state).toBe('stopped');
    expect(() => server.pause()).toThrow(state);
    const url = await server.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(url);
    expect(server.pid).toBeGreaterThan(0);
    await expect(server.start()).rejects.toThrow(state);
    expect(await ready(url)).toBe(200);

    server.pause();
    expect(server.state).toBe('paused');
    expect(() => server.pause()).toThrow(state);
    expect(await ready(url, 300)).toBe('TimeoutError');
    server.resume();
    expect(() => server.resume()).toThrow(state);
    expect(await ready(url)).toBe(200);

    // Stopped while paused: the pending SIGTERM needs a SIGCONT to be acted on.
    server.pause();
    await server.stop();
    expect(server.state).toBe('stopped');
    expect(server.pid).toBeUndefined();
    await server.stop();
    expect(server.state).toBe('stopped');

    await server.start();
    expect(await ready(server.url!)).toBe(200);
    await server.kill();
    expect(server.state).toBe('killed');
    await server.kill();
    await server.stop();
    expect(server.state).toBe('killed');
    expect(await ready(server.url!)).toBe('TypeError');
  });

  it('notices a server that dies on its own', async () => {
    const server = serverProcess('dies');
    await server.start();
    process.kill(server.pid!, 'SIGKILL');
    expect(await until(() => server.state === 'exited', 5_000)).toBe(true);
    expect(server.pid).toBeUndefined();
  });

  it("fails a start with the CLI's registry code when the server refuses to start", async () => {
    const server = serverProcess('no-users', { env: env() });
    await expect(server.start()).rejects.toThrow(
      expect.objectContaining({ code: 'OMENDB_ERR_CONFIG_NO_USERS' }),
    );
    expect(server.state).toBe('exited');
  });

  it('kills a server that does not print its URL in time', async () => {
    const server = serverProcess('slow', { startTimeoutMs: 50 });
    await expect(server.start()).rejects.toThrow(
      expect.objectContaining({ code: 'OMENDB_ERR_HARNESS_UNAVAILABLE' }),
    );
    expect(server.state).toBe('killed');
  });
});

describe('failureCode', () => {
  it("reads the last registry code of the CLI's failure lines", () => {
    expect(failureCode('{"level":50}\nomendb: OMENDB_ERR_WAL_CORRUPT: bad record\n')).toBe(
      'OMENDB_ERR_WAL_CORRUPT',
    );
    expect(failureCode('omendb: OMENDB_ERR_NOT_A_CODE: x\n')).toBeUndefined();
    expect(failureCode('nothing')).toBeUndefined();
  });
});

describe('a spawned server outlives no harness', () => {
  const bin = fileURLToPath(new URL('../../../bin/omendb-harness.js', import.meta.url));

  function childPids(pid: number): number[] {
    try {
      const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
      return text === '' ? [] : text.split(/\s+/).map(Number);
    } catch {
      return [];
    }
  }

  function isServe(pid: number): boolean {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('serve');
    } catch {
      return false;
    }
  }

  it('stops when the harness that spawned it is SIGKILLed (its stdin pipe closes)', async () => {
    const out = join(dir, 'killed-harness');
    const harness = spawn(
      process.execPath,
      [
        bin,
        'run',
        'soak',
        '--engine',
        'http',
        '--duration',
        '60s',
        '--param',
        'intervalMs=1000',
        '--out',
        out,
      ],
      { stdio: 'ignore' },
    );
    try {
      // The server is the harness's child running `omendb.js serve`.
      let server: number | undefined;
      expect(
        await until(() => {
          server = childPids(harness.pid!).find(isServe);
          return server !== undefined && existsSync(join(out, 'soak', 'intervals.jsonl'));
        }, 30_000),
      ).toBe(true);
      harness.kill('SIGKILL');
      // Graceful stop: the grace for in-flight requests, then the engine closes.
      expect(await until(() => !existsSync(`/proc/${server}`), 20_000)).toBe(true);
    } finally {
      harness.kill('SIGKILL');
    }
  });
});
