import { tuneServerHeap } from '../server/heap-tuning.ts';
import { describeConfig, loadServerConfig } from '../server/server-config.ts';
import { startServer } from '../server/start-server.ts';
import { reloadTlsOnSignal } from '../server/tls-reload.ts';

/**
 * `omendb serve`: prints one line `omendb listening on URL` on stdout once the engine is ready
 * (logs are JSON lines on stderr), and shuts down gracefully on SIGTERM or SIGINT (and, with
 * --stop-on-stdin-close on, when stdin ends); a second signal exits at once. SIGHUP reloads the
 * TLS certificate and key (see tls-reload.ts), and never stops the server.
 */
export async function serveCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadServerConfig(argv, env);
  const heapFlag = tuneServerHeap();
  // Node's default for SIGHUP is to exit: take it over before the (possibly long) recovery, and
  // answer a SIGHUP that arrived meanwhile once the server runs (the files may have changed).
  let hupDuringStart = false;
  const onEarlyHup = () => {
    hupDuringStart = true;
  };
  process.on('SIGHUP', onEarlyHup);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, env, { logStream: process.stderr });
  } finally {
    process.off('SIGHUP', onEarlyHup);
  }
  const onHup = () => reloadTlsOnSignal(server.reloadTls, server.app.log);
  process.on('SIGHUP', onHup);
  if (hupDuringStart) onHup();
  server.app.log.info({ config: describeConfig(config), v8Flag: heapFlag }, 'configuration');
  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        process.stderr.write(`omendb: second ${signal}, exiting now\n`);
        process.exit(130);
      }
      server.app.log.info({ signal }, 'shutting down');
      server.close().then(
        () => resolve(0),
        (error: unknown) => {
          server.app.log.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    if (config.stopOnStdinClose === 'on') {
      // The supervisor's end of the pipe closed: it is gone (perhaps SIGKILLed), so stop as if told to.
      const onStdinEnd = () => onSignal('SIGTERM');
      process.stdin.once('end', onStdinEnd);
      process.stdin.once('error', onStdinEnd);
      process.stdin.resume();
    }
    // Printed only once the handlers are in place: whoever reads this line may signal at once.
    process.stdout.write(`omendb listening on ${server.url}\n`);
  });
}
