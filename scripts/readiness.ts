/**
 * `npm run readiness`: the `ci` profile end to end on fresh temporary directories. The tests with
 * coverage (or the results and coverage a test command already wrote: --tests-from DIR), the
 * harness scenarios against the embedded engine and a spawned HTTP server with coverage on, then
 * the report and the gate. Prints the category table and the HTML report's path, and exits with
 * the gate's code. Every step's wall time is printed, so a slow step is visible.
 *
 *   npm run readiness -- [--out DIR] [--tests-from DIR] [--baseline FILE] [--max-regression POINTS]
 *                        [--broken NAME] [--sequential]
 *
 * --broken NAME puts a canary (`omendb-harness run --engine broken:NAME`) in the place of the
 * honest engine it wraps, the other runs unchanged: the category that exists to catch its defect
 * must fall below its required score, and the gate must fail.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brokenEnginePrefix, brokenEngines } from '../harness/src/adapters/select-adapter.ts';
import { readinessStepTimeoutMs } from '../harness/src/limits.ts';
import { checkReportInBrowser } from '../harness/src/readiness/browser-check.ts';
import type { ReadinessReport } from '../harness/src/readiness/types.ts';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const harnessBin = join(repoRoot, 'harness', 'bin', 'omendb-harness.js');
const vitestBin = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');

/**
 * The scenario runs: what each engine can run. crash-power-loss needs the simulated file system
 * (embedded-sim); crash-kill and security need a process to kill and an HTTP endpoint.
 */
export const readinessRuns = [
  { dir: 'embedded', engine: 'embedded', scenarios: ['property-model', 'corruption', 'scale', 'soak'] },
  { dir: 'embedded-sim', engine: 'embedded-sim', scenarios: ['crash-power-loss'] },
  { dir: 'http', engine: 'http', scenarios: ['crash-kill', 'scale'] },
  { dir: 'http-soak', engine: 'http', scenarios: ['soak'] },
  { dir: 'http-security', engine: 'http', scenarios: ['security'] },
] as const;

type ReadinessRun = (typeof readinessRuns)[number];
type Lane = readonly {
  readonly dir: string;
  readonly engine: string;
  readonly scenarios: readonly string[];
}[];

/**
 * The lanes of runs that go on side by side, with the canary `broken` (if any) in the place of the
 * engine it wraps. Three lanes on two cores: the HTTP soak mostly waits (200 operations a second
 * for 60 s), so beside the two CPU-bound lanes it costs little and takes its minute off the
 * longest lane (measured: the HTTP lane was 184 s with the soak in it, the embedded one 106 s).
 * The security scenario follows the soak in its lane for the same reason: with it, the HTTP lane
 * was the longest (123 and 137 s, against 93 and 95 s for the embedded one and 69 s for the soak).
 */
function lanesFor(broken: string | undefined): Lane[] {
  const wraps =
    broken !== undefined && Object.hasOwn(brokenEngines, broken) ? brokenEngines[broken]?.wraps : undefined;
  if (broken !== undefined && wraps === undefined)
    throw new Error(`--broken ${broken}: one of ${Object.keys(brokenEngines).join(', ')}`);
  const swap = (spec: ReadinessRun) =>
    spec.engine === wraps ? { ...spec, engine: `${brokenEnginePrefix}${broken}` } : spec;
  const runs = readinessRuns.map(swap);
  return [runs.slice(0, 2), runs.slice(2, 3), runs.slice(3, 5)];
}

interface Step {
  readonly name: string;
  readonly code: number;
  readonly ms: number;
}

function run(name: string, args: readonly string[]): Promise<Step> {
  const started = Date.now();
  process.stdout.write(`\n== ${name}: node ${args.map((a) => a.replace(repoRoot, '.')).join(' ')}\n`);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGTERM'), readinessStepTimeoutMs);
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGTERM', forward);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      process.off('SIGTERM', forward);
      const step = { name, code: code ?? 2, ms: Date.now() - started };
      process.stdout.write(`== ${name}: exit ${step.code} in ${(step.ms / 1000).toFixed(1)} s\n`);
      done(step);
    });
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The first of `candidates` that exists, copied to `to`; false when none does. */
async function copyFirst(candidates: readonly string[], to: string): Promise<boolean> {
  for (const from of candidates)
    if (await exists(from)) {
      await mkdir(resolve(to, '..'), { recursive: true });
      await copyFile(from, to);
      return true;
    }
  return false;
}

/** --tests-from DIR: a run directory's layout, or a test command's (reports/coverage). */
async function takeTests(from: string, out: string): Promise<void> {
  const results = await copyFirst(
    [join(from, 'tests', 'vitest-results.json'), join(from, 'vitest-results.json')],
    join(out, 'tests', 'vitest-results.json'),
  );
  let coverage = false;
  for (const file of ['coverage-final.json', 'coverage-summary.json'])
    coverage =
      (await copyFirst(
        [join(from, 'coverage', 'unit', file), join(from, 'coverage', file), join(from, file)],
        join(out, 'coverage', 'unit', file),
      )) || coverage;
  // Missing evidence is not an error here: the report scores it 0 and says "no evidence".
  process.stdout.write(
    `tests from ${from}: results ${results ? 'taken' : 'MISSING'}, unit coverage ${coverage ? 'taken' : 'MISSING'}\n`,
  );
}

