import {
  arrowStreamContentType,
  type ErrorCode,
  errorRegistry,
  hostileArrowBodies,
  hostileInputCases,
  limits,
} from '@omendb/engine';
import { securityChunkBytes } from '../limits.ts';
import { sourceSlots } from './loopback.ts';
import { describeAnswer, errorCodeOf, type ProbeAnswer } from './probe-client.ts';
import type { SecurityClient } from './security-client.ts';
import { readStoredState, type StoredState, sameState } from './stored-state.ts';

/**
 * The hostile-input corpus against a live server: the engine's own corpus (malformed and hostile
 * JSON bodies, deep nesting, int64 overflow, NaN, traversal and unicode names, bad queries and
 * routes), its hostile Arrow bodies (lying row counts, dictionaries, repeated and overlapping
 * blocks, the bit flips that once killed the decoder), and bodies over any body limit. After each
 * case the server must still answer /ready; every few cases the stored state is read back and
 * must equal what it was.
 */

export interface CorpusCase {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string | Uint8Array;
  /** A body sent in chunks (transfer-encoding: chunked), made afresh for the case. */
  readonly chunks?: () => Iterable<Uint8Array>;
  /** Default application/json when there is a body; null sends none. */
  readonly contentType?: string | null;
  readonly headers?: Readonly<Record<string, string | number>>;
  readonly anonymous?: boolean;
  readonly code: ErrorCode;
  /** Other answers that are as right (a body under this server's limit, refused as malformed). */
  readonly alsoRight?: readonly ErrorCode[];
}

export interface CorpusOptions {
  /** The series every case aims at (the canary). */
  readonly canary: string;
  /** Where hostile Arrow bodies are posted: it must never come to exist. */
  readonly arrowTarget: string;
  /** Delta dictionary batches in the largest hostile Arrow body. */
  readonly deltaDictionaryBatches: number;
  /** Bytes of the chunked body sent past every body limit (0: none). */
  readonly chunkedBodyBytes: number;
}

/** Every case of the corpus, in the order they are sent. */
export function corpusCases(options: CorpusOptions): CorpusCase[] {
  const { canary } = options;
  const { bodies, queries, routes } = hostileInputCases(canary);
  const engineCases = [...bodies, ...queries, ...routes]
    // Their answer holds for fastify inject only (it resolves the URL before routing).
    .filter((hostile) => hostile.transport === undefined)
    .map(
      (hostile): CorpusCase => ({
        name: hostile.name,
        method: hostile.method ?? 'POST',
        path: hostile.url ?? `/v1/series/${canary}/points`,
        ...(hostile.payload === undefined ? {} : { body: hostile.payload }),
        // The engine's cases default to JSON when they send a body or name a type.
        ...(hostile.contentType === undefined ? {} : { contentType: hostile.contentType }),
        ...(hostile.anonymous === true ? { anonymous: true } : {}),
        code: hostile.code,
      }),
    );
  const arrowCases = hostileArrowBodies(options.deltaDictionaryBatches).map(
    ({ name, body }): CorpusCase => ({
      name: `Arrow: ${name}`,
      method: 'POST',
      path: `/v1/series/${options.arrowTarget}/points`,
      body,
      contentType: arrowStreamContentType,
      code: 'OMENDB_ERR_INPUT_ARROW',
    }),
  );
  const oversized: CorpusCase[] = [
    {
      // Past the largest body limit a server may be given: refused before the body is read.
      name: `a declared body of ${limits.httpBodyBytesMax + 1} bytes`,
      method: 'POST',
      path: `/v1/series/${canary}/points`,
      headers: { 'content-length': limits.httpBodyBytesMax + 1 },
      body: '{"points": [[5, 1]',
      code: 'OMENDB_ERR_HTTP_BODY_TOO_LARGE',
    },
  ];
  if (options.chunkedBodyBytes > 0)
    oversized.push({
      name: `a chunked body of ${options.chunkedBodyBytes} bytes`,
      method: 'POST',
      path: `/v1/series/${canary}/points`,
      chunks: () => spaces(options.chunkedBodyBytes),
      code: 'OMENDB_ERR_HTTP_BODY_TOO_LARGE',
      // The server's body limit is its own: a body under it is read whole and refused as JSON.
      alsoRight: ['OMENDB_ERR_HTTP_BAD_REQUEST'],
    });
  return [...engineCases, ...arrowCases, ...oversized];
}

