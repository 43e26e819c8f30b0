import { OmenDbError } from '../errors.ts';
import { newHashCost } from '../server/passwords.ts';
import { parseFlags } from '../server/server-config.ts';
import { UsersStore, validateRole } from '../server/users-store.ts';
import { readPassword } from './read-password.ts';
import { usersUsage } from './usage.ts';

function usage(message: string): OmenDbError {
  return new OmenDbError('OMENDB_ERR_CONFIG_INVALID', `${message}\n${usersUsage}`);
}

/** Manages the users file of a data directory; a running server sees the change within a second. */
export async function usersCommand(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [action, ...rest] = argv;
  const name = rest[0] !== undefined && !rest[0].startsWith('--') ? rest.shift() : undefined;
  const role = takeFlag(rest, '--role');
  const { values } = parseFlags(rest);
  const extra = Object.keys(values).filter((key) => key !== 'data');
  if (extra.length > 0) throw usage(`users takes only --data (and --role), not ${extra.join(', ')}`);
  const data = values.data ?? env.OMENDB_DATA;
  if (data === undefined) throw usage('--data DIR is required');
  // A bad OMENDB_PASSWORD_HASH_COST fails here, before the users file is touched.
  newHashCost(env);
  const users = await UsersStore.open(data);
  switch (action) {
    case 'list':
      for (const user of users.list()) process.stdout.write(`${user.name}\t${user.role}\n`);
      return 0;
    case 'add': {
      if (name === undefined) throw usage('users add needs a NAME');
      validateRole(role);
      await users.add(name, role, await readPassword(env, `password for ${name}: `));
      process.stdout.write(`added ${name} (${role})\n`);
      return 0;
    }
    case 'passwd':
      if (name === undefined) throw usage('users passwd needs a NAME');
      await users.setPassword(name, await readPassword(env, `new password for ${name}: `));
      process.stdout.write(`password changed for ${name}\n`);
      return 0;
    case 'remove':
      if (name === undefined) throw usage('users remove needs a NAME');
      await users.remove(name);
      process.stdout.write(`removed ${name}\n`);
      return 0;
    default:
      throw usage(`unknown users action ${action ?? '(none)'}`);
  }
}

function takeFlag(args: string[], flag: string): string | undefined {
  const at = args.findIndex((arg) => arg === flag || arg.startsWith(`${flag}=`));
  if (at < 0) return undefined;
  const arg = args[at]!;
  if (arg.includes('=')) {
    args.splice(at, 1);
    return arg.slice(flag.length + 1);
  }
  const value = args[at + 1];
  args.splice(at, 2);
  return value;
}
