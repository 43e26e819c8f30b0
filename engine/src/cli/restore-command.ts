import { OmenDbError } from '../errors.ts';
import { restoreBackup } from '../storage/restore.ts';
import { parseCommandFlags } from './command-flags.ts';
import { restoreUsage } from './usage.ts';

/** `omendb restore`: verifies a backup whole, then writes it into NEWDIR. Prints a JSON summary. */
export async function restoreCommand(argv: readonly string[]): Promise<number> {
  const flags = parseCommandFlags(argv, ['from', 'data'], restoreUsage);
  if (flags.from === undefined || flags.data === undefined)
    throw new OmenDbError('OMENDB_ERR_CONFIG_INVALID', `give --from and --data\n${restoreUsage}`);
  const started = performance.now();
  const summary = await restoreBackup(flags.from, flags.data);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ ok: true, ...summary, seconds })}\n`);
  return 0;
}
