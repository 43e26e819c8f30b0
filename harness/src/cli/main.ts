import { isOmenDbError } from '@omendb/engine';
import { scenarios } from '../../../scenarios/index.ts';
import { type CliIo, exitCodes } from './io.ts';
import { compareCommand } from './compare-command.ts';
import { gateCommand } from './gate-command.ts';
import { listCommand } from './list-command.ts';
import { reportCommand } from './report-command.ts';
import { reportSoakCommand } from './report-soak-command.ts';
import { runCommand } from './run-command.ts';
import { mainUsage } from './usage.ts';

/**
 * The omendb-harness command. Returns the exit code: 0 every check passed, 1 a check failed,
 * 2 a scenario crashed, 64 bad usage (OMENDB_ERR_HARNESS_USAGE, and node's own argument errors).
 */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: Partial<CliIo> = {},
): Promise<number> {
  const cli: CliIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    scenarios: io.scenarios ?? scenarios,
    cwd: io.cwd ?? process.cwd(),
  };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, env, cli);
      case 'list':
        return listCommand(rest, cli);
      case 'compare':
        return await compareCommand(rest, cli);
      case 'gate':
        return await gateCommand(rest, cli);
      case 'report':
        return await reportCommand(rest, cli);
      case 'report-soak':
        return await reportSoakCommand(rest, cli);
      case '-h':
      case '--help':
      case 'help':
        cli.stdout.write(mainUsage);
        return exitCodes.passed;
      default:
        cli.stderr.write(
          `${command === undefined ? 'no command' : `unknown command ${command}`}\n\n${mainUsage}`,
        );
        return exitCodes.usage;
    }
  } catch (error) {
    if (isUsageError(error)) {
      cli.stderr.write(`omendb-harness: ${(error as Error).message}\n`);
      return exitCodes.usage;
    }
    // Not a scenario's crash (the runner records those) but the harness's own: still exit 2.
    cli.stderr.write(
      `omendb-harness crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return exitCodes.crashed;
  }
}

/** Our usage code, or node's parseArgs errors (an unknown option, a missing value). */
function isUsageError(error: unknown): boolean {
  if (isOmenDbError(error, 'OMENDB_ERR_HARNESS_USAGE')) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
