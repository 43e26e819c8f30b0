import { stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OmenDbError } from '@omendb/engine';
import { readinessInputsMax } from '../limits.ts';
import { buildReport } from '../readiness/build-report.ts';
import { defaultPolicyPath } from '../readiness/policy.ts';
import { renderHtml } from '../readiness/report-html.ts';
import { formatCategoryTable, renderMarkdown } from '../readiness/report-md.ts';
import { repoRootUrl } from '../repo-paths.ts';
import { type CliIo, exitCodes } from './io.ts';
import { reportUsage } from './usage.ts';

const repoRoot = fileURLToPath(repoRootUrl);

/**
 * `omendb-harness report --in DIR [--in DIR2 ...] [--baseline previous.json] [--policy FILE]
 * [--out DIR]`: the readiness report of one or more run directories, merged: readiness.json
 * (schema-validated), readiness.md and readiness.html in --out. Prints the category table and the
 * path of the HTML. Exit 0 once written, whatever the scores (judging them is the gate's job);
 * 64 for bad usage (a missing directory, an invalid policy or baseline).
 */

export const defaultReportOut = 'reports/readiness';

function usage(message: string): never {
  throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', message);
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function reportCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      in: { type: 'string', multiple: true },
      baseline: { type: 'string' },
      policy: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    io.stdout.write(reportUsage);
    return exitCodes.passed;
  }
  if (positionals.length > 0)
    usage(`report takes no positional arguments (use --in DIR), not ${positionals[0]}`);
  const inputs = values.in ?? [];
  if (inputs.length === 0) usage('report needs at least one --in DIR');
  if (inputs.length > readinessInputsMax) usage(`at most ${readinessInputsMax} --in directories`);
  const inDirs = inputs.map((dir) => resolve(io.cwd, dir));
  for (const [i, dir] of inDirs.entries())
    if (!(await isDirectory(dir))) usage(`--in ${inputs[i]} is not a directory`);
  const policyPath =
    values.policy === undefined ? fileURLToPath(defaultPolicyPath) : resolve(io.cwd, values.policy);
  const baselinePath = values.baseline === undefined ? null : resolve(io.cwd, values.baseline);
  if (baselinePath !== null && !(await isFile(baselinePath)))
    usage(`--baseline ${values.baseline} is not a file`);
  const outDir = resolve(io.cwd, values.out ?? defaultReportOut);

  const { report, evidence } = await buildReport({ inDirs, outDir, policyPath, baselinePath, repoRoot });
  for (const { file, reason } of evidence.rejected)
    io.stderr.write(`warning: ${file} looks like a scenario result but is not one: ${reason}\n`);
  const jsonPath = join(outDir, 'readiness.json');
  const htmlPath = join(outDir, 'readiness.html');
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, 'readiness.md'), renderMarkdown(report));
  await writeFile(htmlPath, renderHtml(report));
  io.stdout.write(
    `${evidence.results.length} scenario results, ${evidence.tests.length} test result files, ` +
      `${evidence.coverage.unitFinal.length + evidence.coverage.e2eFinal.length} coverage maps from ${inDirs.length} directories\n\n`,
  );
  io.stdout.write(formatCategoryTable(report));
  io.stdout.write(`\nreadiness.json and readiness.md in ${outDir}\nHTML report: ${htmlPath}\n`);
  return exitCodes.passed;
}
