import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrng, type Prng } from '@omendb/engine';
import type { Check, Scenario, ScenarioContext, ScenarioOutcome } from '@omendb/harness';
import {
  type CorruptionFixture,
  buildCorruptionFixture,
} from '../harness/src/scenario-support/corruption-fixture.ts';
import {
  type CaseResult,
  commandDisagrees,
  runCorruptionCase,
} from '../harness/src/scenario-support/corruption-case.ts';
import { type CheckRun, runOmendbCheck } from '../harness/src/scenario-support/omendb-check.ts';
import { checkCommandConcurrency, corruptionRunMsMax } from '../harness/src/limits.ts';
import { engineBin } from '../harness/src/adapters/http/engine-bin.ts';
import {
  type Damage,
  type DamageKind,
  describeDamage,
  drawDamage,
} from '../harness/src/scenario-support/damage.ts';
import { allowedVerdicts } from '../harness/src/scenario-support/judge-damage.ts';
import { Counter, ViolationTally } from '../harness/src/scenario-support/violations.ts';

/**
 * corruption: bit flips, zeroed 4 KiB pages and truncations over the real WAL, segment and
 * manifest files of a data directory the engine populated on the real file system (node:fs).
 * Each damage must be detected (the open refuses with a registry code that names the damage) or
 * harmless (every value read equals the acknowledged one, or only a torn WAL tail is lost, as the
 * engine documents); never a wrong value. And `omendb check` must agree with what opening the
 * directory says: check exits 0 exactly when the open succeeds (a torn tail is a warning in the
 * check and truncated by the open: both say "usable"). The check runs in process for every
 * damage (checkDirectory, the code behind the command) and as the `omendb check` command, in its
 * own process, for a seeded subset (a process costs about a second).
 *
 * The directory is OmenDB's on-disk format, so the engine under test is the @omendb/engine
 * package itself, whatever adapter the run names: the scenario requires only `durable`.
 */

type FileClass = 'wal' | 'segment' | 'manifest';
const fileClasses: readonly FileClass[] = ['wal', 'segment', 'manifest'];

function fileOf(fixture: CorruptionFixture, fileClass: FileClass, prng: Prng): string {
  if (fileClass === 'wal') return fixture.walFile;
  if (fileClass === 'manifest') return 'MANIFEST';
  const segments = [...fixture.files.keys()].filter((name) => name.startsWith('segments/')).sort();
  return prng.pick(segments);
}

/** The damages a seed names: per kind, the count asked for, each to a seeded file and place. */
function drawDamages(fixture: CorruptionFixture, counts: Record<DamageKind, number>, prng: Prng): Damage[] {
  const damages: Damage[] = [];
  for (const kind of Object.keys(counts) as DamageKind[]) {
    for (let i = 0; i < counts[kind]; i++) {
      const file = fileOf(fixture, prng.pick(fileClasses), prng);
      damages.push(drawDamage(prng, kind, file, (fixture.files.get(file) as Uint8Array).length));
    }
  }
  return damages;
}

/** The cases that also run `omendb check` as a process: `runs` of them, spread evenly. */
function commandCases(total: number, runs: number): Set<number> {
  const picked = new Set<number>();
  const count = Math.min(total, runs);
  for (let j = 0; j < count; j++) picked.add(Math.floor((j * total) / count));
  return picked;
}

function classOf(file: string): FileClass {
  return file === 'MANIFEST' ? 'manifest' : file.startsWith('wal/') ? 'wal' : 'segment';
}

interface Tallies {
  readonly byKind: Counter;
  readonly byFile: Counter;
  readonly verdicts: Counter;
  readonly codes: Counter;
  readonly violations: ViolationTally;
  wrongValues: number;
  tornTailPointsLost: number;
  checkDisagreements: number;
  commandRuns: number;
}

function tally(t: Tallies, result: CaseResult): void {
  t.byKind.add(result.damage.kind);
  t.byFile.add(classOf(result.damage.file));
  t.verdicts.add(result.verdict);
  if (result.openCode !== 'opened') t.codes.add(result.openCode);
  t.wrongValues += result.wrongValues;
  if (result.verdict === 'torn-tail') t.tornTailPointsLost += result.lostPoints;
  const what = describeDamage(result.damage);
  if (!allowedVerdicts.has(result.verdict))
    t.violations.add(
      result.verdict,
      `${what}: open ${result.openCode}, ${result.wrongValues} wrong values, ${result.lostPoints} points lost`,
    );
  if (result.checkDisagrees) {
    t.checkDisagreements++;
    t.violations.add(
      'check-disagrees',
      `${what}: open ${result.openCode}, checkDirectory ok ${result.checkOk}`,
    );
  }
}

function tallyCommand(t: Tallies, result: CaseResult, command: CheckRun): void {
  t.commandRuns++;
  if (!commandDisagrees(command, result.openCode)) return;
  t.checkDisagreements++;
  t.violations.add(
    'check-disagrees',
    `${describeDamage(result.damage)}: open ${result.openCode}, omendb check exit ${command.exitCode}`,
  );
}

