import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AggregateResult } from '@omendb/engine';
import { isOmenDbError, OmenDbError } from '@omendb/engine';
import {
  type AggregateQuery,
  type Capabilities,
  EngineAdapter,
  type EngineDescription,
  type HttpEndpoint,
  type Point,
  type ProcessInfo,
  type RangeOptions,
  type RangePage,
} from '../../adapter.ts';
import {
  arrowStreamType,
  cursorFromHeader,
  pointsFromArrowStream,
  pointsToArrowStream,
} from './arrow-codec.ts';
import { AuthSession } from './auth-session.ts';
import { engineBin } from './engine-bin.ts';
import { type HttpCall, HttpClient, type HttpResponse } from './http-client.ts';
import { type HttpAdapterOptions, type ResolvedHttpOptions, resolveHttpOptions } from './options.ts';
import { SpawnedServer } from './spawned-server.ts';
import {
  errorFromResponse,
  keyFromWire,
  pointsFromJson,
  pointsToJson,
  protocolError,
  queryString,
  seriesSegment,
} from './wire.ts';

/**
 * OmenDB over its HTTP API (README "The server"), against a server that is already running or
 * one the adapter spawns (see options.ts). Requests carry a Bearer token bought once with the
 * password; every request has a bounded wait, and whatever keeps an answer from arriving (a
 * refused or reset connection, a timeout, a killed or paused server) is
 * OMENDB_ERR_HARNESS_UNAVAILABLE: the outcome is unknown. Error bodies keep their registry code.
 */
export class HttpAdapter extends EngineAdapter {
  readonly capabilities: Capabilities;
  private readonly resolved: ResolvedHttpOptions;
  private client: HttpClient | undefined;
  private session: AuthSession | undefined;
  private server: SpawnedServer | undefined;
  private ca: string | undefined;

  constructor(options: HttpAdapterOptions = {}) {
    super();
    this.resolved = resolveHttpOptions(options);
    const { target, arrow } = this.resolved;
    const spawned = target.kind !== 'url';
    const sync =
      target.kind === 'shared'
        ? target.server.sync
        : target.kind === 'spawn'
          ? (target.spawn.sync ?? 'commit')
          : 'commit';
    this.capabilities = {
      // A server of ours is durable only under --sync commit; a remote one is taken at its word.
      durable: sync === 'commit',
      restartable: spawned,
      killable: spawned,
      pausable: spawned,
      simulatedPowerLoss: false,
      aggregates: true,
      arrow,
      auth: target.kind !== 'url' || target.credentials.kind !== 'none',
      metrics: true,
      checkpoint: true,
      process: spawned,
      http: true,
      dataDirectory: spawned,
    };
  }

  /** The spawned server's log file (stderr, JSON lines): evidence for a scenario. */
  get logPath(): string | undefined {
    return this.server?.logPath;
  }

  /** The spawned server's data directory (undefined for a server given by URL). */
  get dataDir(): string | undefined {
    return this.server?.dataDir;
  }

  /** The server's current URL (undefined before open). */
  get url(): string | undefined {
    return this.client?.url;
  }

  protected async _open(): Promise<void> {
    const { target, requestTimeoutMs } = this.resolved;
    if (target.kind === 'url') {
      this.ca = target.caFile === undefined ? undefined : await readCa(target.caFile);
      this.session = new AuthSession(target.credentials);
      this.client = new HttpClient({ url: target.url, timeoutMs: requestTimeoutMs, ...this.caOption() });
      // Fail at open, not at the first operation, when nothing answers there.
      const ready = await this.client.send({ method: 'GET', path: '/ready' }).catch((error: unknown) => {
        this.client?.close();
        throw error;
      });
      if (ready.status !== 200) throw errorFromResponse(ready.status, ready.body);
      return;
    }
    if (target.kind === 'shared') {
      this.server = target.server;
      await this.server.ensureRunning();
    } else {
      this.server = await SpawnedServer.start(target.spawn);
    }
    this.ca = this.server.ca;
    this.session = this.server.session;
    this.client = new HttpClient({ url: this.server.url, timeoutMs: requestTimeoutMs, ...this.caOption() });
    // A shared server holds what earlier adapters wrote: a fresh adapter must be empty.
    if (target.kind === 'shared')
      for (const series of await this._listSeries()) await this._dropSeries(series);
  }

