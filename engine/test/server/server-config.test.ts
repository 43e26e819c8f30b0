import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configFileBytesMax,
  httpConnectionsDefault,
  httpConnectionsMax,
  httpHeadersTimeoutMsDefault,
  httpKeepAliveTimeoutMsDefault,
  httpRequestTimeoutMsDefault,
  httpTimeoutMsMax,
  httpTimeoutMsMin,
  tokenTtlSecondsMax,
} from '../../src/limits.ts';
import {
  configDefaults,
  describeConfig,
  envName,
  flagName,
  isLoopbackHost,
  loadServerConfig,
  parseFlags,
  type ServerConfig,
} from '../../src/server/server-config.ts';
import { codeOfCall } from '../support/codes.ts';

let dir: string;
let fileCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(`${tmpdir()}/omendb-config-`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A config file holding `content` (JSON-encoded unless it is a string already). */
async function configFile(content: unknown): Promise<string> {
  const path = `${dir}/config-${fileCount++}.json`;
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const invalidCall = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  codeOfCall(() => loadServerConfig(argv, env));

describe('loadServerConfig: sources and precedence', () => {
  it('defaults fill every option not given', () => {
    expect(loadServerConfig(['--data', '/d'], {})).toEqual({ ...configDefaults, data: '/d' });
    expect(configDefaults).toMatchObject({
      host: '127.0.0.1',
      auth: 'on',
      sync: 'commit',
      tlsCert: undefined,
      tlsKey: undefined,
      jwtSecret: undefined,
    });
  });

  it('the command line beats the environment, which beats the file, which beats the defaults', async () => {
    const file = await configFile({
      data: '/from-file',
      port: 1111,
      host: '127.0.0.3',
      sync: 'none',
      tokenTtlSeconds: 60,
      index: 'binary',
    });
    const env = {
      OMENDB_CONFIG: file,
      OMENDB_PORT: '2222',
      OMENDB_HOST: '127.0.0.2',
      OMENDB_SYNC: 'interval',
      OMENDB_TOKEN_TTL_SECONDS: '120',
    };
    const config = loadServerConfig(['--port', '3333', '--sync', 'commit', '--data', '/from-cli'], env);
    expect(config.port).toBe(3333); // CLI over env and file
    expect(config.sync).toBe('commit'); // CLI over env and file
    expect(config.data).toBe('/from-cli'); // CLI over file
    expect(config.host).toBe('127.0.0.2'); // env over file
    expect(config.tokenTtlSeconds).toBe(120); // env over file
    expect(config.index).toBe('binary'); // file over default
    expect(config.recovery).toBe(configDefaults.recovery); // default

    const noCli = loadServerConfig([], env);
    expect(noCli).toMatchObject({
      data: '/from-file',
      port: 2222,
      host: '127.0.0.2',
      sync: 'interval',
      tokenTtlSeconds: 120,
      index: 'binary',
    });

    const fileOnly = loadServerConfig(['--config', file], {});
    expect(fileOnly).toMatchObject({
      data: '/from-file',
      port: 1111,
      host: '127.0.0.3',
      sync: 'none',
      tokenTtlSeconds: 60,
    });
  });

  it('--config on the command line beats OMENDB_CONFIG', async () => {
    const fromEnv = await configFile({ data: '/d', port: 1 });
    const fromCli = await configFile({ data: '/d', port: 2 });
    expect(loadServerConfig(['--config', fromCli], { OMENDB_CONFIG: fromEnv }).port).toBe(2);
    expect(loadServerConfig([], { OMENDB_CONFIG: fromEnv }).port).toBe(1);
  });

  it('--data may come from OMENDB_DATA; without any data directory the config is invalid', () => {
    expect(loadServerConfig([], { OMENDB_DATA: '/env-data' }).data).toBe('/env-data');
    expect(invalidCall([])).toBe('OMENDB_ERR_CONFIG_INVALID');
  });

  it('accepts --name=value as well as --name value (the value may hold "=")', () => {
    const config = loadServerConfig(
      [
        '--data=/d',
        '--port=0',
        '--host',
        '::1',
        '--token-ttl-seconds=45',
        '--jwt-secret=a=b=c',
        '--shutdown-grace-ms',
        '0',
      ],
      {},
    );
    expect(config).toMatchObject({
      data: '/d',
      port: 0,
      host: '::1',
      tokenTtlSeconds: 45,
      jwtSecret: 'a=b=c',
      shutdownGraceMs: 0,
    });
  });

  it('a file may give an integer as a JSON number or as a decimal string', async () => {
    expect(loadServerConfig(['--config', await configFile({ data: '/d', port: '8080' })], {}).port).toBe(
      8080,
    );
    expect(loadServerConfig(['--config', await configFile({ data: '/d', port: 8081 })], {}).port).toBe(8081);
  });

  it('names each option the same way on the command line and in the environment', () => {
    expect(flagName('tokenTtlSeconds')).toBe('--token-ttl-seconds');
    expect(envName('tokenTtlSeconds')).toBe('OMENDB_TOKEN_TTL_SECONDS');
    expect(flagName('tlsCert')).toBe('--tls-cert');
    expect(envName('tlsCert')).toBe('OMENDB_TLS_CERT');
    expect(envName('port')).toBe('OMENDB_PORT');
    for (const key of Object.keys(configDefaults) as (keyof ServerConfig)[])
      expect(Object.keys(parseFlags([flagName(key), 'x']).values)).toEqual([key]);
  });
});

describe('loadServerConfig: refusals (OMENDB_ERR_CONFIG_INVALID)', () => {
  it('an unknown flag, a flag without a value, or a bare word', () => {
    expect(invalidCall(['--data', '/d', '--no-such-flag', '1'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d', '--no-such-flag=1'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d', '--port'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d', 'serve'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    // Case matters: flags are kebab-case.
    expect(invalidCall(['--data', '/d', '--tokenTtlSeconds', '5'])).toBe('OMENDB_ERR_CONFIG_INVALID');
  });

  it('bad integers, wherever they come from', async () => {
    for (const bad of ['eighty', '1.5', '1e3', '0x10', '', ' 80', '-1', '65536', '99999999999999999999'])
      expect(invalidCall(['--data', '/d', '--port', bad]), `--port ${JSON.stringify(bad)}`).toBe(
        'OMENDB_ERR_CONFIG_INVALID',
      );
    expect(invalidCall(['--data', '/d'], { OMENDB_PORT: 'abc' })).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d', `--token-ttl-seconds=${tokenTtlSecondsMax + 1}`])).toBe(
      'OMENDB_ERR_CONFIG_INVALID',
    );
    expect(invalidCall(['--data', '/d', '--token-ttl-seconds=0'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    for (const bad of [80.5, true, null, [80], { port: 80 }]) {
      const file = await configFile({ data: '/d', port: bad });
      expect(invalidCall(['--config', file]), `file port ${JSON.stringify(bad)}`).toBe(
        'OMENDB_ERR_CONFIG_INVALID',
      );
    }
  });

  it('bad choices, wherever they come from', async () => {
    expect(invalidCall(['--data', '/d', '--sync', 'always'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d', '--auth', 'maybe'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d', '--auth', 'OFF'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d'], { OMENDB_INDEX: 'btree' })).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--config', await configFile({ data: '/d', logLevel: 'trace' })])).toBe(
      'OMENDB_ERR_CONFIG_INVALID',
    );
    expect(invalidCall(['--config', await configFile({ data: '/d', recovery: 1 })])).toBe(
      'OMENDB_ERR_CONFIG_INVALID',
    );
  });

  it('an empty string where a string is needed', () => {
    expect(invalidCall(['--data', '/d', '--host='])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data='])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d'], { OMENDB_HOST: '' })).toBe('OMENDB_ERR_CONFIG_INVALID');
  });

  it('config files: an unknown key, not JSON, not an object, missing, or too large', async () => {
    expect(invalidCall(['--config', await configFile({ data: '/d', prot: 8080 })])).toBe(
      'OMENDB_ERR_CONFIG_INVALID',
    );
    // Keys are the camelCase option names, not flags or environment names.
    expect(invalidCall(['--config', await configFile({ data: '/d', 'token-ttl-seconds': 5 })])).toBe(
      'OMENDB_ERR_CONFIG_INVALID',
    );
    expect(invalidCall(['--config', await configFile('{"data": "/d",')])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--config', await configFile([{ data: '/d' }])])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--config', await configFile('null')])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--config', `${dir}/no-such-file.json`])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--config', dir])).toBe('OMENDB_ERR_CONFIG_INVALID');
    const big = await configFile(`{"data": "/d", "host": "${'x'.repeat(configFileBytesMax)}"}`);
    expect(invalidCall(['--config', big])).toBe('OMENDB_ERR_CONFIG_INVALID');
  });

  it('a TLS certificate without its key, or a key without its certificate', () => {
    expect(invalidCall(['--data', '/d', '--tls-cert', '/c.pem'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d', '--tls-key', '/k.pem'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d'], { OMENDB_TLS_CERT: '/c.pem' })).toBe('OMENDB_ERR_CONFIG_INVALID');
    // Together, from any mix of sources, they are fine.
    expect(
      loadServerConfig(['--data', '/d', '--tls-cert', '/c.pem'], { OMENDB_TLS_KEY: '/k.pem' }),
    ).toMatchObject({
      tlsCert: '/c.pem',
      tlsKey: '/k.pem',
    });
  });
});

describe('loadServerConfig: connection timeouts and cap', () => {
  const options = [
    { key: 'requestTimeoutMs', flag: '--request-timeout-ms', env: 'OMENDB_REQUEST_TIMEOUT_MS' },
    { key: 'headersTimeoutMs', flag: '--headers-timeout-ms', env: 'OMENDB_HEADERS_TIMEOUT_MS' },
    { key: 'keepAliveTimeoutMs', flag: '--keep-alive-timeout-ms', env: 'OMENDB_KEEP_ALIVE_TIMEOUT_MS' },
    { key: 'connectionsMax', flag: '--connections-max', env: 'OMENDB_CONNECTIONS_MAX' },
  ] as const;

  it('defaults: the named limits', () => {
    expect(loadServerConfig(['--data', '/d'], {})).toMatchObject({
      requestTimeoutMs: httpRequestTimeoutMsDefault,
      headersTimeoutMs: httpHeadersTimeoutMsDefault,
      keepAliveTimeoutMs: httpKeepAliveTimeoutMsDefault,
      connectionsMax: httpConnectionsDefault,
    });
    // Node requires headers timeout <= request timeout; the defaults agree.
    expect(httpHeadersTimeoutMsDefault).toBeLessThanOrEqual(httpRequestTimeoutMsDefault);
  });

  it.for(options)(
    '$key from $flag, $env and the config file, in that precedence',
    async ({ key, flag, env }) => {
      // 500 is under every default: the headers timeout stays <= the request timeout.
      expect(loadServerConfig(['--data', '/d', flag, '500'], { [env]: '700' })[key]).toBe(500);
      expect(loadServerConfig(['--data', '/d'], { [env]: '700' })[key]).toBe(700);
      const file = await configFile({ data: '/d', [key]: 900 });
      expect(loadServerConfig(['--config', file], {})[key]).toBe(900);
      expect(loadServerConfig(['--config', file], { [env]: '700' })[key]).toBe(700);
      expect(flagName(key)).toBe(flag);
      expect(envName(key)).toBe(env);
    },
  );

  it.for(options.filter((o) => o.key !== 'connectionsMax'))(
    '$key: 0 (never), below the minimum and above the maximum are refused',
    ({ flag }) => {
      for (const bad of ['0', String(httpTimeoutMsMin - 1), String(httpTimeoutMsMax + 1), '-5'])
        expect(invalidCall(['--data', '/d', flag, bad]), `${flag} ${bad}`).toBe('OMENDB_ERR_CONFIG_INVALID');
      const minimum = ['--data', '/d', '--request-timeout-ms', String(httpTimeoutMsMin), flag];
      expect(invalidCall([...minimum, String(httpTimeoutMsMin)])).toBeUndefined();
    },
  );

  it('connectionsMax: at least 1, at most httpConnectionsMax', () => {
    expect(invalidCall(['--data', '/d', '--connections-max', '0'])).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(invalidCall(['--data', '/d', `--connections-max=${httpConnectionsMax + 1}`])).toBe(
      'OMENDB_ERR_CONFIG_INVALID',
    );
    expect(loadServerConfig(['--data', '/d', '--connections-max', '1'], {}).connectionsMax).toBe(1);
  });

  it('a headers timeout longer than the request timeout is refused, from any mix of sources', () => {
    expect(
      invalidCall(['--data', '/d', '--request-timeout-ms', '1000', '--headers-timeout-ms', '1001']),
    ).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(
      invalidCall(['--data', '/d'], { OMENDB_HEADERS_TIMEOUT_MS: String(httpRequestTimeoutMsDefault + 1) }),
    ).toBe('OMENDB_ERR_CONFIG_INVALID');
    expect(
      loadServerConfig(['--data', '/d', '--request-timeout-ms', '1000', '--headers-timeout-ms', '1000'], {}),
    ).toMatchObject({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
  });

  it('a request timeout under the default headers timeout, alone, brings the headers timeout down with it', () => {
    expect(loadServerConfig(['--data', '/d', '--request-timeout-ms', '5000'], {})).toMatchObject({
      requestTimeoutMs: 5000,
      headersTimeoutMs: 5000,
    });
  });
});

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.0.0.2', '127.255.255.254', 'localhost', '::1', '[::1]'])(
    '%s is loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each([
    '0.0.0.0',
    '::',
    '[::]',
    '10.0.0.1',
    '192.168.1.1',
    '128.0.0.1',
    '1127.0.0.1',
    '127.0.0.1.example.com',
    '127.0.0',
    'localhost.example.com',
    'evil-localhost',
    '::ffff:10.0.0.1',
    '',
  ])('%j is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('describeConfig', () => {
  it('masks the JWT secret and shows everything else as configured', () => {
    const secret = 'a-very-secret-signing-key';
    const config = loadServerConfig(['--data', '/d', '--port', '9000'], { OMENDB_JWT_SECRET: secret });
    const shown = describeConfig(config);
    expect(shown.jwtSecret).toBe('<set>');
    expect(JSON.stringify(shown)).not.toContain(secret);
    const { jwtSecret: _masked, ...rest } = shown;
    const { jwtSecret: _secret, ...expected } = config;
    expect(rest).toEqual(expected);
  });

  it('shows an unset secret as unset', () => {
    const shown = describeConfig(loadServerConfig(['--data', '/d'], {}));
    expect(shown.jwtSecret).toBeUndefined();
    expect(Object.keys(shown).sort()).toEqual(Object.keys({ ...configDefaults, data: '/d' }).sort());
  });
});
