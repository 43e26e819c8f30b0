import type { StaticFact, StaticFactContext, StaticFactResult } from '../types.ts';
import { guarded } from './fact-result.ts';
import { engineBinPath, helpOutput } from './help-output.ts';
import { commandsNamed } from './readme-commands-exist.ts';

/**
 * 'backup-command-exists': `omendb --help` lists a `backup` and a `restore` command. Neither exists
 * yet, so Deployment (informational) honestly scores 0 here until they do.
 */

const required = ['backup', 'restore'];

/** The pure check: the engine's --help text in; pass (100) when both commands are listed, else 0. */
export function checkBackupCommands(engineHelp: string): StaticFactResult {
  const listed = new Set(commandsNamed(engineHelp, 'engine'));
  const missing = required.filter((name) => !listed.has(name));
  if (missing.length === 0)
    return { value: 100, pass: true, detail: 'omendb --help lists backup and restore' };
  return {
    value: 0,
    pass: false,
    detail: `omendb --help lists no ${missing.join(' and no ')} command (it lists: ${[...listed].join(', ') || 'none'})`,
  };
}

export const backupCommandExistsFact: StaticFact = {
  name: 'backup-command-exists',
  description: 'The omendb command has a backup and a restore subcommand (its --help lists both).',
  evaluate: ({ repoRoot }: StaticFactContext) =>
    guarded(async () => checkBackupCommands(await helpOutput(repoRoot, engineBinPath))),
};
