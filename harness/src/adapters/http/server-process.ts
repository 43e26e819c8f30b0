import { open } from 'node:fs/promises';
import type { ErrorCode } from '@omendb/engine';
import { OmenDbError } from '@omendb/engine';
import { execa, type Result, type ResultPromise } from 'execa';
import { serverKillWaitMs, serverStartTimeoutMs, serverStopWaitMs } from '../../limits.ts';
import { engineBin } from './engine-bin.ts';
import { isRegistryCode } from './wire.ts';

/**
 * One `omendb serve` process over a data directory: started with the engine's own bin under
 * this Node (never npx, which does not forward signals), its stderr appended to a log file, and
 * stopped, killed, paused or resumed by signals sent to its pid. Every wait is bounded.
 */

export type ServerProcessState = 'stopped' | 'running' | 'paused' | 'killed' | 'exited';

export interface ServerProcessOptions {
  readonly dataDir: string;
  /** stderr (JSON log lines) is appended here across restarts. */
  readonly logPath: string;
  /** The child's whole environment (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** serve arguments other than --port and --data. */
  readonly args: readonly string[];
  readonly startTimeoutMs?: number;
}

const listeningLine = /^omendb listening on (\S+)$/m;
/** How much of the log's tail a failed start quotes. */
const logTailBytes = 4096;

function waitWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function readTail(path: string): Promise<string> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return '';
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, logTailBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** The registry code of the CLI's failure line `omendb: CODE: message`, if any. */
export function failureCode(stderr: string): ErrorCode | undefined {
  const matches = [...stderr.matchAll(/omendb: (OMENDB_ERR_[A-Z0-9_]+):/g)];
  const code = matches.at(-1)?.[1];
  return isRegistryCode(code) ? code : undefined;
}

export class ServerProcess {
  private child: ResultPromise | undefined;
  private exited: Promise<Result> | undefined;
  private current: ServerProcessState = 'stopped';
  private listeningUrl: string | undefined;

  constructor(private readonly options: ServerProcessOptions) {}

  get state(): ServerProcessState {
    return this.current;
  }

  /** The URL the server printed when it last started (kept while it is down: where it was). */
  get url(): string | undefined {
    return this.listeningUrl;
  }

  get pid(): number | undefined {
    return this.current === 'running' || this.current === 'paused' ? this.child?.pid : undefined;
  }

  /** Starts the server and resolves with its URL once it has recovered and listens. */
  async start(port = 0): Promise<string> {
    if (this.current === 'running' || this.current === 'paused')
      throw new OmenDbError('OMENDB_ERR_HARNESS_ADAPTER_STATE', 'the server is already running');
    const { binPath, packageDir } = engineBin();
    const args = [
      binPath,
      'serve',
      '--port',
      String(port),
      '--data',
      this.options.dataDir,
      // Our stdin pipe is the server's lifeline: if the harness dies, even by SIGKILL, the pipe
      // closes and the server stops instead of running on, orphaned, over a temp directory.
      '--stop-on-stdin-close',
      'on',
      ...this.options.args,
    ];
    const child = execa(process.execPath, args, {
      cwd: packageDir,
      env: { ...this.options.env },
      extendEnv: false,
      reject: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: { file: this.options.logPath, append: true },
      buffer: false,
      // Signals are ours to send: no forced kill behind our back, but no orphan if we die.
      forceKillAfterDelay: false,
      cleanup: true,
    });
    this.child = child;
    const exited = child.then((result) => {
      if (this.child === child && this.current !== 'killed') this.current = 'exited';
      return result;
    });
    this.exited = exited;
    this.current = 'running';
    const url = await this.awaitListening(child, exited);
    this.listeningUrl = url;
    return url;
  }

  private async awaitListening(child: ResultPromise, exited: Promise<Result>): Promise<string> {
    let stdout = '';
    const listening = new Promise<string>((resolve) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        // Only the first line matters; later output is read and dropped so the pipe never fills.
        if (stdout.length > logTailBytes) return;
        stdout += chunk.toString('utf8');
        const match = listeningLine.exec(stdout);
        if (match !== null) resolve(match[1]!);
      });
    });
    const outcome = await waitWithin(
      Promise.race([listening, exited.then((result) => ({ result }))]),
      this.options.startTimeoutMs ?? serverStartTimeoutMs,
    );
    if (typeof outcome === 'string' && outcome !== 'timeout') return outcome;
    if (outcome === 'timeout') await this.kill();
    const tail = await readTail(this.options.logPath);
    const how =
      outcome === 'timeout'
        ? `did not print its URL within ${this.options.startTimeoutMs ?? serverStartTimeoutMs} ms`
        : `exited (${outcome.result.exitCode ?? outcome.result.signal}) before listening`;
    const code = outcome === 'timeout' ? undefined : failureCode(tail);
    throw new OmenDbError(code ?? 'OMENDB_ERR_HARNESS_UNAVAILABLE', `omendb serve ${how}:\n${tail}`, {
      logPath: this.options.logPath,
    });
  }

  /** SIGTERM (and SIGCONT if paused), a bounded wait for the graceful stop, then SIGKILL. */
  async stop(): Promise<void> {
    if (this.current !== 'running' && this.current !== 'paused') {
      this.current = this.current === 'killed' ? 'killed' : 'stopped';
      return;
    }
    this.signal('SIGTERM');
    // A stopped process keeps a pending SIGTERM until it runs again.
    if (this.current === 'paused') this.signal('SIGCONT');
    const outcome = await waitWithin(this.exited!, serverStopWaitMs);
    if (outcome === 'timeout') {
      await this.kill();
      return;
    }
    this.current = 'stopped';
  }

  /** SIGKILL, and wait until the process is gone (its port and directory lock are free). */
  async kill(): Promise<void> {
    if (this.current !== 'running' && this.current !== 'paused') return;
    this.current = 'killed';
    this.signal('SIGKILL');
    const outcome = await waitWithin(this.exited!, serverKillWaitMs);
    if (outcome === 'timeout')
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_UNAVAILABLE',
        `the server (pid ${this.child?.pid}) did not die`,
      );
  }

  pause(): void {
    if (this.current !== 'running')
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_ADAPTER_STATE',
        `cannot pause a server that is ${this.current}`,
      );
    this.signal('SIGSTOP');
    this.current = 'paused';
  }

  resume(): void {
    if (this.current !== 'paused')
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_ADAPTER_STATE',
        `cannot resume a server that is ${this.current}`,
      );
    this.signal('SIGCONT');
    this.current = 'running';
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, signal);
    } catch (error) {
      // ESRCH: it already exited; the exit promise records that.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}
