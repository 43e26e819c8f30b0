import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OmenDbError } from '@omendb/engine';
import { cliParamsMax } from '../limits.ts';
import { parseParam, parseParamArgument } from '../runner/params.ts';
import { intervalFileName, readIntervalLog } from '../scenario-support/soak/interval-log.ts';
import { buildSoakReport, formatSoakReport, writeSoakReport } from '../scenario-support/soak/soak-report.ts';
import { soakParamSpecs, soakThresholdNames, soakThresholds } from '../scenario-support/soak/soak-params.ts';
import { readVerification, verificationFileName } from '../scenario-support/soak/soak-verification.ts';
import { type CliIo, exitCodes } from './io.ts';
import { reportSoakUsage } from './usage.ts';

/**
 * `omendb-harness report-soak DIR`: the soak report of a run, finished or cut short. DIR is a run
 * output directory (DIR/soak/intervals.jsonl) or the soak's evidence directory itself. The
 * verdicts are the ones the scenario computes, with the thresholds of the run (its header's
 * parameters) unless --param overrides them. Exit 0 when every verdict passes, 1 when one fails
 * (a partial run fails its verification: the data was never checked), 64 for bad usage.
 */

function usage(message: string): never {
  throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', message);
}

export async function reportSoakCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      json: { type: 'boolean' },
      param: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    io.stdout.write(reportSoakUsage);
    return exitCodes.passed;
  }
  if (positionals.length !== 1) usage('report-soak takes one directory: a run output directory or its soak/');
  const intervalFile = await findIntervalFile(resolve(io.cwd, positionals[0] as string));
  const overrides = parseOverrides(values.param ?? []);
  const log = await readIntervalLog(intervalFile);
  const dir = dirname(intervalFile);
  const thresholds = soakThresholds({ ...thresholdDefaults(), ...log.header.params, ...overrides });
  const verification = await readVerification(join(dir, verificationFileName));
  const report = buildSoakReport(intervalFile, log, verification, thresholds);
  const reportPath = await writeSoakReport(dir, report);
  if (values.json === true) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(`${formatSoakReport(report)}report written to ${reportPath}\n`);
  return report.pass ? exitCodes.passed : exitCodes.checkFailed;
}

async function findIntervalFile(dir: string): Promise<string> {
  for (const candidate of [join(dir, intervalFileName), join(dir, 'soak', intervalFileName)]) {
    const found = await stat(candidate).then(
      (s) => s.isFile(),
      () => false,
    );
    if (found) return candidate;
  }
  return usage(
    `no soak interval file in ${dir} (looked for ${intervalFileName} and soak/${intervalFileName})`,
  );
}

/** The release defaults stand in for a threshold a header lacks (a file from an older version). */
function thresholdDefaults(): Record<string, number> {
  return Object.fromEntries(
    soakThresholdNames.map((name) => [name, soakParamSpecs[name]?.defaults.release as number]),
  );
}

function parseOverrides(texts: readonly string[]): Record<string, number> {
  if (texts.length > cliParamsMax) usage(`at most ${cliParamsMax} --param arguments`);
  const overrides: Record<string, number> = {};
  for (const text of texts) {
    const [name, raw] = parseParamArgument(text);
    if (!(soakThresholdNames as readonly string[]).includes(name))
      usage(`report-soak --param takes a verdict threshold (${soakThresholdNames.join(', ')}), not ${name}`);
    overrides[name] = parseParam(
      'soak',
      name,
      soakParamSpecs[name] as (typeof soakParamSpecs)[string],
      raw,
    ) as number;
  }
  return overrides;
}