function testArgs(out: string): string[] {
  return [
    vitestBin,
    'run',
    '--coverage',
    `--coverage.reportsDirectory=${join(out, 'coverage', 'unit')}`,
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${join(out, 'tests', 'vitest-results.json')}`,
  ];
}

function scenarioArgs(out: string, runSpec: Lane[number]): string[] {
  return [
    harnessBin,
    'run',
    ...runSpec.scenarios,
    '--engine',
    runSpec.engine,
    '--profile',
    'ci',
    '--coverage',
    '--out',
    join(out, runSpec.dir),
  ];
}

function table(report: ReadinessReport): string {
  const rows = report.categories.map((c) => [
    c.name,
    c.previous === null ? '-' : c.previous.toFixed(1),
    c.score.toFixed(1),
    String(c.required),
    c.status + (c.regression === undefined ? '' : ` (regressed ${c.regression.toFixed(1)})`),
  ]);
  const head = ['Category', 'Previous', 'Current', 'Required', 'Status'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'tests-from': { type: 'string' },
      baseline: { type: 'string' },
      'max-regression': { type: 'string' },
      broken: { type: 'string' },
      sequential: { type: 'boolean' },
    },
  });
  const started = Date.now();
  const lanes = lanesFor(values.broken);
  const out = resolve(values.out ?? (await mkdtemp(join(tmpdir(), 'omendb-readiness-'))));
  await mkdir(out, { recursive: true });
  process.stdout.write(
    `readiness run (profile ci) in ${out}${values.broken === undefined ? '' : `, canary ${values.broken}`}\n`,
  );
  const steps: Step[] = [];
  if (values['tests-from'] !== undefined) await takeTests(resolve(values['tests-from']), out);
  else steps.push(await run('tests', testArgs(out)));
  // --sequential runs the lanes one after another (figures free of contention).
  const laneSteps = async (lane: Lane) => {
    const done: Step[] = [];
    for (const spec of lane) done.push(await run(`scenarios ${spec.dir}`, scenarioArgs(out, spec)));
    return done;
  };
  if (values.sequential === true) for (const lane of lanes) steps.push(...(await laneSteps(lane)));
  else for (const done of await Promise.all(lanes.map(laneSteps))) steps.push(...done);
  const reportDir = join(out, 'report');
  steps.push(
    await run('report', [
      harnessBin,
      'report',
      '--in',
      out,
      '--out',
      reportDir,
      ...(values.baseline === undefined ? [] : ['--baseline', resolve(values.baseline)]),
    ]),
  );
  const reportPath = join(reportDir, 'readiness.json');
  const gate = await run('gate', [
    harnessBin,
    'gate',
    '--report',
    reportPath,
    '--junit',
    join(reportDir, 'junit.xml'),
    ...(values.baseline === undefined ? [] : ['--baseline', resolve(values.baseline)]),
    ...(values['max-regression'] === undefined ? [] : ['--max-regression', values['max-regression']]),
  ]);
  steps.push(gate);
  const browser = await browserStep(join(reportDir, 'readiness.html'), out);
  steps.push(browser);
  process.stdout.write('\n');
  if (await exists(reportPath)) {
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as ReadinessReport;
    process.stdout.write(`${table(report)}\n\n`);
  } else process.stdout.write(`no report at ${reportPath}\n`);
  for (const step of steps)
    process.stdout.write(`${step.name.padEnd(22)} exit ${step.code}  ${(step.ms / 1000).toFixed(1)} s\n`);
  process.stdout.write(`wall time ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`HTML report: ${join(reportDir, 'readiness.html')}\n`);
  process.stdout.write(`gate: ${gate.code === 0 ? 'PASS' : `FAIL (exit ${gate.code})`}\n`);
  return gate.code !== 0 ? gate.code : browser.code;
}

/**
 * The HTML report opened in headless Chromium: no console error, every chart drawn with a size,
 * every evidence link a file of the run; the screenshot goes into the run directory.
 */
async function browserStep(htmlPath: string, runDir: string): Promise<Step> {
  const started = Date.now();
  process.stdout.write(`\n== browser: ${htmlPath}\n`);
  let code = 0;
  try {
    const check = await checkReportInBrowser(htmlPath, runDir);
    const flat = check.charts.filter((c) => !(c.width > 0 && c.height > 0)).map((c) => c.name);
    const broken = check.links.filter((l) => !l.exists).map((l) => l.href);
    process.stdout.write(
      `${check.charts.length} charts (${flat.length} without a size), ${check.links.length} evidence links (${broken.length} broken), ${check.consoleErrors.length} console errors; screenshot ${check.screenshot}\n`,
    );
    for (const line of [...check.consoleErrors, ...flat, ...broken].slice(0, 20))
      process.stdout.write(`  ${line}\n`);
    if (flat.length + broken.length + check.consoleErrors.length > 0) code = 1;
  } catch (error) {
    process.stdout.write(`browser check failed: ${error instanceof Error ? error.message : String(error)}\n`);
    code = 2;
  }
  const step = { name: 'browser', code, ms: Date.now() - started };
  process.stdout.write(`== browser: exit ${code} in ${(step.ms / 1000).toFixed(1)} s\n`);
  return step;
}

process.exitCode = await main();
