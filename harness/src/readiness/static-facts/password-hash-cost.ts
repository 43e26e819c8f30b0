import { join } from 'node:path';
import { scryptCost } from '@omendb/engine';
import type { StaticFact, StaticFactContext, StaticFactResult } from '../types.ts';
import { readTextBounded } from './fact-files.ts';
import { guarded, noEvidence } from './fact-result.ts';
import { type WithServer, withSpawnedServer } from './fact-server.ts';

/**
 * 'password-hash-cost': every password hash in the users file of a freshly started server uses
 * scrypt at no less than the policy's minimum cost (N, r and p each). The engine does not export
 * the cost of its new hashes from '@omendb/engine' (it is internal to the server), so the minimum
 * is the one README.md promises ("scrypt N=2^16, r=8, p=2"): the fact holds the server to its
 * documentation. The users file is read as a file (`<data>/server/users.json`,
 * `{version, users: [{name, passwordHash}]}`, hashes `scrypt$N$r$p$salt$hash`), never through
 * engine internals.
 */

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const usersFileInDataDir = 'server/users.json';

function exponentOrNumber(text: string): number {
  const power = /^2\^(\d+)$/.exec(text);
  return power === null ? Number(text) : 2 ** Number(power[1]);
}

/** The scrypt cost a text documents ("scrypt N=2^16, r=8, p=2"), or undefined when it states none. */
export function documentedScryptCost(text: string): ScryptCost | undefined {
  const match = /scrypt\s+N\s*=\s*(2\^\d+|\d+),\s*r\s*=\s*(\d+),\s*p\s*=\s*(\d+)/.exec(text);
  if (match === null) return undefined;
  return { N: exponentOrNumber(match[1]!), r: Number(match[2]), p: Number(match[3]) };
}

const storedHash = /^scrypt\$([0-9]+)\$([0-9]+)\$([0-9]+)\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/;

/** What is wrong with one stored hash against the minimum (undefined when it is strong enough). */
function hashProblem(hash: unknown, minimum: ScryptCost): string | undefined {
  if (typeof hash !== 'string') return 'no password hash';
  const match = storedHash.exec(hash);
  if (match === null) return `not an scrypt hash (${hash.split('$')[0]!.slice(0, 16)})`;
  const cost = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const low = (['N', 'r', 'p'] as const).filter((name) => cost[name] < minimum[name]);
  if (low.length === 0) return undefined;
  return `N=${cost.N} r=${cost.r} p=${cost.p} below N=${minimum.N} r=${minimum.r} p=${minimum.p}`;
}

/** The pure check: a users file's text and the minimum in; 100 when every hash meets it, else 0. */
export function checkPasswordHashes(usersFile: string, minimum: ScryptCost): StaticFactResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(usersFile);
  } catch {
    return noEvidence('the users file is not JSON');
  }
  const users = (parsed as { users?: unknown } | null)?.users;
  if (!Array.isArray(users) || users.length === 0) return noEvidence('the users file holds no users');
  const offenders: string[] = [];
  for (const user of users as { name?: unknown; passwordHash?: unknown }[]) {
    const problem = hashProblem(user?.passwordHash, minimum);
    if (problem !== undefined) offenders.push(`${String(user?.name)}: ${problem}`);
  }
  const floor = `scrypt N>=${minimum.N} r>=${minimum.r} p>=${minimum.p}`;
  if (offenders.length > 0)
    return {
      value: 0,
      pass: false,
      detail: `${offenders.length}/${users.length} hashes below ${floor}: ${offenders.join('; ')}`,
    };
  return { value: 100, pass: true, detail: `${users.length}/${users.length} hashes at ${floor} or above` };
}

export function passwordHashCostFact(withServer: WithServer = withSpawnedServer): StaticFact {
  return {
    name: 'password-hash-cost',
    description:
      "Every password hash in a fresh server's users file is scrypt at no less than the engine's cost for new hashes, and README.md documents that cost.",
    evaluate: ({ repoRoot }: StaticFactContext) =>
      guarded(async () => {
        const minimum: ScryptCost = scryptCost;
        const documented = documentedScryptCost(await readTextBounded(join(repoRoot, 'README.md')));
        if (documented === undefined)
          return noEvidence('README.md documents no scrypt cost (scrypt N=..., r=..., p=...)');
        if (documented.N !== minimum.N || documented.r !== minimum.r || documented.p !== minimum.p)
          return {
            value: 0,
            pass: false,
            detail: `README.md documents scrypt N=${documented.N} r=${documented.r} p=${documented.p}, the engine hashes at N=${minimum.N} r=${minimum.r} p=${minimum.p}`,
          };
        return withServer(async (server) =>
          checkPasswordHashes(await readTextBounded(join(server.dataDir, usersFileInDataDir)), minimum),
        );
      }),
  };
}
