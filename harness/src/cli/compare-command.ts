import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isOmenDbError, OmenDbError } from '@omendb/engine';
import { type ScenarioResult, validateResult } from '../runner/result.ts';
import { compareMetrics, describeResult, formatTable, rowsBelow } from './compare.ts';
import { type CliIo, exitCodes } from './io.ts';
import { compareUsage } from './usage.ts';

/**
 * `omendb-harness compare A.json B.json [--fail-below R] [--only REGEX] [--json]`: every numeric
 * metric the two results share, side by side with A/B and A's advantage (see compare.ts). With
 * --fail-below R it exits 1 when a directed metric's advantage is below R, listing them; a file
 * that cannot be read or is not a valid result is a usage error (64).
 */

function usage(message: string): never {
  throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', message);
}

async function readResult(cwd: string, path: string): Promise<ScenarioResult> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, path), 'utf8');
  } catch (error) {
    return usage(`cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return usage(`${path} is not JSON: ${(error as Error).message}`);
  }
  try {
    return validateResult(parsed as ScenarioResult);
  } catch (error) {
    if (isOmenDbError(error, 'OMENDB_ERR_HARNESS_RESULT_INVALID'))
      return usage(`${path} is not a scenario result: ${error.message}`);
    throw error;
  }
}

function parseRatio(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ratio = Number(text);
  if (text.trim() === '' || !Number.isFinite(ratio) || ratio <= 0)
    usage(`--fail-below takes a positive number, not ${text}`);
  return ratio;
}

function parseOnly(text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (error) {
    return usage(`--only takes a regular expression: ${(error as Error).message}`);
  }
}

export async function compareCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      'fail-below': { type: 'string' },
      only: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    io.stdout.write(compareUsage);
    return exitCodes.passed;
  }
  if (positionals.length !== 2) usage(`compare takes two result files, not ${positionals.length}`);
  const failBelow = parseRatio(values['fail-below']);
  const only = parseOnly(values.only);
  const [pathA, pathB] = positionals as [string, string];
  const a = await readResult(io.cwd, pathA);
  const b = await readResult(io.cwd, pathB);
  const rows = compareMetrics(a, b, only);
  const failing = failBelow === undefined ? [] : rowsBelow(rows, failBelow);
  if (values.json === true) {
    const describe = (path: string, r: ScenarioResult) => ({
      path,
      scenario: r.scenario,
      engine: r.engine,
      profile: r.profile,
      params: r.params,
      seed: r.seed,
      status: r.status,
    });
    io.stdout.write(
      `${JSON.stringify({ a: describe(pathA, a), b: describe(pathB, b), failBelow: failBelow ?? null, rows, failing }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(`${describeResult('A', pathA, a)}\n${describeResult('B', pathB, b)}\n\n`);
    if (a.scenario !== b.scenario)
      io.stdout.write(
        `note: different scenarios (${a.scenario}, ${b.scenario}): only shared paths are shown\n`,
      );
    io.stdout.write(rows.length === 0 ? 'no numeric metric in both results\n' : formatTable(rows));
    if (failBelow !== undefined) {
      io.stdout.write(
        failing.length === 0
          ? `\nevery directed metric has an advantage of at least ${failBelow}\n`
          : `\n${failing.length} metric(s) with an advantage below ${failBelow}:\n${failing
              .map((r) => `  ${r.metric}: ${r.advantage!.toFixed(3)} (${r.direction} is better)`)
              .join('\n')}\n`,
      );
    }
  }
  return failing.length > 0 ? exitCodes.checkFailed : exitCodes.passed;
}