  protected async _close(): Promise<void> {
    this.client?.close();
    if (this.resolved.target.kind === 'spawn') await this.server?.dispose();
  }

  protected async _describe(): Promise<EngineDescription> {
    // A remote server does not say its version (GET /status names only its phase).
    const version = this.resolved.target.kind === 'url' ? 'unknown' : engineBin().version;
    return { engine: 'omendb', version, adapter: 'http' };
  }

  protected async _write(series: string, points: readonly Point[]): Promise<void> {
    const useArrow = this.resolved.arrow && points.length > 0;
    const response = await this.call({
      method: 'POST',
      path: `/v1/series/${seriesSegment(series)}/points`,
      headers: { 'content-type': useArrow ? arrowStreamType : 'application/json' },
      body: useArrow ? pointsToArrowStream(points) : pointsToJson(points),
    });
    const { written } = parseJson(response) as { written?: unknown };
    if (written !== points.length) throw protocolError(`written is ${String(written)}, not ${points.length}`);
  }

  protected async _get(series: string, key: bigint): Promise<number | undefined> {
    let response: HttpResponse;
    try {
      response = await this.call({
        method: 'GET',
        path: `/v1/series/${seriesSegment(series)}/points/${key}`,
      });
    } catch (error) {
      if (isOmenDbError(error, 'OMENDB_ERR_HTTP_NOT_FOUND')) return undefined;
      throw error;
    }
    const { value } = parseJson(response) as { value?: unknown };
    if (typeof value !== 'number') throw protocolError('a point without a numeric value');
    return value;
  }

  protected async _range(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    options: RangeOptions,
  ): Promise<RangePage> {
    const path = `/v1/series/${seriesSegment(series)}/points${queryString({
      from,
      to,
      limit: options.limit,
      after: options.after,
    })}`;
    if (this.resolved.arrow) {
      const response = await this.call({ method: 'GET', path, headers: { accept: arrowStreamType } });
      return {
        points: pointsFromArrowStream(response.body),
        next: cursorFromHeader(response.headers['omendb-next']),
      };
    }
    const body = parseJson(await this.call({ method: 'GET', path })) as { points?: unknown; next?: unknown };
    return { points: pointsFromJson(body.points), next: body.next === null ? null : keyFromWire(body.next) };
  }

  protected override async _aggregate(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
    query: AggregateQuery,
  ): Promise<AggregateResult> {
    const fns = query.fns;
    // No names asks for count alone (count is always returned).
    const fn = fns === undefined ? undefined : fns.length === 0 ? 'count' : fns.join(',');
    const path = `/v1/series/${seriesSegment(series)}/aggregate${queryString({ from, to, bucket: query.bucket, fn })}`;
    const body = parseJson(await this.call({ method: 'GET', path })) as { buckets?: unknown };
    if (!Array.isArray(body.buckets)) throw protocolError('an aggregate without buckets');
    return {
      buckets: body.buckets.map((bucket: Record<string, unknown>) => ({
        ...(bucket as object),
        start: keyFromWire(bucket.start),
      })) as AggregateResult['buckets'],
    };
  }

  protected async _deleteRange(
    series: string,
    from: bigint | undefined,
    to: bigint | undefined,
  ): Promise<void> {
    await this.call({
      method: 'DELETE',
      path: `/v1/series/${seriesSegment(series)}/points${queryString({ from, to })}`,
    });
  }

  protected async _listSeries(): Promise<string[]> {
    const { series } = parseJson(await this.call({ method: 'GET', path: '/v1/series' })) as {
      series?: unknown;
    };
    if (!Array.isArray(series) || !series.every((name) => typeof name === 'string'))
      throw protocolError('the series list is not an array of names');
    return series as string[];
  }

  protected async _dropSeries(series: string): Promise<void> {
    await this.call({ method: 'DELETE', path: `/v1/series/${seriesSegment(series)}` });
  }

