import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OmenDbError } from '@omendb/engine';
import { gateCategoriesMax, gateChecksPerCategoryMax, gateFileBytesMax } from '../limits.ts';
import {
  formatScore,
  type GateFailure,
  type GatePolicy,
  type GateVerdict,
  judge,
} from '../readiness/gate.ts';
import { renderJunit } from '../readiness/junit.ts';
import type { ReadinessReport } from '../readiness/types.ts';
import { type CliIo, exitCodes } from './io.ts';
import { gateUsage } from './usage.ts';

/**
 * `omendb-harness gate --report readiness.json [--policy FILE] [--min SCORE] [--baseline FILE]
 * [--max-regression POINTS] [--junit FILE]`: exit 0 when every gating category meets its required
 * score (and --min), and none dropped more than the tolerance against the baseline; otherwise 1,
 * listing each failing category and check with its value and threshold. A report, baseline or
 * policy that cannot be read or has the wrong shape is a usage error (64).
 *
 * The shape checks here are deliberately minimal (what the gate reads) until the readiness schema's
 * validator exists; a report that passes them but lies about its scores is the report's bug, except
 * one lie the gate refuses itself: a check without evidence that scores above 0.
 */

function usage(message: string): never {
  throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', message);
}

async function readJson(cwd: string, path: string, what: string): Promise<unknown> {
  const full = resolve(cwd, path);
  let text: string;
  try {
    const size = (await stat(full)).size;
    if (size > gateFileBytesMax) usage(`${what} ${path} has ${size} bytes, more than ${gateFileBytesMax}`);
    text = await readFile(full, 'utf8');
  } catch (error) {
    if (error instanceof OmenDbError) throw error;
    return usage(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    return usage(`${what} ${path} is not JSON: ${(error as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isScore = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100;
const isText = (v: unknown): v is string => typeof v === 'string';
const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Returns the first problem of an array of objects, or null. */
function listProblem(value: unknown, where: string, max: number): string | null {
  if (!Array.isArray(value)) return `${where} is not an array`;
  if (value.length > max) return `${where} has ${value.length} entries, more than ${max}`;
  const index = value.findIndex((entry) => !isObject(entry));
  return index === -1 ? null : `${where}[${index}] is not an object`;
}

function duplicateId(entries: readonly { id: string }[], where: string): string | null {
  const seen = new Set<string>();
  for (const { id } of entries) {
    if (seen.has(id)) return `${where} has the id ${id} twice`;
    seen.add(id);
  }
  return null;
}

function checkProblem(check: Record<string, unknown>, where: string): string | null {
  if (!isId(check.id)) return `${where}.id is not a non-empty string`;
  if (!isText(check.name)) return `${where}.name is not a string`;
  if (!isScore(check.score)) return `${where}.score is not a number from 0 to 100`;
  if (typeof check.noEvidence !== 'boolean') return `${where}.noEvidence is not a boolean`;
  if (check.noEvidence && check.score !== 0)
    return `${where} has no evidence and scores ${check.score}, not 0`;
  const value = check.value;
  if (value !== null && !['number', 'string', 'boolean'].includes(typeof value))
    return `${where}.value is not a number, string, boolean or null`;
  if (!isText(check.threshold)) return `${where}.threshold is not a string`;
  if (!isText(check.detail)) return `${where}.detail is not a string`;
  if (check.required !== undefined && !isScore(check.required))
    return `${where}.required is not a number from 0 to 100`;
  return null;
}

function categoryProblem(category: Record<string, unknown>, where: string): string | null {
  if (!isId(category.id)) return `${where}.id is not a non-empty string`;
  if (!isText(category.name)) return `${where}.name is not a string`;
  if (!isScore(category.required)) return `${where}.required is not a number from 0 to 100`;
  if (!isScore(category.score)) return `${where}.score is not a number from 0 to 100`;
  if (typeof category.informational !== 'boolean') return `${where}.informational is not a boolean`;
  if (category.why !== undefined && !isText(category.why)) return `${where}.why is not a string`;
  const checks = category.checks;
  const problem = listProblem(checks, `${where}.checks`, gateChecksPerCategoryMax);
  if (problem !== null) return problem;
  const list = checks as Record<string, unknown>[];
  for (const [index, check] of list.entries()) {
    const found = checkProblem(check, `${where}.checks[${index}]`);
    if (found !== null) return found;
  }
  return duplicateId(list as { id: string }[], `${where}.checks`);
}

/** The fields of a readiness.json the gate and the JUnit writer read; null when they are sound. */
export function reportShapeProblem(value: unknown): string | null {
  if (!isObject(value)) return 'it is not a JSON object';
  if (value.schemaVersion !== 1) return `schemaVersion is ${JSON.stringify(value.schemaVersion)}, not 1`;
  const problem = listProblem(value.categories, 'categories', gateCategoriesMax);
  if (problem !== null) return problem;
  const categories = value.categories as Record<string, unknown>[];
  for (const [index, category] of categories.entries()) {
    const found = categoryProblem(category, `categories[${index}]`);
    if (found !== null) return found;
  }
  return duplicateId(categories as { id: string }[], 'categories');
}

/** The fields of a readiness policy the gate reads (required scores, informational flags). */
export function policyShapeProblem(value: unknown): string | null {
  if (!isObject(value)) return 'it is not a JSON object';
  if (value.schemaVersion !== undefined && value.schemaVersion !== 1)
    return `schemaVersion is ${JSON.stringify(value.schemaVersion)}, not 1`;
  const problem = listProblem(value.categories, 'categories', gateCategoriesMax);
  if (problem !== null) return problem;
  const categories = value.categories as Record<string, unknown>[];
  for (const [index, category] of categories.entries()) {
    const where = `categories[${index}]`;
    if (!isId(category.id)) return `${where}.id is not a non-empty string`;
    if (!isText(category.name)) return `${where}.name is not a string`;
    if (!isScore(category.required)) return `${where}.required is not a number from 0 to 100`;
    if (category.informational !== undefined && typeof category.informational !== 'boolean')
      return `${where}.informational is not a boolean`;
    if (category.why !== undefined && !isText(category.why)) return `${where}.why is not a string`;
    const checksProblem = listProblem(category.checks, `${where}.checks`, gateChecksPerCategoryMax);
    if (checksProblem !== null) return checksProblem;
    for (const [i, check] of (category.checks as Record<string, unknown>[]).entries()) {
      if (!isId(check.id)) return `${where}.checks[${i}].id is not a non-empty string`;
      if (check.required !== undefined && !isScore(check.required))
        return `${where}.checks[${i}].required is not a number from 0 to 100`;
    }
  }
  return duplicateId(categories as { id: string }[], 'categories');
}

async function readReport(cwd: string, path: string, what: string): Promise<ReadinessReport> {
  const value = await readJson(cwd, path, what);
  const problem = reportShapeProblem(value);
  if (problem !== null) usage(`${what} ${path} is not a readiness report: ${problem}`);
  return value as ReadinessReport;
}

async function readPolicy(cwd: string, path: string): Promise<GatePolicy> {
  const value = await readJson(cwd, path, 'policy');
  const problem = policyShapeProblem(value);
  if (problem !== null) usage(`policy ${path} is not a readiness policy: ${problem}`);
  return value as GatePolicy;
}

function parsePoints(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const points = Number(text);
  if (text.trim() === '' || !isScore(points)) usage(`${option} takes a number from 0 to 100, not ${text}`);
  return points;
}

function describeFailure(failure: GateFailure): string {
  if (failure.check === undefined)
    return `  ${failure.categoryName} (${failure.category}): ${failure.reason}`;
  return `    check ${failure.checkName} (${failure.check}): ${failure.reason}`;
}

function summary(verdict: GateVerdict): string {
  const lines = verdict.categories.map((c) => {
    const score = c.score === null ? 'missing' : formatScore(c.score);
    const status = c.informational
      ? 'informational'
      : verdict.failures.some((f) => f.category === c.id)
        ? 'FAIL'
        : 'pass';
    return `  ${c.name.padEnd(24)} ${score.padStart(7)} / ${formatScore(c.required).padStart(5)}  ${status}`;
  });
  return `${'  category'.padEnd(26)} ${'score'.padStart(7)} / ${'req'.padStart(5)}  status\n${lines.join('\n')}\n`;
}

function render(verdict: GateVerdict): string {
  let text = summary(verdict);
  if (verdict.informational.length > 0) {
    text += '\ninformational, not gating:\n';
    for (const c of verdict.categories.filter((c) => c.informational && c.why !== null))
      text += `  ${c.name} (${c.id}): ${c.why}\n`;
    text += `${verdict.informational.map(describeFailure).join('\n')}\n`;
  }
  text += verdict.pass
    ? `\ngate passed: every gating category meets its required score${verdict.min === null ? '' : ` and --min ${formatScore(verdict.min)}`}${verdict.maxRegression === null ? '' : `, none dropped more than ${formatScore(verdict.maxRegression)} points from the baseline`}\n`
    : `\ngate FAILED: ${verdict.failures.length} failure(s):\n${verdict.failures.map(describeFailure).join('\n')}\n`;
  return text;
}

export async function gateCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      report: { type: 'string' },
      policy: { type: 'string' },
      min: { type: 'string' },
      baseline: { type: 'string' },
      'max-regression': { type: 'string' },
      junit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    io.stdout.write(gateUsage);
    return exitCodes.passed;
  }
  if (positionals.length > 0) usage(`gate takes no positional arguments, not ${positionals.join(' ')}`);
  if (values.report === undefined) usage('gate needs --report readiness.json');
  const min = parsePoints(values.min, '--min');
  const maxRegression = parsePoints(values['max-regression'], '--max-regression');
  if (maxRegression !== undefined && values.baseline === undefined)
    usage('--max-regression needs --baseline: there is nothing to regress against');
  const report = await readReport(io.cwd, values.report, 'report');
  const policy = values.policy === undefined ? undefined : await readPolicy(io.cwd, values.policy);
  const baseline =
    values.baseline === undefined ? undefined : await readReport(io.cwd, values.baseline, 'baseline');
  const verdict = judge(report, {
    ...(policy === undefined ? {} : { policy }),
    ...(min === undefined ? {} : { min }),
    ...(baseline === undefined ? {} : { baseline }),
    ...(maxRegression === undefined ? {} : { maxRegression }),
  });
  io.stdout.write(render(verdict));
  if (values.junit !== undefined) {
    const path = resolve(io.cwd, values.junit);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, renderJunit(verdict));
    io.stdout.write(`JUnit: ${path}\n`);
  }
  return verdict.pass ? exitCodes.passed : exitCodes.checkFailed;
}
