import { readFileSync, statSync } from 'node:fs';
import { OmenDbError } from '../errors.ts';
import {
  configFileBytesMax,
  httpBodyBytesDefault,
  httpBodyBytesMax,
  httpConnectionsDefault,
  httpConnectionsMax,
  httpHeadersTimeoutMsDefault,
  httpKeepAliveTimeoutMsDefault,
  httpRequestTimeoutMsDefault,
  httpTimeoutMsMax,
  httpTimeoutMsMin,
  shutdownGraceMsDefault,
  shutdownGraceMsMax,
  syncIntervalMsDefault,
  syncIntervalMsMax,
  syncIntervalMsMin,
  tokenTtlSecondsDefault,
  tokenTtlSecondsMax,
} from '../limits.ts';

/**
 * Server options, each settable on the command line (`--tls-cert F`), in the environment
 * (`OMENDB_TLS_CERT`) and in a JSON config file (`{"tlsCert": "F"}`). Precedence: command line,
 * then environment, then file, then the defaults below.
 */
export interface ServerConfig {
  data: string;
  host: string;
  port: number;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  auth: 'on' | 'off';
  sync: 'commit' | 'interval' | 'none';
  syncIntervalMs: number;
  index: 'rmi' | 'binary';
  recovery: 'strict' | 'truncate';
  bodyLimitBytes: number;
  tokenTtlSeconds: number;
  jwtSecret: string | undefined;
  shutdownGraceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  /** A request's headers and body must arrive within this, or 408 and the connection closes. */
  requestTimeoutMs: number;
  /** A request's headers must arrive within this (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection closes after this. */
  keepAliveTimeoutMs: number;
  /** Open connections; past it new ones are closed at once. */
  connectionsMax: number;
  /**
   * 'on': stop gracefully when stdin reaches its end. A supervisor that holds our stdin (the
   * harness) may die by SIGKILL, when none of its handlers can stop us: its end of the pipe
   * closing is then the one signal left, and without it the server would outlive it.
   */
  stopOnStdinClose: 'on' | 'off';
}

type Spec =
  | { kind: 'string'; secret?: boolean }
  | { kind: 'choice'; values: readonly string[] }
  | { kind: 'integer'; min: number; max: number };

const specs: Readonly<Record<keyof ServerConfig, Spec>> = {
  data: { kind: 'string' },
  host: { kind: 'string' },
  port: { kind: 'integer', min: 0, max: 65_535 },
  tlsCert: { kind: 'string' },
  tlsKey: { kind: 'string' },
  auth: { kind: 'choice', values: ['on', 'off'] },
  sync: { kind: 'choice', values: ['commit', 'interval', 'none'] },
  syncIntervalMs: { kind: 'integer', min: syncIntervalMsMin, max: syncIntervalMsMax },
  index: { kind: 'choice', values: ['rmi', 'binary'] },
  recovery: { kind: 'choice', values: ['strict', 'truncate'] },
  bodyLimitBytes: { kind: 'integer', min: 1024, max: httpBodyBytesMax },
  tokenTtlSeconds: { kind: 'integer', min: 1, max: tokenTtlSecondsMax },
  jwtSecret: { kind: 'string', secret: true },
  shutdownGraceMs: { kind: 'integer', min: 0, max: shutdownGraceMsMax },
  logLevel: { kind: 'choice', values: ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] },
  requestTimeoutMs: { kind: 'integer', min: httpTimeoutMsMin, max: httpTimeoutMsMax },
  headersTimeoutMs: { kind: 'integer', min: httpTimeoutMsMin, max: httpTimeoutMsMax },
  keepAliveTimeoutMs: { kind: 'integer', min: httpTimeoutMsMin, max: httpTimeoutMsMax },
  connectionsMax: { kind: 'integer', min: 1, max: httpConnectionsMax },
  stopOnStdinClose: { kind: 'choice', values: ['on', 'off'] },
};

export const configDefaults: Omit<ServerConfig, 'data'> = {
  host: '127.0.0.1',
  port: 8086,
  tlsCert: undefined,
  tlsKey: undefined,
  auth: 'on',
  sync: 'commit',
  syncIntervalMs: syncIntervalMsDefault,
  index: 'rmi',
  recovery: 'strict',
  bodyLimitBytes: httpBodyBytesDefault,
  tokenTtlSeconds: tokenTtlSecondsDefault,
  jwtSecret: undefined,
  shutdownGraceMs: shutdownGraceMsDefault,
  logLevel: 'info',
  requestTimeoutMs: httpRequestTimeoutMsDefault,
  headersTimeoutMs: httpHeadersTimeoutMsDefault,
  keepAliveTimeoutMs: httpKeepAliveTimeoutMsDefault,
  connectionsMax: httpConnectionsDefault,
  stopOnStdinClose: 'off',
};

