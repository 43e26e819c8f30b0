import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  checkPasswordHashes,
  documentedScryptCost,
  passwordHashCostFact,
} from '../../../src/readiness/static-facts/password-hash-cost.ts';
import { fixtureRepo, removeFixture, repoRoot } from './fixture-repo.ts';
import { type SharedServer, startSharedServer } from './shared-server.ts';

const minimum = { N: 65536, r: 8, p: 2 };
const salt = 'c2FsdHNhbHRzYWx0c2FsdA';
const digest = 'aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

function usersFile(...users: { name: string; passwordHash?: unknown }[]): string {
  return JSON.stringify({
    version: 1,
    users: users.map((user) => ({ role: 'admin', credentialId: 'c', ...user })),
  });
}

let shared: SharedServer;
let root: string | undefined;
beforeAll(async () => {
  shared = await startSharedServer();
});
afterAll(async () => {
  await shared.dispose();
});
afterEach(async () => {
  if (root !== undefined) await removeFixture(root);
  root = undefined;
});

describe('documentedScryptCost', () => {
  it('reads the cost the text promises, as a power of two or a number', () => {
    expect(documentedScryptCost('New password hashes use scrypt N=2^16, r=8, p=2 (OWASP)')).toEqual(minimum);
    expect(documentedScryptCost('scrypt N=32768, r=8, p=3')).toEqual({ N: 32768, r: 8, p: 3 });
    expect(documentedScryptCost('hashed with scrypt')).toBeUndefined();
  });
});

describe('checkPasswordHashes', () => {
  it('passes when every hash is scrypt at the minimum or above', () => {
    const text = usersFile(
      { name: 'admin', passwordHash: `scrypt$65536$8$2$${salt}$${digest}` },
      { name: 'ops', passwordHash: `scrypt$131072$8$2$${salt}$${digest}` },
    );
    expect(checkPasswordHashes(text, minimum)).toEqual({
      value: 100,
      pass: true,
      detail: '2/2 hashes at scrypt N>=65536 r>=8 p>=2 or above',
    });
  });

  it('fails on a weak hash, another algorithm or a user without a hash, naming each', () => {
    const text = usersFile(
      { name: 'admin', passwordHash: `scrypt$65536$8$2$${salt}$${digest}` },
      { name: 'old', passwordHash: `scrypt$16384$8$1$${salt}$${digest}` },
      { name: 'legacy', passwordHash: '$2b$12$abcdefghijklmnopqrstuv' },
      { name: 'none' },
    );
    const result = checkPasswordHashes(text, minimum);
    expect(result).toMatchObject({ value: 0, pass: false });
    expect(result.detail).toContain('3/4 hashes below');
    expect(result.detail).toContain('old: N=16384 r=8 p=1 below N=65536 r=8 p=2');
    expect(result.detail).toContain('legacy: not an scrypt hash');
    expect(result.detail).toContain('none: no password hash');
  });

  it('is no evidence for a file that is not JSON or holds no users', () => {
    expect(checkPasswordHashes('{', minimum).detail).toBe('no evidence: the users file is not JSON');
    expect(checkPasswordHashes(usersFile(), minimum).detail).toBe(
      'no evidence: the users file holds no users',
    );
    expect(checkPasswordHashes('null', minimum).pass).toBe(false);
  });
});

describe('passwordHashCostFact', () => {
  it("holds on the repository as it is: a fresh server's admin hash meets the README's cost", async () => {
    const result = await passwordHashCostFact(shared.withServer).evaluate({ repoRoot, runDirs: [] });
    expect(result).toEqual({
      value: 100,
      pass: true,
      detail: '1/1 hashes at scrypt N>=65536 r>=8 p>=2 or above',
    });
  });

  it('fails when the README documents another cost than the engine hashes at', async () => {
    root = await fixtureRepo({ 'README.md': 'New password hashes use scrypt N=2^17, r=8, p=2.' });
    const result = await passwordHashCostFact(shared.withServer).evaluate({ repoRoot: root, runDirs: [] });
    expect(result).toMatchObject({ value: 0, pass: false });
    expect(result.detail).toContain(
      'README.md documents scrypt N=131072 r=8 p=2, the engine hashes at N=65536',
    );
  });

  it('is no evidence when the README documents no cost', async () => {
    root = await fixtureRepo({ 'README.md': 'Passwords are hashed.' });
    const result = await passwordHashCostFact(shared.withServer).evaluate({ repoRoot: root, runDirs: [] });
    expect(result.detail).toMatch(/^no evidence: README.md documents no scrypt cost/);
  });
});
