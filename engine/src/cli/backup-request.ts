import { readFileSync } from 'node:fs';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type ErrorCode, errorRegistry, OmenDbError } from '../errors.ts';
import { backupClientErrorBytesMax, backupClientIdleMsMax } from '../limits.ts';
import { backupCorrupt } from '../storage/backup-manifest.ts';
import { backupStreamContentType } from '../storage/backup-stream.ts';

/**
 * The client side of `omendb backup --url`: POST /v1/admin/backup with credentials from the
 * environment only (OMENDB_TOKEN, or OMENDB_USER and OMENDB_PASSWORD; never the command line,
 * where other users see it in the process list), the CA of an https server from OMENDB_CA.
 */

function usage(message: string): OmenDbError {
  return new OmenDbError('OMENDB_ERR_CONFIG_INVALID', message);
}

/** The Authorization header from the environment, or none (a server with --auth off). */
export function authorizationFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const { OMENDB_TOKEN: token, OMENDB_USER: user, OMENDB_PASSWORD: password } = env;
  if (token !== undefined && (user !== undefined || password !== undefined))
    throw usage('give OMENDB_TOKEN or OMENDB_USER with OMENDB_PASSWORD, not both');
  if (token !== undefined) return `Bearer ${token}`;
  if ((user === undefined) !== (password === undefined))
    throw usage('OMENDB_USER and OMENDB_PASSWORD go together');
  if (user === undefined) return undefined;
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The server's base URL: http or https, and no credentials in it (they would be on the command line). */
export function backupUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usage(`--url ${raw} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage('--url must be http:// or https://');
  if (url.username !== '' || url.password !== '')
    throw usage('--url must not carry credentials: use OMENDB_USER and OMENDB_PASSWORD, or OMENDB_TOKEN');
  return new URL('/v1/admin/backup', url.origin);
}

function unavailable(message: string, cause?: unknown): OmenDbError {
  return new OmenDbError('OMENDB_ERR_BACKUP_UNAVAILABLE', message, {}, cause === undefined ? {} : { cause });
}

/** An error answer turned back into its registry code, when it carries one. */
async function answerError(response: IncomingMessage): Promise<OmenDbError> {
  let text = '';
  for await (const chunk of response) {
    text += String(chunk);
    if (text.length > backupClientErrorBytesMax) break;
  }
  response.destroy();
  try {
    const { error } = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (error?.code !== undefined && error.code in errorRegistry)
      return new OmenDbError(
        error.code as ErrorCode,
        `the server answered ${response.statusCode}: ${error.message ?? ''}`,
      );
  } catch {
    // Not the server's JSON error: reported by status below.
  }
  return unavailable(`the server answered ${response.statusCode}, not a backup stream`);
}

/**
 * The response body's chunks; a connection cut short is a damaged backup, not a crash. A server
 * that stops sending (the idle timeout) is unavailable, as it is before it answers: the backup is
 * not damaged, the server is gone or stuck.
 */
async function* bodyChunks(
  response: IncomingMessage,
  idled: () => OmenDbError | undefined,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of response) yield chunk as Uint8Array;
  } catch (error) {
    // The response fails with a plain "aborted" (or just ends) when the request is destroyed: ask why.
    const idle = idled();
    if (idle !== undefined) throw idle;
    throw backupCorrupt('the backup stream was cut short (the connection failed)', { cause: String(error) });
  }
  if (!response.complete) throw idled() ?? backupCorrupt('the backup stream was cut short');
}

/**
 * Sends the request; resolves with the backup stream's chunks once the server answered 200. The
 * idle timeout spans the whole exchange: the wait for the server's checkpoint (and any compaction
 * it lets finish first) before it answers, and every pause in the stream after.
 */
export async function requestBackup(
  url: URL,
  env: NodeJS.ProcessEnv,
  idleMs: number = backupClientIdleMsMax,
): Promise<AsyncIterable<Uint8Array>> {
  const authorization = authorizationFromEnv(env);
  const ca =
    url.protocol === 'https:' && env.OMENDB_CA !== undefined ? readFileSync(env.OMENDB_CA) : undefined;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  let idle: OmenDbError | undefined;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...(authorization === undefined ? {} : { authorization }), 'content-length': 0 },
        ...(ca === undefined ? {} : { ca }),
      },
      resolve,
    );
    request.setTimeout(idleMs, () => {
      idle = unavailable(`nothing from the server for ${idleMs} ms`);
      request.destroy(idle);
    });
    request.on('error', (error) =>
      reject(
        error instanceof OmenDbError
          ? error
          : unavailable(`cannot reach ${url.origin}: ${error.message}`, error),
      ),
    );
    request.end();
  });
  if (response.statusCode !== 200) throw await answerError(response);
  if (response.headers['content-type'] !== backupStreamContentType) {
    response.destroy();
    throw unavailable(
      `the server answered ${response.headers['content-type'] ?? 'no content type'}, not a backup stream`,
    );
  }
  return bodyChunks(response, () => idle);
}