/** A JSON body that opens, then runs on in whitespace: `bytes` in all, chunk by chunk. */
function* spaces(bytes: number): Generator<Uint8Array> {
  const head = Buffer.from('{"points": [');
  yield head;
  const chunk = Buffer.alloc(securityChunkBytes, 0x20);
  for (let sent = head.length; sent < bytes; sent += chunk.length) yield chunk;
}

export interface CaseFinding {
  readonly name: string;
  readonly expected: string;
  readonly got: string;
  readonly ms: number;
}

export interface CorpusResult {
  readonly cases: number;
  /** Answered, below 500, with another status or code than the corpus says. */
  readonly wrongCode: readonly CaseFinding[];
  /** No answer, or 5xx. */
  readonly failed: readonly CaseFinding[];
  /** Answered after the deadline. */
  readonly slow: readonly CaseFinding[];
  /** After which /ready did not answer 200. */
  readonly killed: readonly string[];
  /** The cases since the last good state read when the stored state was found changed. */
  readonly changedData: readonly string[];
  readonly slowestMs: number;
}

export interface CorpusRunOptions {
  readonly writer: string;
  readonly reader: string;
  readonly canary: string;
  readonly baseline: StoredState;
  readonly caseDeadlineMs: number;
  readonly stateCheckEvery: number;
  readonly onCase?: (done: number, total: number) => void;
}

function judge(hostile: CorpusCase, answer: ProbeAnswer): 'right' | 'wrong-code' | 'failed' {
  if (!answer.answered || answer.status >= 500) return 'failed';
  const code = errorCodeOf(answer);
  const right = [hostile.code, ...(hostile.alsoRight ?? [])].some(
    (want) => answer.status === errorRegistry[want].status && code === want,
  );
  return right ? 'right' : 'wrong-code';
}

export async function runCorpus(
  client: SecurityClient,
  cases: readonly CorpusCase[],
  options: CorpusRunOptions,
): Promise<CorpusResult> {
  const wrongCode: CaseFinding[] = [];
  const failed: CaseFinding[] = [];
  const slow: CaseFinding[] = [];
  const killed: string[] = [];
  const changedData: string[] = [];
  let sinceCheck: string[] = [];
  let slowestMs = 0;
  let baseline = options.baseline;
  const checkState = async (): Promise<void> => {
    const state = await readStoredState(client, options.reader, options.canary);
    if (!sameState(state, baseline)) {
      changedData.push(...sinceCheck);
      // Each change is counted once: later cases are judged against what is there now.
      baseline = state;
    }
    sinceCheck = [];
  };
  let done = 0;
  for (const hostile of cases) {
    const answer = await client.send({
      method: hostile.method,
      path: hostile.path,
      authorization: hostile.anonymous === true ? undefined : options.writer,
      ...(hostile.body === undefined ? {} : { body: hostile.body }),
      ...(hostile.chunks === undefined ? {} : { chunks: hostile.chunks() }),
      ...(hostile.contentType === undefined ? {} : { contentType: hostile.contentType }),
      ...(hostile.headers === undefined ? {} : { headers: hostile.headers }),
      slot: sourceSlots.hostile,
    });
    const finding: CaseFinding = {
      name: hostile.name,
      expected: `${errorRegistry[hostile.code].status} ${hostile.code}`,
      got: describeAnswer(answer),
      ms: answer.ms,
    };
    const verdict = judge(hostile, answer);
    if (verdict === 'failed') failed.push(finding);
    else if (verdict === 'wrong-code') wrongCode.push(finding);
    if (answer.ms > options.caseDeadlineMs) slow.push(finding);
    slowestMs = Math.max(slowestMs, answer.ms);
    sinceCheck.push(hostile.name);
    if (!(await client.ready(sourceSlots.hostile))) {
      killed.push(hostile.name);
      // A dead server would fail every case after it: what killed it is the finding.
      break;
    }
    done++;
    options.onCase?.(done, cases.length);
    if (done % options.stateCheckEvery === 0) await checkState();
  }
  if (sinceCheck.length > 0 && killed.length === 0) await checkState();
  return { cases: done + killed.length, wrongCode, failed, slow, killed, changedData, slowestMs };
}