export const corruption: Scenario = {
  name: 'corruption',
  category: 'durability',
  description:
    'Bit flips, zeroed 4 KiB pages and truncations of the WAL, segment and manifest files of a populated OmenDB directory: every damage detected with a registry code or harmless, never a wrong value, and `omendb check` agrees with open',
  requires: ['durable'],
  params: {
    bitFlips: {
      description: 'single-bit flips, each at a seeded byte of a seeded file',
      defaults: { ci: 120, nightly: 1_000, release: 5_000 },
      min: 0,
      max: 1_000_000,
    },
    zeroPages: {
      description: 'seeded 4 KiB pages read back as zeros',
      defaults: { ci: 40, nightly: 300, release: 1_500 },
      min: 0,
      max: 1_000_000,
    },
    truncations: {
      description: 'files cut at a seeded length',
      defaults: { ci: 40, nightly: 300, release: 1_500 },
      min: 0,
      max: 1_000_000,
    },
    checkRuns: {
      description: 'damages also checked by running `omendb check` as a process (about a second each)',
      defaults: { ci: 12, nightly: 60, release: 200 },
      min: 0,
      max: 100_000,
    },
  },
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome> {
    const counts: Record<DamageKind, number> = {
      'bit-flip': Number(ctx.params.bitFlips),
      'zero-page': Number(ctx.params.zeroPages),
      truncate: Number(ctx.params.truncations),
    };
    // Two streams from the seed: the fixture's contents, and the damages done to it.
    const fixturePrng = createPrng(ctx.prng.int(2 ** 32));
    const damagePrng = createPrng(ctx.prng.int(2 ** 32));
    const workDir = join(ctx.evidenceDir, 'corruption-work');
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });
    const fixture = await buildCorruptionFixture(fixturePrng, join(workDir, 'fixture'));
    const damages = drawDamages(fixture, counts, damagePrng);
    const withCommand = commandCases(damages.length, Number(ctx.params.checkRuns));
    const t: Tallies = {
      byKind: new Counter(),
      byFile: new Counter(),
      verdicts: new Counter(),
      codes: new Counter(),
      violations: new ViolationTally(),
      wrongValues: 0,
      tornTailPointsLost: 0,
      checkDisagreements: 0,
      commandRuns: 0,
    };
    const lines: string[] = [];
    const commandExits = new Map<number, number | null>();
    // `omendb check` processes run on their own copy of the damaged directory while the next cases go on.
    const running: Promise<void>[] = [];
    const started = ctx.clock.now();
    let applied = 0;
    for (const [i, damage] of damages.entries()) {
      if (ctx.clock.now() - started > corruptionRunMsMax) break;
      applied++;
      const commandDir = withCommand.has(i) ? join(workDir, `command-${i}`) : undefined;
      const result = await runCorruptionCase(fixture, damage, join(workDir, 'case'), commandDir);
      tally(t, result);
      if (commandDir !== undefined) {
        if (running.length >= checkCommandConcurrency) await running.shift();
        running.push(
          runOmendbCheck(commandDir).then(async (command) => {
            tallyCommand(t, result, command);
            commandExits.set(i, command.exitCode);
            await rm(commandDir, { recursive: true, force: true });
          }),
        );
      }
      lines.push(
        JSON.stringify({
          case: i,
          damage: describeDamage(damage),
          verdict: result.verdict,
          open: result.openCode,
          checkOk: result.checkOk,
        }),
      );
      ctx.progress(i + 1, damages.length, `${t.violations.total} violations`);
    }
    await Promise.all(running);
    const evidence = lines.map((line, i) =>
      commandExits.has(i) ? `${line.slice(0, -1)},"commandExit":${commandExits.get(i)}}` : line,
    );
    await rm(workDir, { recursive: true, force: true });
    const casesPath = join(ctx.evidenceDir, 'corruption-cases.jsonl');
    await writeFile(casesPath, `${evidence.join('\n')}\n`);
    ctx.addEvidence(casesPath);
    const asked = counts['bit-flip'] + counts['zero-page'] + counts.truncate;
    const commandRunsAsked = Math.min(asked, Number(ctx.params.checkRuns));
    const undetected = t.violations.total - t.checkDisagreements;
    const checks: Check[] = [
      { name: 'wrong values', pass: t.wrongValues === 0, value: t.wrongValues, threshold: '== 0' },
      {
        name: 'damages not detected nor harmless',
        pass: undetected === 0,
        value: undetected,
        threshold: '== 0',
      },
      {
        name: 'check disagreements',
        pass: t.checkDisagreements === 0,
        value: t.checkDisagreements,
        threshold: '== 0',
      },
      {
        name: 'damages applied',
        pass: applied >= asked,
        value: applied,
        threshold: `>= ${asked}`,
      },
      {
        name: 'omendb check runs',
        pass: t.commandRuns >= commandRunsAsked,
        value: t.commandRuns,
        threshold: `>= ${commandRunsAsked}`,
      },
    ];
    return {
      metrics: {
        seed: ctx.seed,
        // The directory is OmenDB's format, written and opened by this package, whatever the adapter.
        engineUnderTest: `@omendb/engine ${engineBin().version}`,
        fixture: {
          files: fixture.files.size,
          points: fixture.points,
          walRecords: fixture.walRecords.length,
          bytes: [...fixture.files.values()].reduce((sum, bytes) => sum + bytes.length, 0),
        },
        damages: t.byKind.toJSON(),
        damagesByFile: t.byFile.toJSON(),
        detected: t.verdicts.get('detected'),
        intact: t.verdicts.get('intact'),
        tornTail: t.verdicts.get('torn-tail'),
        harmless: t.verdicts.get('intact') + t.verdicts.get('torn-tail'),
        tornTailPointsLost: t.tornTailPointsLost,
        wrongValues: t.wrongValues,
        verdicts: t.verdicts.toJSON(),
        openCodes: t.codes.toJSON(),
        checkRuns: t.commandRuns,
        checkDisagreements: t.checkDisagreements,
        violations: t.violations.byKind([
          'wrong-value',
          'undetected-loss',
          'unexpected-error',
          'false-alarm',
          'check-disagrees',
        ]),
        violationExamples: t.violations.examples(),
      },
      checks,
    };
  },
};
