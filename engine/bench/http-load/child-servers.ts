import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** A server that has not printed its address by then is reported as failed, not waited on. */
const startTimeoutMs = 30_000;

export interface ChildServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** An `omendb serve` child, with the admin password it was started with. */
export type OmenDbChild = ChildServer & { readonly password: string };

function waitForUrl(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`server did not start in ${startTimeoutMs} ms: ${err}`)),
      startTimeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    // Keep only the tail of stderr: it is for the failure message.
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before it started: ${err}`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * `omendb serve` on loopback over a fresh temp directory, auth on, admin password random;
 * `nodeArgs` go to node before the script (V8 flags).
 */
export async function startOmenDb(nodeArgs: readonly string[] = []): Promise<OmenDbChild> {
  const dir = await mkdtemp(`${tmpdir()}/omendb-http-bench-`);
  const password = randomBytes(18).toString('base64url');
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      'engine/bin/omendb.js',
      'serve',
      '--data',
      dir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--log-level',
      'warn',
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, OMENDB_ADMIN_PASSWORD: password },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const url = await waitForUrl(child, /omendb listening on (\S+)/);
    return {
      url,
      password,
      stop: async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

export async function startBare(): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'engine/bench/http-load/bare-server.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await waitForUrl(child, /bare listening on (\S+)/);
    return { url, stop: () => stopChild(child) };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}
