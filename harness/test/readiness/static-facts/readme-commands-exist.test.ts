import { afterEach, describe, expect, it } from 'vitest';
import { engineBinPath, harnessBinPath } from '../../../src/readiness/static-facts/help-output.ts';
import {
  checkReadmeCommands,
  commandsNamed,
  readmeCommandsExistFact,
  scriptsOf,
} from '../../../src/readiness/static-facts/readme-commands-exist.ts';
import { fakeBin, fixtureRepo, removeFixture, repoRoot } from './fixture-repo.ts';

let root: string | undefined;
afterEach(async () => {
  if (root !== undefined) await removeFixture(root);
  root = undefined;
});

const sets = {
  scripts: new Set(['demo', 'test', 'bench:http']),
  harness: new Set(['run', 'list']),
  engine: new Set(['serve', 'check']),
};

describe('checkReadmeCommands', () => {
  it('passes when every command in the code exists, each counted once', () => {
    const readme = [
      '```sh',
      'npm ci && npm run demo',
      'npx omendb-harness run crash-kill --engine http',
      'npx omendb-harness run soak',
      '```',
      'Then `npm test`, `npm run bench:http -- --json F`, `omendb serve --data DIR` and `omendb check`.',
      'Prose naming omendb frobnicate or npm run nothing is not a command.',
    ].join('\n');
    expect(checkReadmeCommands(readme, sets)).toEqual({
      value: 100,
      pass: true,
      detail: '6/6 README commands that exist',
    });
  });

  it('fails on a missing script and on an unknown subcommand, naming them', () => {
    const readme = '`npm run demo`, `npm run deploy`, `npm start`, `omendb-harness gate`, `omendb backup`';
    const result = checkReadmeCommands(readme, sets);
    expect(result).toMatchObject({ value: 20, pass: false });
    expect(result.detail).toContain('npm run deploy (does not exist)');
    expect(result.detail).toContain('npm start (does not exist)');
    expect(result.detail).toContain('omendb-harness gate (does not exist)');
    expect(result.detail).toContain('omendb backup (does not exist)');
  });

  it('is no evidence when the README runs no command', () => {
    expect(checkReadmeCommands('# Nothing to run', sets).detail).toMatch(/^no evidence/);
  });
});

describe('commandsNamed and scriptsOf', () => {
  it('reads subcommands from usage text', () => {
    const help = 'omendb-harness: run scenarios\n  omendb-harness run <s>\n  omendb-harness <command> --help';
    expect(commandsNamed(help, 'harness')).toEqual(['run']);
    expect(commandsNamed('omendb serve\nomendb users add\nomendb: unknown', 'engine')).toEqual([
      'serve',
      'users',
    ]);
  });

  it('reads script names, or undefined without a scripts object', () => {
    expect(scriptsOf('{"scripts": {"a": "x", "b:c": "y"}}')).toEqual(new Set(['a', 'b:c']));
    expect(scriptsOf('{"name": "x"}')).toBeUndefined();
    expect(scriptsOf('{"scripts": []}')).toBeUndefined();
    expect(scriptsOf('null')).toBeUndefined();
    expect(scriptsOf('not json')).toBeUndefined();
  });
});

describe('readmeCommandsExistFact', () => {
  it('holds on the repository as it is', async () => {
    const result = await readmeCommandsExistFact.evaluate({ repoRoot, runDirs: [] });
    expect(result.detail).toMatch(/^\d+\/\d+ README commands that exist$/);
    expect(result).toMatchObject({ value: 100, pass: true });
  });

  it('fails on a repository whose README runs a script that does not exist', async () => {
    root = await fixtureRepo({
      'README.md':
        '```sh\nnpm run demo\nnpm run vanished\nnpx omendb-harness run x\nomendb serve --data D\n```\n',
      'package.json': JSON.stringify({ scripts: { demo: 'tsx demo.ts' } }),
      [harnessBinPath]: fakeBin('Usage:\n  omendb-harness run <scenario...>\n'),
      [engineBinPath]: fakeBin('Usage:\nomendb serve --data DIR\n'),
    });
    const result = await readmeCommandsExistFact.evaluate({ repoRoot: root, runDirs: [] });
    expect(result).toMatchObject({ value: 75, pass: false });
    expect(result.detail).toContain('npm run vanished (does not exist)');
  });

  it('is no evidence without a scripts object', async () => {
    root = await fixtureRepo({ 'README.md': '`npm test`', 'package.json': '{}' });
    const result = await readmeCommandsExistFact.evaluate({ repoRoot: root, runDirs: [] });
    expect(result).toMatchObject({ value: 0, pass: false });
    expect(result.detail).toMatch(/^no evidence: the root package.json has no scripts/);
  });

  it('is no evidence when a command cannot print its usage', async () => {
    root = await fixtureRepo({ 'README.md': '`npm test`', 'package.json': '{"scripts": {"test": "x"}}' });
    const result = await readmeCommandsExistFact.evaluate({ repoRoot: root, runDirs: [] });
    expect(result).toMatchObject({ value: 0, pass: false });
    expect(result.detail).toMatch(/^no evidence: OMENDB_ERR_HARNESS_UNAVAILABLE/);
  });
});
