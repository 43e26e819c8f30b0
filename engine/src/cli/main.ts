import { isOmenDbError } from '../errors.ts';
import { backupUsage, restoreUsage, usersUsage } from './usage.ts';

const usage = `Usage:
omendb serve --data DIR [--host 127.0.0.1] [--port 8086] [--tls-cert F --tls-key F] [--auth on|off]
             [--sync commit|interval|none] [--config FILE] ...   (every option also as OMENDB_* and in FILE)
${usersUsage}
omendb check --data DIR
${backupUsage}
${restoreUsage}`;

/**
 * Exit codes: 0 success; 1 a failure at run time (or `check` found problems); 2 bad usage or
 * configuration; 3 the data directory is locked by another process.
 */
export const exitCodes = { ok: 0, failure: 1, usage: 2, locked: 3 } as const;

/**
 * Each command is imported when it runs, not before: `omendb --help` or `omendb check` never
 * loads the HTTP server, fastify and the security stack that `serve` needs.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await (await import('./serve-command.ts')).serveCommand(rest, env);
      case 'users':
        return await (await import('./users-command.ts')).usersCommand(rest, env);
      case 'check':
        return await (await import('./check-command.ts')).checkCommand(rest, env);
      case 'backup':
        return await (await import('./backup-command.ts')).backupCommand(rest, env);
      case 'restore':
        return await (await import('./restore-command.ts')).restoreCommand(rest);
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(`${usage}\n`);
        return command === undefined ? exitCodes.usage : exitCodes.ok;
      default:
        process.stderr.write(`omendb: unknown command ${command}\n${usage}\n`);
        return exitCodes.usage;
    }
  } catch (error) {
    if (!isOmenDbError(error)) throw error;
    process.stderr.write(`omendb: ${error.code}: ${error.message}\n`);
    if (error.code === 'OMENDB_ERR_DIR_LOCKED') return exitCodes.locked;
    const usageError =
      error.code.startsWith('OMENDB_ERR_CONFIG_') || error.code === 'OMENDB_ERR_USERS_INVALID';
    return usageError ? exitCodes.usage : exitCodes.failure;
  }
}
