import {
  Agent as HttpAgent,
  type IncomingMessage,
  request as httpRequest,
  type Server,
  type ServerResponse,
  createServer,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import type { EngineAdapter, HttpEndpoint } from '../adapter.ts';
import { grantEverythingUpstreamSocketsMax } from '../limits.ts';
import { ForwardingAdapter } from './forwarding-adapter.ts';

/**
 * Broken on purpose: a server that never checks who is calling. A proxy on a loopback port sits in
 * front of the real server the inner adapter serves and forwards every request with the admin's
 * Authorization header in place of the caller's, so every caller (none, a wrong password, a forged
 * or expired token, a reader writing) acts as the admin: the "JWTs that were never checked" defect.
 * Data, crash and scale scenarios run as on the honest server; the security scenario must fail.
 */
export class GrantEverything extends ForwardingAdapter {
  private proxy: Server | null = null;
  private proxyUrl: string | null = null;
  private agent: HttpAgent | null = null;

  constructor(inner: EngineAdapter) {
    super(inner, 'grant-everything');
    if (!inner.capabilities.http)
      throw new TypeError('grant-everything wraps an adapter that serves HTTP (capabilities.http)');
  }

  protected override async _open(): Promise<void> {
    await this.inner.open();
    const upstream = this.inner.httpEndpoint();
    this.agent = upstream.url.startsWith('https:')
      ? new HttpsAgent({ keepAlive: true, maxSockets: grantEverythingUpstreamSocketsMax, ca: upstream.ca })
      : new HttpAgent({ keepAlive: true, maxSockets: grantEverythingUpstreamSocketsMax });
    const proxy = createServer((request, response) => this.forward(request, response));
    await new Promise<void>((listening, failed) => {
      proxy.once('error', failed);
      proxy.listen(0, '127.0.0.1', () => listening());
    });
    this.proxy = proxy;
    this.proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  }

  protected override async _close(): Promise<void> {
    const proxy = this.proxy;
    this.proxy = null;
    this.proxyUrl = null;
    if (proxy !== null) {
      proxy.closeAllConnections();
      await new Promise<void>((closed) => proxy.close(() => closed()));
    }
    this.agent?.destroy();
    this.agent = null;
    await this.inner.close();
  }

  /** The proxy's URL, with the inner server's admin header and token secret: nothing else changes. */
  protected override _httpEndpoint(): HttpEndpoint {
    if (this.proxyUrl === null)
      throw new Error('OmenDB harness invariant violated: grant-everything endpoint asked for before open()');
    const { ca: _ca, ...upstream } = this.inner.httpEndpoint();
    return { ...upstream, url: this.proxyUrl };
  }

  /** One request to the current upstream (a restart may have moved it), as the admin. */
  private forward(request: IncomingMessage, response: ServerResponse): void {
    const upstream = this.inner.httpEndpoint();
    const target = new URL(request.url ?? '/', upstream.url);
    const headers = { ...request.headers, host: target.host, authorization: upstream.adminAuthorization };
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      target,
      { method: request.method, headers, agent: this.agent ?? undefined, ca: upstream.ca },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        // An answer cut off upstream (a killed server) is cut off here too, as the honest server's
        // would be: pipeline destroys the response instead of ending it as if it were whole.
        pipeline(answer, response, (error) => {
          if (error) response.destroy();
        });
      },
    );
    const fail = () => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(502);
      response.end();
    };
    outgoing.on('error', fail);
    request.on('error', () => outgoing.destroy());
    response.on('close', () => {
      if (!response.writableFinished) outgoing.destroy();
    });
    request.pipe(outgoing);
  }
}
