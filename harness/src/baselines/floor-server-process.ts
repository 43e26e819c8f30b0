import { execa, type ResultPromise } from 'execa';
import { serverStartTimeoutMs, serverStopWaitMs } from '../limits.ts';

export interface FloorProcess {
  readonly url: string;
  stop(): Promise<void>;
}

/** The main module beside this one: TypeScript through tsx when running from sources, else the build. */
function floorMain(): { readonly path: string; readonly nodeArgs: readonly string[] } {
  const fromSources = import.meta.url.endsWith('.ts');
  const path = new URL(`./floor-server-main.${fromSources ? 'ts' : 'js'}`, import.meta.url).pathname;
  return { path, nodeArgs: fromSources ? ['--import', 'tsx'] : [] };
}

async function stop(child: ResultPromise): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await child.catch(() => undefined);
}

/** Starts the floor server (floor-server.ts) as a child process on loopback. */
export async function startFloorProcess(): Promise<FloorProcess> {
  const { path, nodeArgs } = floorMain();
  const child = execa(process.execPath, [...nodeArgs, path], {
    stdin: 'ignore',
    reject: false,
    forceKillAfterDelay: serverStopWaitMs,
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`the floor server did not start in ${serverStartTimeoutMs} ms`)),
        serverStartTimeoutMs,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /floor listening on (\S+)/.exec(out);
        if (match === null) return;
        clearTimeout(timer);
        resolve(match[1]!);
      });
      void child.then((result) => {
        clearTimeout(timer);
        reject(new Error(`the floor server exited before it started: ${result.stderr}`));
      });
    });
    return { url, stop: () => stop(child) };
  } catch (error) {
    await stop(child);
    throw error;
  }
}
