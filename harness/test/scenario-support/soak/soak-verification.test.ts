import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelAdapter } from '../../../src/adapters/model/adapter.ts';
import { ManualClock } from '../../../src/runner/clock.ts';
import { PrunedHistory } from '../../../src/scenario-support/soak/pruned-history.ts';
import {
  readVerification,
  verifySoak,
  writeVerification,
} from '../../../src/scenario-support/soak/soak-verification.ts';
import {
  soakEntryPoints,
  soakKey,
  soakPoints,
  soakSeriesName,
} from '../../../src/scenario-support/soak/soak-workload.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'omendb-soak-verify-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function written(history: PrunedHistory, model: ModelAdapter, first: number, count: number) {
  const index = history.begin('write', soakSeriesName(0), soakKey(first), soakKey(first + count - 1), {
    seriesIndex: 0,
    first,
    count,
  });
  await model.write(soakSeriesName(0), soakPoints(0, first, count));
  history.complete(index, 'ok');
}

describe('the soak verification', () => {
  it('reads the state back and runs set-full: a correct engine passes, a lost key fails', async () => {
    const model = new ModelAdapter();
    await model.open();
    const history = new PrunedHistory({ clock: new ManualClock(), pointsOf: soakEntryPoints });
    await written(history, model, 0, 10);
    const good = await verifySoak(model, history);
    expect(good.verified && good.result.pass).toBe(true);
    await model.deleteRange(soakSeriesName(0), soakKey(4), soakKey(4));
    const bad = await verifySoak(model, history);
    expect(bad.verified && bad.result.counts.lost).toBe(1);
    // Written and read back as it was.
    const path = join(dir, 'verification.json');
    await writeVerification(path, bad, history.stats());
    expect(await readVerification(path)).toEqual(bad);
  });

  it('gives up, saying why, when the history overflowed or the state cannot be read', async () => {
    const model = new ModelAdapter();
    await model.open();
    const history = new PrunedHistory({ clock: new ManualClock(), pointsOf: soakEntryPoints, entriesMax: 1 });
    await written(history, model, 0, 10);
    await written(history, model, 10, 10);
    expect(await verifySoak(model, history)).toMatchObject({
      verified: false,
      reason: expect.stringMatching(/outgrew/),
    });
    const closed = new ModelAdapter();
    const fresh = new PrunedHistory({ clock: new ManualClock(), pointsOf: soakEntryPoints });
    expect(await verifySoak(closed, fresh)).toEqual({
      verified: false,
      reason: 'reading the final state failed: OMENDB_ERR_HARNESS_ADAPTER_STATE',
    });
  });

  it('reads back nothing from a partial run, and a clear refusal from a damaged file', async () => {
    expect(await readVerification(join(dir, 'absent.json'))).toBeUndefined();
    const damaged = join(dir, 'damaged.json');
    await writeFile(damaged, '{"verified": tr');
    expect(await readVerification(damaged)).toEqual({
      verified: false,
      reason: 'verification.json is not JSON',
    });
    await writeFile(damaged, '{"verified": true, "result": {"pass": true}}');
    expect(await readVerification(damaged)).toEqual({
      verified: false,
      reason: 'verification.json holds no verification',
    });
    await writeFile(damaged, '{"verified": false, "reason": "the history outgrew it"}');
    expect(await readVerification(damaged)).toEqual({ verified: false, reason: 'the history outgrew it' });
  });
});