  protected override async _checkpoint(): Promise<void> {
    await this.call({ method: 'POST', path: '/v1/admin/checkpoint' });
  }

  protected override async _metrics(): Promise<string> {
    return (await this.call({ method: 'GET', path: '/metrics' })).body.toString('utf8');
  }

  protected override async _restart(): Promise<void> {
    const server = this.ownServer();
    // The graceful stop lets requests in flight finish; the sockets after it all led to the old process.
    await server.restart();
    this.client?.resetConnections();
    this.client?.setUrl(server.url);
  }

  protected override async _kill(): Promise<void> {
    await this.ownServer().kill();
    this.client?.resetConnections();
  }

  protected override async _pause(): Promise<void> {
    this.ownServer().pause();
  }

  protected override async _resume(): Promise<void> {
    this.ownServer().resume();
  }

  protected override _processInfo(): ProcessInfo {
    const pid = this.ownServer().pid;
    if (pid === undefined)
      throw new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', `the server is ${this.ownServer().state}`);
    return { pid };
  }

  protected override _dataDirectory(): string {
    return this.ownServer().dataDir;
  }

  protected override _httpEndpoint(): HttpEndpoint {
    const client = this.client;
    const session = this.session;
    if (client === undefined || session === undefined)
      throw new OmenDbError('OMENDB_ERR_HARNESS_ADAPTER_STATE', 'httpEndpoint() needs an open adapter');
    return {
      url: client.url,
      // Basic for a password (it never expires; the server caches its check), else the token.
      adminAuthorization: session.directAuthorization ?? '',
      ...this.caOption(),
      ...this.tokenSecretOption(),
    };
  }

  /**
   * A spawned server's token secret (generated into its data directory at first start): the
   * security scenario signs expired and future-dated tokens with it. None for a remote server.
   */
  private tokenSecretOption(): { tokenSecret?: Uint8Array } {
    if (this.server === undefined) return {};
    try {
      const text = readFileSync(join(this.server.dir, 'data', 'server', 'jwt-secret'), 'utf8');
      return { tokenSecret: Buffer.from(text.trim(), 'base64url') };
    } catch {
      return {};
    }
  }

  private caOption(): { ca?: string } {
    return this.ca === undefined ? {} : { ca: this.ca };
  }

  private ownServer(): SpawnedServer {
    const server = this.server;
    if (server === undefined)
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_ADAPTER_STATE',
        'the server is not started (open the adapter first)',
      );
    return server;
  }

  /** One request with the session's Authorization; a refused token is renewed once (the request was not run). */
  private async call(call: HttpCall): Promise<HttpResponse> {
    const client = this.client;
    const session = this.session;
    if (client === undefined || session === undefined)
      throw new Error('OmenDB harness invariant violated: a request before open');
    // A server we know is down answers nothing: the outcome is unknown, at once.
    if (this.server !== undefined && !this.server.isUp)
      throw new OmenDbError('OMENDB_ERR_HARNESS_UNAVAILABLE', `the server is ${this.server.state}`);
    const authorization = await session.authorization(client);
    let response = await client.send(withAuthorization(call, authorization));
    if (response.status === 401 && authorization !== undefined && session.canRenew) {
      session.invalidate(authorization);
      response = await client.send(withAuthorization(call, await session.authorization(client)));
    }
    if (response.status >= 400) throw errorFromResponse(response.status, response.body);
    return response;
  }
}

function withAuthorization(call: HttpCall, authorization: string | undefined): HttpCall {
  const headers: Record<string, string> = { ...call.headers };
  // Bodiless writes still say so: a POST without a length would be sent chunked.
  if (call.body === undefined && call.method !== 'GET') headers['content-length'] = '0';
  if (authorization !== undefined) headers.authorization = authorization;
  return { ...call, headers };
}

function parseJson(response: HttpResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8')) as unknown;
  } catch {
    throw protocolError(`a ${response.status} answer that is not JSON`);
  }
}

async function readCa(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new OmenDbError('OMENDB_ERR_HARNESS_USAGE', `cannot read the CA file ${path}`, undefined, {
      cause: error,
    });
  }
}
