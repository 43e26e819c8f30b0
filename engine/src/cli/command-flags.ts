import { OmenDbError } from '../errors.ts';

/**
 * `--name VALUE` and `--name=VALUE` flags of a command that takes only `allowed` ones, each once.
 * Anything else (a `--password`, a stray word) is refused with the usage: secrets are never
 * accepted on the command line, and a typo is never ignored.
 */
export function parseCommandFlags<K extends string>(
  argv: readonly string[],
  allowed: readonly K[],
  usage: string,
): Partial<Record<K, string>> {
  const values: Partial<Record<K, string>> = {};
  const refuse = (message: string) => new OmenDbError('OMENDB_ERR_CONFIG_INVALID', `${message}\n${usage}`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg : arg.slice(0, eq)).replace(/^--/, '') as K;
    if (!arg.startsWith('--') || !allowed.includes(name)) throw refuse(`unknown option ${arg.split('=')[0]}`);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw refuse(`--${name} needs a value`);
    if (values[name] !== undefined) throw refuse(`--${name} given twice`);
    values[name] = value;
  }
  return values;
}