type Key = keyof ServerConfig;
const keys = Object.keys(specs) as Key[];

export const flagName = (key: Key): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
export const envName = (key: Key): string => `OMENDB_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function invalid(message: string, option: string): OmenDbError {
  return new OmenDbError('OMENDB_ERR_CONFIG_INVALID', message, { option });
}

function convert(key: Key, raw: unknown, source: string): ServerConfig[Key] {
  const spec = specs[key];
  const where = `${key} (from ${source})`;
  if (spec.kind === 'integer') {
    const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max)
      throw invalid(`${where} must be an integer from ${spec.min} to ${spec.max}`, key);
    return value;
  }
  if (typeof raw !== 'string' || raw === '') throw invalid(`${where} must be a non-empty string`, key);
  if (spec.kind === 'choice' && !spec.values.includes(raw))
    throw invalid(`${where} must be one of ${spec.values.join(', ')}`, key);
  return raw;
}

/** `--name value` and `--name=value` for every option, plus `--config FILE`. */
export function parseFlags(argv: readonly string[]): {
  values: Partial<Record<Key, string>>;
  config?: string;
} {
  const byFlag = new Map<string, Key | 'config'>(keys.map((key) => [flagName(key), key]));
  byFlag.set('--config', 'config');
  const values: Partial<Record<Key, string>> = {};
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    const key = byFlag.get(flag);
    if (key === undefined) throw invalid(`unknown option ${flag}`, flag);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw invalid(`${flag} needs a value`, flag);
    if (key === 'config') config = value;
    else values[key] = value;
  }
  return config === undefined ? { values } : { values, config };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    if (statSync(path).size > configFileBytesMax)
      throw invalid(`config file is over ${configFileBytesMax} bytes`, 'config');
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof OmenDbError) throw error;
    throw invalid(`cannot read config file ${path}`, 'config');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(`config file ${path} is not JSON`, 'config');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalid(`config file ${path} must hold a JSON object`, 'config');
  for (const name of Object.keys(parsed)) {
    if (!(keys as string[]).includes(name)) throw invalid(`unknown option ${name} in config file`, name);
  }
  return parsed as Record<string, unknown>;
}

/** Resolves the configuration: CLI > environment > config file > defaults. */
export function loadServerConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServerConfig {
  const flags = parseFlags(argv);
  const configPath = flags.config ?? env.OMENDB_CONFIG;
  const file = configPath === undefined ? {} : readConfigFile(configPath);
  const resolved: Record<string, unknown> = { ...configDefaults };
  const given = new Set<Key>();
  for (const key of keys) {
    const cli = flags.values[key];
    const fromEnv = env[envName(key)];
    if (cli !== undefined) resolved[key] = convert(key, cli, flagName(key));
    else if (fromEnv !== undefined) resolved[key] = convert(key, fromEnv, envName(key));
    else if (file[key] !== undefined) resolved[key] = convert(key, file[key], 'config file');
    else continue;
    given.add(key);
  }
  if (typeof resolved.data !== 'string') throw invalid('--data DIR (or OMENDB_DATA) is required', 'data');
  if ((resolved.tlsCert === undefined) !== (resolved.tlsKey === undefined))
    throw invalid('--tls-cert and --tls-key go together', 'tlsCert');
  const config = resolved as unknown as ServerConfig;
  fitHeadersTimeout(config, given.has('headersTimeoutMs'));
  return config;
}

/**
 * Node refuses a headers timeout longer than the request timeout (the headers are part of the
 * request). A default one follows a shorter request timeout down; a given one is an error.
 */
function fitHeadersTimeout(config: ServerConfig, given: boolean): void {
  if (config.headersTimeoutMs <= config.requestTimeoutMs) return;
  if (given)
    throw invalid(
      `headersTimeoutMs (${config.headersTimeoutMs}) must not exceed requestTimeoutMs (${config.requestTimeoutMs})`,
      'headersTimeoutMs',
    );
  config.headersTimeoutMs = config.requestTimeoutMs;
}

/** The configuration with secrets masked, for the startup log. */
export function describeConfig(config: ServerConfig): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const key of keys) {
    const spec = specs[key];
    shown[key] =
      spec.kind === 'string' && spec.secret === true && config[key] !== undefined ? '<set>' : config[key];
  }
  return shown;
}

/** Loopback: 127.0.0.0/8, ::1 and localhost; the only places --auth off may listen. */
export function isLoopbackHost(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}
