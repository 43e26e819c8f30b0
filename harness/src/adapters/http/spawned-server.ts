import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isOmenDbError, OmenDbError } from '@omendb/engine';
import { adminPasswordBytes, httpServerBodyLimitBytes } from '../../limits.ts';
import { AuthSession } from './auth-session.ts';
import { ServerProcess, type ServerProcessState } from './server-process.ts';
import { makeTlsMaterial } from './tls-material.ts';

/**
 * A server the harness starts itself: a temporary directory (data, log, certificate), an admin
 * password made up for it and given only through OMENDB_ADMIN_PASSWORD, optional TLS with a
 * certificate made at run time, and the token session of its admin. It outlives restarts and
 * kills of its process; the conformance suite shares one between adapters (see
 * harness/test/conformance/http.test.ts).
 */

export type SyncMode = 'commit' | 'interval' | 'none';
export type ServerLogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

export interface SpawnOptions {
  /** HTTPS with a self-signed certificate made at run time. */
  readonly tls?: boolean;
  /** The server's --sync (default commit: only then is the server declared durable). */
  readonly sync?: SyncMode;
  /** More `omendb serve` arguments (e.g. --sync-interval-ms 50); --port and --data are the adapter's. */
  readonly serveArgs?: readonly string[];
  /** Where the temporary directory is made (default the OS's). */
  readonly parentDir?: string;
  /** Where the server's stderr goes (default `server.log` in the temporary directory). */
  readonly logPath?: string;
  /** Keep the temporary directory after dispose() (for a post-mortem). */
  readonly keepDir?: boolean;
  /** The server's --log-level (default warn: the log is evidence, not a request trace). */
  readonly logLevel?: ServerLogLevel;
  readonly startTimeoutMs?: number;
  /**
   * Environment variables for the server, OMENDB_* included: the inherited environment loses its
   * OMENDB_* variables, so a server is configured only on purpose (e.g. a test's cheaper
   * OMENDB_PASSWORD_HASH_COST). OMENDB_ADMIN_PASSWORD stays the adapter's.
   */
  readonly env?: Readonly<Record<string, string>>;
}

const reservedFlags = ['--port', '--data', '--host', '--auth', '--tls-cert', '--tls-key', '--config'];

export function checkSpawnOptions(options: SpawnOptions): void {
  for (const arg of options.serveArgs ?? []) {
    const flag = arg.split('=')[0]!;
    if (reservedFlags.includes(flag))
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_USAGE',
        `serveArgs must not set ${flag}: the adapter sets it`,
      );
  }
  if (options.sync !== undefined && !['commit', 'interval', 'none'].includes(options.sync))
    throw new OmenDbError(
      'OMENDB_ERR_HARNESS_USAGE',
      `sync must be commit, interval or none, not ${options.sync}`,
    );
}

/**
 * The test's or user's environment without any OMENDB_* variable (it would configure the server
 * behind the caller's back), then the variables the caller gave on purpose, then the admin's
 * password.
 */
function childEnv(adminPassword: string, extra: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('OMENDB_')) env[name] = value;
  }
  Object.assign(env, extra);
  env.OMENDB_ADMIN_PASSWORD = adminPassword;
  return env;
}

export class SpawnedServer {
  readonly session: AuthSession;
  /** The server's data directory (for `omendb check` once it is stopped, or damage on purpose). */
  readonly dataDir: string;
  private port = 0;

  private constructor(
    readonly dir: string,
    readonly logPath: string,
    readonly ca: string | undefined,
    readonly sync: SyncMode,
    private readonly process: ServerProcess,
    private readonly keepDir: boolean,
    adminPassword: string,
  ) {
    this.session = new AuthSession({ kind: 'password', user: 'admin', password: adminPassword });
    this.dataDir = join(dir, 'data');
  }

  /** Makes the directory (and certificate) and starts the server. */
  static async start(options: SpawnOptions = {}): Promise<SpawnedServer> {
    checkSpawnOptions(options);
    const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), 'omendb-http-'));
    try {
      const dataDir = join(dir, 'data');
      await mkdir(dataDir, { mode: 0o700 });
      const tls = options.tls === true ? await makeTlsMaterial(dir) : undefined;
      const sync = options.sync ?? 'commit';
      const adminPassword = randomBytes(adminPasswordBytes).toString('base64url');
      const logPath = options.logPath ?? join(dir, 'server.log');
      const args = [
        '--host',
        '127.0.0.1',
        '--sync',
        sync,
        '--log-level',
        options.logLevel ?? 'warn',
        '--body-limit-bytes',
        String(httpServerBodyLimitBytes),
        ...(tls === undefined ? [] : ['--tls-cert', tls.certPath, '--tls-key', tls.keyPath]),
        ...(options.serveArgs ?? []),
      ];
      const serverProcess = new ServerProcess({
        dataDir,
        logPath,
        env: childEnv(adminPassword, options.env ?? {}),
        args,
        ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
      });
      const server = new SpawnedServer(
        dir,
        logPath,
        tls?.ca,
        sync,
        serverProcess,
        options.keepDir === true,
        adminPassword,
      );
      await server.launch();
      return server;
    } catch (error) {
      if (options.keepDir !== true) await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Where the server listens, or listened last while it is down. */
  get url(): string {
    const url = this.process.url;
    // start() resolves only once the server printed its URL.
    if (url === undefined)
      throw new Error('OmenDB harness invariant violated: a spawned server without a URL');
    return url;
  }

  get state(): ServerProcessState {
    return this.process.state;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get isUp(): boolean {
    return this.process.state === 'running' || this.process.state === 'paused';
  }

  /** Makes the process run: resumed if paused, started if it is not running (after a kill, a stop or a crash). */
  async ensureRunning(): Promise<void> {
    if (this.process.state === 'paused') this.process.resume();
    if (this.isUp) return;
    await this.launch();
  }

  /** Graceful stop, then start again over the same directory. */
  async restart(): Promise<void> {
    await this.process.stop();
    await this.launch();
  }

  /** SIGKILL; restart() or ensureRunning() brings it back. */
  async kill(): Promise<void> {
    await this.process.kill();
  }

  pause(): void {
    this.process.pause();
  }

  resume(): void {
    this.process.resume();
  }

  /** Stops the server gracefully (bounded, then SIGKILL) and removes its directory. */
  async dispose(): Promise<void> {
    try {
      await this.process.stop();
    } finally {
      if (!this.keepDir) await rm(this.dir, { recursive: true, force: true });
    }
  }

  /**
   * Starts on the port of the last run, so that a URL a scenario holds stays valid across
   * restarts; if that port was taken meanwhile, on a fresh one.
   */
  private async launch(): Promise<void> {
    let url: string;
    try {
      url = await this.process.start(this.port);
    } catch (error) {
      // Only a taken port is worth a second try; any other refusal would repeat itself.
      if (this.port === 0 || !isOmenDbError(error, 'OMENDB_ERR_CONFIG_INVALID')) throw error;
      url = await this.process.start(0);
    }
    this.port = Number(new URL(url).port);
  }
}
