import { afterEach, describe, expect, it } from 'vitest';
import { engineBinPath, helpOutput } from '../../../src/readiness/static-facts/help-output.ts';
import { fakeBin, fixtureRepo, removeFixture, repoRoot } from './fixture-repo.ts';

let root: string | undefined;
afterEach(async () => {
  if (root !== undefined) await removeFixture(root);
  root = undefined;
});

describe('helpOutput', () => {
  it("prints the repository's own omendb usage", async () => {
    expect(await helpOutput(repoRoot, engineBinPath)).toMatch(/omendb serve --data DIR/);
  });

  it('is OMENDB_ERR_HARNESS_UNAVAILABLE when the command fails', async () => {
    root = await fixtureRepo({ [engineBinPath]: fakeBin('usage', 2) });
    await expect(helpOutput(root, engineBinPath)).rejects.toMatchObject({
      code: 'OMENDB_ERR_HARNESS_UNAVAILABLE',
    });
  });
});
