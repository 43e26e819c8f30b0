import { parseArgs } from 'node:util';
import { profiles, type Scenario } from '../runner/scenario.ts';
import { type CliIo, exitCodes } from './io.ts';
import { listUsage } from './usage.ts';

/** `omendb-harness list [--json]`: every scenario with its category, capabilities and parameters. */
export function listCommand(args: readonly string[], io: CliIo): number {
  const { values } = parseArgs({
    args: [...args],
    options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help === true) {
    io.stdout.write(listUsage);
    return exitCodes.passed;
  }
  if (values.json === true)
    io.stdout.write(`${JSON.stringify(io.scenarios.map(describeScenario), null, 2)}\n`);
  else for (const scenario of io.scenarios) io.stdout.write(formatScenario(scenario));
  return exitCodes.passed;
}

export function describeScenario(scenario: Scenario): Record<string, unknown> {
  return {
    name: scenario.name,
    category: scenario.category,
    description: scenario.description,
    requires: [...scenario.requires],
    params: Object.fromEntries(
      Object.entries(scenario.params).map(([name, spec]) => [
        name,
        { description: spec.description, defaults: spec.defaults, min: spec.min, max: spec.max },
      ]),
    ),
  };
}

function formatScenario(scenario: Scenario): string {
  const lines = [
    `${scenario.name} (${scenario.category})`,
    `  ${scenario.description}`,
    `  requires: ${scenario.requires.length === 0 ? 'nothing' : scenario.requires.join(', ')}`,
  ];
  const params = Object.entries(scenario.params);
  if (params.length === 0) lines.push('  params: none');
  else lines.push('  params:');
  for (const [name, spec] of params) {
    const bounds =
      spec.min === undefined && spec.max === undefined
        ? ''
        : ` [${spec.min ?? '-inf'} .. ${spec.max ?? 'inf'}]`;
    const defaults = profiles.map((p) => `${p}=${String(spec.defaults[p])}`).join(' ');
    lines.push(`    ${name}: ${spec.description}${bounds}`, `      ${defaults}`);
  }
  return `${lines.join('\n')}\n\n`;
}
