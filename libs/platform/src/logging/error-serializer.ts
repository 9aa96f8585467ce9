/** An error as it may appear in a log line: never the data of the request or the statement that failed. */
export interface LoggedError {
  /** The error's class (`QueryFailedError`, `KeyManagerError`…), or `typeof` for a thrown non-error. */
  type: string;
  /** A stable code when the error has one: SQLSTATE, errno, our own codes. */
  code?: string;
  message?: string;
  /** The stack frames only (the first line of `stack` repeats the message, so it is left out). */
  stack?: string;
  cause?: LoggedError;
  errors?: LoggedError[];
}

const MAX_MESSAGE = 500;
const MAX_DEPTH = 3;
const MAX_AGGREGATED = 5;
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Whether an error comes from the database: TypeORM's `QueryFailedError` (which copies the driver's error
 * and adds the statement's `query` and `parameters`) or node-postgres's `DatabaseError` (`severity` and a
 * five-character SQLSTATE).
 */
function isDatabaseError(error: Error): boolean {
  const e = error as { code?: unknown; severity?: unknown; driverError?: unknown; query?: unknown };
  return 'driverError' in e || 'query' in e || (typeof e.code === 'string' && SQLSTATE.test(e.code) && typeof e.severity === 'string');
}

/**
 * A database error's message without the values it quotes. PostgreSQL names identifiers in double quotes
 * (`constraint "uq_name"`, harmless) but data exceptions, class 22, quote the value they refused
 * (`invalid input syntax for type integer: "…"`), which may be a secret when encryption is off: those
 * quotes are blanked.
 */
function databaseMessage(message: string, code: string | undefined): string {
  if (code !== undefined && !code.startsWith('22')) return message;
  return message.replace(/"(?:[^"]|"")*"/g, '"[value]"').replace(/'(?:[^']|'')*'/g, "'[value]'");
}

function framesOf(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return frames.length > 0 ? frames.join('\n') : undefined;
}

function serialize(error: unknown, depth: number): LoggedError {
  if (!(error instanceof Error)) {
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    return { type: error === null ? 'null' : typeof error, ...(typeof code === 'string' ? { code } : {}) };
  }
  const ownCode = (error as { code?: unknown }).code;
  const driverCode = ((error as { driverError?: { code?: unknown } }).driverError ?? {}).code;
  const code = typeof ownCode === 'string' ? ownCode : typeof driverCode === 'string' ? driverCode : undefined;
  const message = isDatabaseError(error) ? databaseMessage(error.message, code) : error.message;
  const stack = framesOf(error.stack);
  const logged: LoggedError = {
    type: error.name,
    ...(code !== undefined ? { code } : {}),
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message,
    ...(stack ? { stack } : {}),
  };
  if (depth < MAX_DEPTH) {
    if (error.cause !== undefined) logged.cause = serialize(error.cause, depth + 1);
    if (error instanceof AggregateError) logged.errors = (error.errors as unknown[]).slice(0, MAX_AGGREGATED).map((e) => serialize(e, depth + 1));
  }
  return logged;
}

/**
 * The one way an error is logged, by both services, on HTTP and on the bus: the root logger uses it as
 * its `err` (and `error`) serializer, so `logger.error({ err }, '…')` is always safe. Keeps what helps an
 * operator — class, code, message, stack frames, the cause — and nothing an error merely carries along:
 * TypeORM's `query`, `parameters` and `driverError`, PostgreSQL's `detail` (`Key (name)=(…)`), `where`
 * and `internalQuery`, or any other property. A database error's message keeps its identifiers but not
 * the values it quotes (see {@link databaseMessage}).
 *
 * @example
 * logger.error({ errorId, err: serializeError(error) }, 'unhandled error'); // or just { err: error }
 */
export function serializeError(error: unknown): LoggedError {
  return serialize(error, 0);
}

/** An error's message as it may be logged or printed (the same rules as {@link serializeError}). */
export function loggableMessage(error: unknown): string {
  const logged = serializeError(error);
  return logged.message ?? logged.type;
}
