/**
 * The one error registry. Every expected failure has a stable code `OMENDB_ERR_<AREA>_<WHAT>`
 * with its HTTP status and a description. Codes never change; messages may. Tests assert codes.
 * docs/errors.md is generated from this table (scripts/gen-error-docs.ts) and a test keeps the
 * two in step.
 */

export interface ErrorSpec {
  readonly status: number;
  readonly description: string;
}

export const errorRegistry = {
  OMENDB_ERR_INPUT_SERIES_NAME: {
    status: 400,
    description: 'Series name is not 1 to 128 characters of [A-Za-z0-9_.:-].',
  },
  OMENDB_ERR_INPUT_KEY: {
    status: 400,
    description: 'A key is not a signed 64-bit integer (a bigint in range, or a safe-integer number).',
  },
  OMENDB_ERR_INPUT_VALUE: {
    status: 400,
    description: 'A value is not a finite float64 (NaN and ±Infinity are rejected).',
  },
  OMENDB_ERR_INPUT_POINTS: {
    status: 400,
    description: 'The points argument is not an array of [key, value] pairs.',
  },
  OMENDB_ERR_INPUT_RANGE: {
    status: 400,
    description: 'A range has from > to, or a limit/cursor that is out of bounds.',
  },
  OMENDB_ERR_INPUT_OPTIONS: {
    status: 400,
    description: 'An option passed to the engine is missing, of the wrong type or out of range.',
  },
  OMENDB_ERR_INPUT_AGGREGATE: {
    status: 400,
    description:
      'An aggregate query names an unknown function, or its bucket width is not a positive integer up to 2^63-1.',
  },
  OMENDB_ERR_INPUT_ARROW: {
    status: 400,
    description:
      'Arrow input is not a Table or IPC bytes; its schema is not exactly a non-null `key` (Int64 or Timestamp) and `value` (Float64) column without dictionaries; or its bytes are malformed (a batch that declares more rows than its buffers hold, more messages or batches than the limits allow, a file footer that lists a batch twice). Checked before anything is written.',
  },
  OMENDB_ERR_LIMIT_BATCH_POINTS: {
    status: 413,
    description: 'A write batch has more points than writeBatchPointsMax.',
  },
  OMENDB_ERR_LIMIT_SERIES_COUNT: {
    status: 507,
    description: 'Creating this series would exceed seriesCountMax.',
  },
  OMENDB_ERR_LIMIT_AGGREGATE_BUCKETS: {
    status: 400,
    description:
      'An aggregate query would return more than aggregateBucketsMax non-empty buckets; widen the bucket or narrow the range.',
  },
  OMENDB_ERR_ENGINE_CLOSED: {
    status: 503,
    description: 'The engine is closed (or closing); the call did not run.',
  },
  OMENDB_ERR_ENGINE_FAILED: {
    status: 503,
    description:
      'An earlier I/O failure (for example a failed fsync) put the engine in a failed state; reopen it to recover from the WAL. The outcome of a write refused with this code is unknown: it may be present after recovery, so retry it idempotently (the same keys and values).',
  },
  OMENDB_ERR_DIR_LOCKED: {
    status: 409,
    description: 'Another engine (in this or another process) holds the data directory lock.',
  },
  OMENDB_ERR_WAL_CORRUPT: {
    status: 500,
    description:
      'A WAL record failed its checksum and valid records follow it (mid-log corruption). Names file and offset. Open with recovery: "truncate" to keep the valid prefix.',
  },
  OMENDB_ERR_WAL_IO: {
    status: 500,
    description:
      'Writing or fsyncing the WAL failed; the batch was not acknowledged, but its outcome is unknown: it may have reached the disk and be present after recovery, so retry it idempotently (the same keys and values).',
  },
  OMENDB_ERR_SEGMENT_CORRUPT: {
    status: 500,
    description:
      'A segment file does not match the size or checksum recorded in the manifest, or its content is invalid.',
  },
  OMENDB_ERR_MANIFEST_CORRUPT: {
    status: 500,
    description: 'The manifest failed its checksum or does not parse.',
  },
  OMENDB_ERR_VERSION_UNSUPPORTED: {
    status: 500,
    description: 'A file was written by a format version this build cannot read.',
  },
  OMENDB_ERR_HTTP_BAD_REQUEST: {
    status: 400,
    description:
      'The request does not match its schema: malformed JSON, a wrong type, a missing or unknown field, or a parameter out of range.',
  },
  OMENDB_ERR_HTTP_NOT_FOUND: {
    status: 404,
    description: 'No route matches the method and path, or the point or series asked for does not exist.',
  },
  OMENDB_ERR_HTTP_BODY_TOO_LARGE: {
    status: 413,
    description: 'The request body is larger than the configured limit (httpBodyBytes).',
  },
  OMENDB_ERR_HTTP_MEDIA_TYPE: {
    status: 415,
    description:
      'The content type is neither application/json nor application/vnd.apache.arrow.stream (where the route takes Arrow).',
  },
  OMENDB_ERR_HTTP_NOT_READY: {
    status: 503,
    description: 'The server is still recovering the engine, or is shutting down; retry later.',
  },
  OMENDB_ERR_HTTP_HOST_NOT_ALLOWED: {
    status: 403,
    description:
      'With --auth off, the Host header must name a loopback host (localhost, 127.0.0.0/8 or [::1]): a foreign name is how a web page reaches a local server by DNS rebinding.',
  },
  OMENDB_ERR_HTTP_TIMEOUT: {
    status: 408,
    description:
      'The request (headers and body) did not arrive within the request timeout (requestTimeoutMs); the connection is closed.',
  },
  OMENDB_ERR_HTTP_HEADERS_TOO_LARGE: {
    status: 431,
    description: "The request's headers are larger than the server accepts (Node's maxHeaderSize).",
  },
  OMENDB_ERR_HTTP_INTERNAL: {
    status: 500,
    description:
      'An unexpected failure inside the server; it is logged with the request id, and never described to the client.',
  },
  OMENDB_ERR_AUTH_REQUIRED: {
    status: 401,
    description: 'The route needs credentials: HTTP Basic or a Bearer token from POST /v1/auth/token.',
  },
  OMENDB_ERR_AUTH_INVALID: {
    status: 401,
    description:
      'The credentials are wrong: unknown user, wrong password, or a token that is malformed, badly signed, of another algorithm, expired, not yet valid, or whose user was removed or changed password.',
  },
  OMENDB_ERR_AUTH_FORBIDDEN: {
    status: 403,
    description:
      "The user's role does not allow this route (reader reads, writer also writes, admin does everything, monitor sees /metrics and /health).",
  },
  OMENDB_ERR_AUTH_RATE_LIMITED: {
    status: 429,
    description:
      "Too many failed authentications from this client address, or for this user name; wait for the retry-after header's seconds.",
  },
  OMENDB_ERR_AUTH_BUSY: {
    status: 429,
    description:
      'Too many password checks are already running (passwordHashesInFlightMax); the request was refused before hashing. Retry after the retry-after header, or use a token.',
  },
  OMENDB_ERR_USERS_INVALID: {
    status: 400,
    description:
      'A user name is not 1 to 64 characters of [A-Za-z0-9_.-], a role is not admin, writer, reader or monitor, or a password is shorter than 12 or longer than 1024 characters.',
  },
  OMENDB_ERR_USERS_EXISTS: {
    status: 409,
    description: 'A user with this name already exists.',
  },
  OMENDB_ERR_USERS_NOT_FOUND: {
    status: 404,
    description: 'No user has this name.',
  },
  OMENDB_ERR_USERS_LIMIT: {
    status: 507,
    description: 'Adding this user would exceed usersMax.',
  },
  OMENDB_ERR_USERS_BUSY: {
    status: 503,
    description:
      'Another process held the users-file lock for longer than usersLockWaitMsMax; the change was not made. Retry.',
  },
  OMENDB_ERR_USERS_FILE_CORRUPT: {
    status: 500,
    description:
      'The users file does not parse, is larger than usersFileBytesMax, or holds an invalid entry.',
  },
  OMENDB_ERR_CONFIG_INVALID: {
    status: 400,
    description:
      'A server option (command line, OMENDB_* environment variable or config file) is unknown, of the wrong type or out of range.',
  },
  OMENDB_ERR_CONFIG_NO_USERS: {
    status: 400,
    description:
      'Authentication is on and the users file is empty: set OMENDB_ADMIN_PASSWORD to create the user admin, add a user with `omendb users add`, or use --auth off on a loopback address.',
  },
  OMENDB_ERR_CONFIG_AUTH_OFF_NOT_LOOPBACK: {
    status: 400,
    description: '--auth off is allowed only when the server binds a loopback address (127.0.0.0/8 or ::1).',
  },
  OMENDB_ERR_HARNESS_USAGE: {
    status: 400,
    description:
      'omendb-harness was called wrongly: an unknown command, scenario, profile, engine or parameter, or a value out of range. Exit code 64.',
  },
  OMENDB_ERR_HARNESS_CAPABILITY: {
    status: 400,
    description:
      'The operation needs a capability the adapter does not declare (for example kill() on an in-process engine); scenarios skip by capability instead of calling it.',
  },
  OMENDB_ERR_HARNESS_ADAPTER_STATE: {
    status: 409,
    description:
      'An adapter was used in the wrong state: an operation before open() or after close(), or start() twice.',
  },
  OMENDB_ERR_HARNESS_UNAVAILABLE: {
    status: 503,
    description:
      'The engine did not answer: the connection was refused or reset, the request timed out, or its process was killed or paused. The outcome of the operation is unknown.',
  },
  OMENDB_ERR_HARNESS_RESULT_INVALID: {
    status: 500,
    description: 'A scenario result does not validate against the result schema; it was not written.',
  },
  OMENDB_ERR_HARNESS_REPORT_INVALID: {
    status: 500,
    description:
      'A readiness report does not validate against readiness.schema.json: one about to be written (it is not written), or one read back as a baseline.',
  },
  OMENDB_ERR_HARNESS_EVIDENCE_INVALID: {
    status: 422,
    description:
      "Evidence the harness reads is malformed or past its bound: a coverage map that is not an istanbul map, raw V8 coverage with too many or too large files, a repository file or tree past the static facts' size or depth bound.",
  },
  // Operations (issue 12): crash leftovers in `omendb check`, TLS reload on SIGHUP.
  OMENDB_ERR_CHECK_CRASH_LEFTOVER: {
    status: 500,
    description:
      'A warning of `omendb check`, not damage: a file or tail a crash leaves by design, which the next open removes or ignores (a torn tail at the end of the WAL, a newest WAL file shorter than its header, a segment file the manifest does not list, a `.tmp` segment, MANIFEST.tmp, LOCK.new-* or LOCK.stale-*). The report stays ok and the exit code 0. Damage is reported under the *_CORRUPT codes. Never an HTTP response.',
  },
  OMENDB_ERR_CONFIG_TLS_RELOAD: {
    status: 400,
    description:
      'Reloading the TLS certificate and key (SIGHUP) failed: a file cannot be read, is not valid PEM, or the key does not match the certificate. The server keeps serving with the previous certificate; fix the files and send SIGHUP again. Logged, never an HTTP response.',
  },
  // Backup and restore (issue 12, item 3).
  OMENDB_ERR_BACKUP_CORRUPT: {
    status: 422,
    description:
      'A backup is damaged or incomplete: BACKUP.json is missing, does not parse or fails its checksum, a file it lists is missing or has another size or CRC32, the MANIFEST fails its checksum or does not list the same segments, or an online backup stream ended early or failed a checksum. Nothing was restored.',
  },
  OMENDB_ERR_BACKUP_TARGET_NOT_EMPTY: {
    status: 409,
    description:
      'omendb backup --out names a path that is not an empty directory; a backup never overwrites.',
  },
  OMENDB_ERR_RESTORE_TARGET_NOT_EMPTY: {
    status: 409,
    description:
      'omendb restore --data names a path that is not an empty directory; a restore never overwrites.',
  },
  OMENDB_ERR_BACKUP_TOO_LARGE: {
    status: 507,
    description:
      'The database has more files or bytes than one backup may hold (backupFilesMax, backupBytesMax).',
  },
  OMENDB_ERR_BACKUP_UNAVAILABLE: {
    status: 503,
    description:
      'omendb backup --url could not reach the server, got an answer that is not a backup stream (the connection failed, or an unexpected status), or the server sent nothing for backupClientIdleMsMax (a backup cut off that way is incomplete, not damaged).',
  },
  // Flushes and compactions off the event loop (issue 12, item 1: the segment worker).
  OMENDB_ERR_SEGMENT_WORKER_FAILED: {
    status: 500,
    description:
      'The worker thread that encodes segments for flushes and compactions died or could not start; the flush or compaction failed like an I/O error and the engine is in its failed state. Reopen it: recovery replays the WAL.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorRegistry;

export class OmenDbError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OmenDbError';
    this.code = code;
    this.status = errorRegistry[code].status;
    this.details = details;
  }
}

export function isOmenDbError(error: unknown, code?: ErrorCode): error is OmenDbError {
  return error instanceof OmenDbError && (code === undefined || error.code === code);
}

/**
 * Invariant check that stays on in production (TIGER_STYLE): a failed assertion is a bug in
 * OmenDB, never bad input, so it throws a plain Error rather than a registry code.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`OmenDB invariant violated: ${message}`);
}
