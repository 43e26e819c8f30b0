import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkDirectory, isOmenDbError, openEngine } from '@omendb/engine';
import { readStatePagesMax } from '../limits.ts';
import { type CorruptionFixture, silentLogger } from './corruption-fixture.ts';
import { applyDamage, type Damage, damageIsNoop } from './damage.ts';
import { type DamageJudgement, judgeDamage, type OpenResult } from './judge-damage.ts';
import type { CheckRun } from './omendb-check.ts';
import { readEngineState, stateFingerprint } from './state-diff.ts';

/**
 * One damage case: the fixture's files written to `dir` with one file damaged; the offline check
 * (checkDirectory, the code behind `omendb check`) run first, because a successful open repairs
 * a torn tail; then the directory opened as a user would, and judged. With `commandDir`, the
 * same damaged directory is also written there, for the `omendb check` command to run on while
 * the next cases go on (see commandDisagrees).
 */

export interface CaseResult extends DamageJudgement {
  readonly damage: Damage;
  readonly noop: boolean;
  /** The open's registry code, or 'opened'. */
  readonly openCode: string;
  /** checkDirectory's verdict (report.ok). */
  readonly checkOk: boolean;
  /** True when checkDirectory's verdict differs from what opening the directory said. */
  readonly checkDisagrees: boolean;
}

async function materialize(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
  damage: Damage,
): Promise<boolean> {
  await rm(dir, { recursive: true, force: true });
  let noop = false;
  for (const [relative, bytes] of files) {
    const path = join(dir, relative);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let content = bytes;
    if (relative === damage.file) {
      noop = damageIsNoop(bytes, damage);
      content = applyDamage(bytes, damage);
    }
    await writeFile(path, content, { mode: 0o600 });
  }
  return noop;
}

async function openAndRead(dir: string): Promise<OpenResult> {
  let engine: Awaited<ReturnType<typeof openEngine>>;
  try {
    engine = await openEngine({ dir, logger: silentLogger, autoMaintenance: false });
  } catch (error) {
    return {
      opened: false,
      code: isOmenDbError(error) ? error.code : `non-registry error: ${String(error)}`,
    };
  }
  try {
    const state = await readEngineState(engine, readStatePagesMax);
    return { opened: true, fingerprint: stateFingerprint(state), state };
  } catch (error) {
    // Opened, then failed to read what it opened: as bad as a refusal without a damage code.
    return { opened: false, code: `read failed: ${isOmenDbError(error) ? error.code : String(error)}` };
  } finally {
    await engine.close();
  }
}

export async function runCorruptionCase(
  fixture: CorruptionFixture,
  damage: Damage,
  dir: string,
  commandDir?: string,
): Promise<CaseResult> {
  const noop = await materialize(dir, fixture.files, damage);
  if (commandDir !== undefined) await materialize(commandDir, fixture.files, damage);
  const checkOk = (await checkDirectory(dir)).ok;
  const open = await openAndRead(dir);
  const judgement = judgeDamage(fixture, damage, noop, open);
  return {
    ...judgement,
    damage,
    noop,
    openCode: open.opened ? 'opened' : open.code,
    checkOk,
    checkDisagrees: checkOk !== open.opened,
  };
}

/** True when the command's exit code says otherwise than the open did (0: usable, 1: damaged). */
export function commandDisagrees(command: CheckRun, openCode: string): boolean {
  return command.exitCode !== (openCode === 'opened' ? 0 : 1);
}
