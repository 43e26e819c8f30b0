import { OmenDbError } from '@omendb/engine';
import { type SecurityTarget, sourceAddress, sourceSlots } from './loopback.ts';
import { describeAnswer, jsonOf, type ProbeAnswer, probe } from './probe-client.ts';

/**
 * The security scenario's view of one server: requests from numbered loopback source slots,
 * each on a fresh connection with a bounded wait, plus the few calls whose failure means the
 * scenario cannot go on (setup), which throw instead of returning a finding.
 */

export interface SecurityCall {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string | undefined;
  readonly body?: string | Uint8Array;
  /** A body sent in chunks (see ProbeRequest.chunks). */
  readonly chunks?: Iterable<Uint8Array>;
  /** Default application/json when there is a body; null sends none. */
  readonly contentType?: string | null;
  readonly headers?: Readonly<Record<string, string | number>>;
  /** The source slot (sourceSlots); default setup. */
  readonly slot?: number;
  readonly timeoutMs?: number;
}

export class SecurityClient {
  constructor(
    readonly target: SecurityTarget,
    /** The wait of one request. */
    readonly timeoutMs: number,
  ) {}

  send(call: SecurityCall): Promise<ProbeAnswer> {
    const headers: Record<string, string | number> = { ...call.headers };
    if (call.authorization !== undefined) headers.authorization = call.authorization;
    const contentType = call.contentType === undefined ? 'application/json' : call.contentType;
    const hasBody = call.body !== undefined || call.chunks !== undefined;
    if (hasBody && contentType !== null) headers['content-type'] = contentType;
    return probe(this.target, {
      method: call.method,
      path: call.path,
      headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      ...(call.chunks === undefined ? {} : { chunks: call.chunks }),
      source: sourceAddress(this.target, call.slot ?? sourceSlots.setup),
      timeoutMs: call.timeoutMs ?? this.timeoutMs,
    });
  }

  /**
   * A setup call that must succeed (2xx): its JSON body (undefined when it is not JSON), or
   * OMENDB_ERR_HARNESS_UNAVAILABLE with what came instead: without it the scenario cannot go on.
   */
  async expectSuccess(call: SecurityCall): Promise<unknown> {
    const answer = await this.send(call);
    if (!answer.answered || answer.status < 200 || answer.status > 299)
      throw new OmenDbError(
        'OMENDB_ERR_HARNESS_UNAVAILABLE',
        `${call.method} ${call.path}: ${describeAnswer(answer)}`,
        answer.answered ? { status: answer.status } : {},
      );
    return jsonOf(answer);
  }

  /** Whether GET /ready answers 200 within the wait. */
  async ready(slot: number = sourceSlots.setup): Promise<boolean> {
    const answer = await this.send({ method: 'GET', path: '/ready', slot });
    return answer.answered && answer.status === 200;
  }
}
