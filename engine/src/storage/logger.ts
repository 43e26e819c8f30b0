/** The subset of a pino-style logger the engine uses (fastify's logger fits it). */
export interface EngineLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Default: warnings and errors as JSON lines on stderr, where an operator looks first. */
export const stderrLogger: EngineLogger = {
  info() {},
  warn(fields, message) {
    process.stderr.write(`${JSON.stringify({ level: 'warn', msg: message, ...stringifyBigints(fields) })}\n`);
  },
  error(fields, message) {
    process.stderr.write(
      `${JSON.stringify({ level: 'error', msg: message, ...stringifyBigints(fields) })}\n`,
    );
  },
};

export const silentLogger: EngineLogger = { info() {}, warn() {}, error() {} };

function stringifyBigints(fields: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields))
    result[name] = typeof value === 'bigint' ? value.toString() : value;
  return result;
}
