import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTlsMaterial } from '../../src/adapters/http/tls-material.ts';
import { type SecurityTarget, securityTarget } from '../../src/security/loopback.ts';
import { SecurityClient } from '../../src/security/security-client.ts';

/**
 * A loopback HTTP(S) server whose answers a test scripts, to drive the security scenario's
 * helpers through every branch: wrong codes, 5xx, silence, closed connections. Every request is
 * recorded (method, path, headers, body, source address).
 */

export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly source: string;
}

export type Script = (seen: Seen, response: ServerResponse, request: IncomingMessage) => void;

export interface ScriptedServer {
  readonly target: SecurityTarget;
  readonly client: SecurityClient;
  readonly seen: Seen[];
  script(handler: Script): void;
  close(): Promise<void>;
}

/** Answers JSON with a status. */
export function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export const registryError = (code: string) => ({ error: { code, message: 'scripted' } });

export async function startScripted(
  options: { tls?: boolean; timeoutMs?: number } = {},
): Promise<ScriptedServer> {
  let handler: Script = (_seen, response) => json(response, 200, { ok: true });
  const seen: Seen[] = [];
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    const parts: Buffer[] = [];
    request.on('data', (chunk: Buffer) => parts.push(chunk));
    request.on('end', () => {
      const entry: Seen = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(parts),
        source: request.socket.remoteAddress ?? '',
      };
      seen.push(entry);
      handler(entry, response, request);
    });
  };
  let dir: string | undefined;
  let server: Server;
  let ca: string | undefined;
  if (options.tls === true) {
    dir = await mkdtemp(join(tmpdir(), 'omendb-scripted-'));
    const material = await makeTlsMaterial(dir);
    const { readFile } = await import('node:fs/promises');
    ca = material.ca;
    server = createHttpsServer(
      { cert: await readFile(material.certPath), key: await readFile(material.keyPath) },
      onRequest,
    );
  } else server = createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const target = securityTarget(`${options.tls === true ? 'https' : 'http'}://127.0.0.1:${port}`, ca);
  return {
    target,
    client: new SecurityClient(target, options.timeoutMs ?? 2_000),
    seen,
    script: (next) => {
      handler = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}
