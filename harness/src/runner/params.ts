import { OmenDbError } from '@omendb/engine';
import { parseDurationMs } from './duration.ts';
import type { ParamSpec, ParamValue, Profile, Scenario } from './scenario.ts';
import { profiles } from './scenario.ts';

/**
 * A scenario's parameters for one run: its profile's defaults, overridden by --param k=v. An
 * override takes the type of the parameter's defaults (a number stays a number, an integer an
 * integer, a boolean is true or false) and its bounds; anything else is a usage error, raised
 * before the scenario starts.
 */

export type ParamOverrides = Readonly<Record<string, string | ParamValue>>;

function usage(message: string): never {
  throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', message);
}

export function parseProfile(text: string): Profile {
  if (!(profiles as readonly string[]).includes(text))
    usage(`unknown profile ${text}: one of ${profiles.join(', ')}`);
  return text as Profile;
}

export function resolveParams(
  scenario: Scenario,
  profile: Profile,
  overrides: ParamOverrides = {},
  options: { readonly ignoreUnknown?: boolean } = {},
): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(scenario.params)) params[name] = spec.defaults[profile];
  for (const [name, raw] of Object.entries(overrides)) {
    const spec = Object.hasOwn(scenario.params, name) ? scenario.params[name] : undefined;
    if (spec === undefined) {
      if (options.ignoreUnknown === true) continue;
      usage(`${scenario.name} has no parameter ${name}`);
    }
    params[name] = parseParam(scenario.name, name, spec, raw);
  }
  return params;
}

export function parseParam(
  scenario: string,
  name: string,
  spec: ParamSpec,
  raw: string | ParamValue,
): ParamValue {
  const defaults = Object.values(spec.defaults);
  const where = `${scenario} --param ${name}`;
  switch (typeof defaults[0]) {
    case 'number': {
      const value = typeof raw === 'number' ? raw : raw === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(value)) usage(`${where} must be a number, got ${String(raw)}`);
      if (defaults.every((d) => Number.isInteger(d)) && !Number.isInteger(value))
        usage(`${where} must be an integer, got ${String(raw)}`);
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
        usage(`${where} must be within [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}], got ${value}`);
      return value;
    }
    case 'boolean':
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      return usage(`${where} must be true or false, got ${String(raw)}`);
    default:
      if (typeof raw !== 'string') usage(`${where} must be a string, got ${String(raw)}`);
      if (spec.format === 'duration') parseDurationMs(raw);
      return raw;
  }
}

/** `k=v` from the command line (split at the first '='). */
export function parseParamArgument(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) usage(`--param takes k=v, got ${text}`);
  return [text.slice(0, at), text.slice(at + 1)];
}
