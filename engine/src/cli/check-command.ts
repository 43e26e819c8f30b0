import { parseFlags } from '../server/server-config.ts';
import { checkDirectory } from '../storage/check-directory.ts';
import { OmenDbError } from '../errors.ts';

/** Exit codes of `omendb check`: 0 clean (warnings allowed), 1 problems found. */
export const checkExitProblems = 1;

/** Verifies a data directory offline (the server must be stopped) and prints a JSON report. */
export async function checkCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseFlags(argv);
  const data = values.data ?? env.OMENDB_DATA;
  if (data === undefined) throw new OmenDbError('OMENDB_ERR_CONFIG_INVALID', 'omendb check --data DIR');
  const report = await checkDirectory(data);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : checkExitProblems;
}
