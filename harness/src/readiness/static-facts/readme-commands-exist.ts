import { join } from 'node:path';
import type { StaticFact, StaticFactContext, StaticFactResult } from '../types.ts';
import { readTextBounded } from './fact-files.ts';
import { guarded, noEvidence, shareResult } from './fact-result.ts';
import { engineBinPath, harnessBinPath, helpOutput } from './help-output.ts';
import { markdownCode } from './markdown-code.ts';

/**
 * 'readme-commands-exist': every `npm run X` (and `npm test`, `npm start`) in the README's code
 * names a script of the root package.json, and every `omendb-harness <cmd>` and `omendb <cmd>`
 * names a command that the bin's own --help lists. Each distinct command counts once.
 */

export interface CommandSets {
  /** The root package.json's script names. */
  readonly scripts: ReadonlySet<string>;
  /** Subcommands `node harness/bin/omendb-harness.js --help` lists. */
  readonly harness: ReadonlySet<string>;
  /** Subcommands `node engine/bin/omendb.js --help` lists. */
  readonly engine: ReadonlySet<string>;
}

type Kind = keyof CommandSets;

const patterns: readonly { kind: Kind; pattern: RegExp; label: (name: string) => string }[] = [
  { kind: 'scripts', pattern: /\bnpm\s+run\s+([A-Za-z0-9:._-]+)/g, label: (name) => `npm run ${name}` },
  { kind: 'scripts', pattern: /\bnpm\s+(test|start|stop|restart)\b/g, label: (name) => `npm ${name}` },
  {
    kind: 'harness',
    pattern: /\bomendb-harness\s+([a-z][a-z-]*)/g,
    label: (name) => `omendb-harness ${name}`,
  },
  // Not `omendb-harness`: the space right after the name tells the engine's command apart (a
  // command may wrap across lines of a paragraph).
  { kind: 'engine', pattern: /(?<![\w@/.-])omendb\s+([a-z][a-z-]*)/g, label: (name) => `omendb ${name}` },
];

/** The subcommands a text names for one kind, in order of first mention. */
export function commandsNamed(text: string, kind: Kind): string[] {
  const names = new Set<string>();
  for (const entry of patterns)
    if (entry.kind === kind) for (const match of text.matchAll(entry.pattern)) names.add(match[1]!);
  return [...names];
}

/** The pure check: the README and the command sets in, the share of existing commands out. */
export function checkReadmeCommands(readme: string, sets: CommandSets): StaticFactResult {
  const mentions = new Map<string, boolean>();
  for (const code of markdownCode(readme))
    for (const entry of patterns)
      for (const match of code.matchAll(entry.pattern))
        mentions.set(entry.label(match[1]!), sets[entry.kind].has(match[1]!));
  const offenders = [...mentions]
    .filter(([, exists]) => !exists)
    .map(([label]) => `${label} (does not exist)`);
  return shareResult('README commands that exist', mentions.size, offenders);
}

/** The script names of a package.json's text, or undefined when it has none (or is not JSON). */
export function scriptsOf(packageJson: string): Set<string> | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(packageJson);
  } catch {
    return undefined;
  }
  const scripts = (manifest as { scripts?: unknown } | null)?.scripts;
  if (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts)) return undefined;
  return new Set(Object.keys(scripts));
}

async function evaluate({ repoRoot }: StaticFactContext): Promise<StaticFactResult> {
  const readme = await readTextBounded(join(repoRoot, 'README.md'));
  const scripts = scriptsOf(await readTextBounded(join(repoRoot, 'package.json')));
  if (scripts === undefined) return noEvidence('the root package.json has no scripts object');
  return checkReadmeCommands(readme, {
    scripts,
    harness: new Set(commandsNamed(await helpOutput(repoRoot, harnessBinPath), 'harness')),
    engine: new Set(commandsNamed(await helpOutput(repoRoot, engineBinPath), 'engine')),
  });
}

export const readmeCommandsExistFact: StaticFact = {
  name: 'readme-commands-exist',
  description:
    "Every npm script the README runs exists in package.json, and every omendb / omendb-harness subcommand it names is in that command's --help.",
  evaluate: (context) => guarded(() => evaluate(context)),
};
