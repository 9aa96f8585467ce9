import { ConfigError, EX_CONFIG } from '@app/config';
import { CryptoError, type CryptoErrorCode } from '@app/crypto';

/** Exit statuses of the CLI; scripts branch on them, so they never change meaning. */
export const ExitCode = {
  Ok: 0,
  /** The operation failed: a keystore that cannot be opened, a value that cannot be decrypted… */
  Failure: 1,
  /** The command line is wrong: unknown command or flag, missing or invalid flag value. */
  Usage: 2,
  /** sysexits.h EX_CONFIG: the deployment configuration is invalid (same status as the services). */
  Config: EX_CONFIG,
} as const;

/**
 * An expected failure: `runCli` prints `error: <message>` on stderr (no stack) and exits with `exitCode`.
 * The message never holds a password, key, plaintext or stored value: it names files, aliases and flags.
 */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failure,
  ) {
    super(message);
  }
}

/** A bad command line (exit 2). */
export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.Usage);
}

const MISSING_KEY_HINT =
  'configure the keystore or key that encrypted it ([[keystore.old]] or [encryption] old_key in the configuration, or --keystore / --symmetric-key)';

// CryptoError messages are already free of secrets (the lib promises it) and name the file, alias or field;
// the CLI only rewords where an operator needs the next step. Details are read by key, never parsed out of messages.
const CRYPTO_MESSAGES: Partial<Record<CryptoErrorCode, (e: CryptoError) => string>> = {
  KEYSTORE_BAD_PASSWORD: (e) => `wrong keystore password for ${e.details?.file ?? 'the keystore'} (or the file is damaged)`,
  CIPHER_KEY_UNAVAILABLE: (e) => `${e.message}; ${MISSING_KEY_HINT}`,
};

/** The operator's wording of a {@link CryptoError}. */
export function describeCryptoError(error: CryptoError): string {
  return CRYPTO_MESSAGES[error.code]?.(error) ?? error.message;
}

/**
 * The message and exit status for anything a command threw. `origin` says where the failing setting came
 * from (e.g. `[keystore.primary] in /etc/apim/deployment.toml`) so the operator knows what to fix; a
 * keystore or key named by the configuration fails with the configuration's status (78).
 */
export function toCliError(error: unknown, origin?: { label: string; fromConfig: boolean }): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof ConfigError) return new CliError(error.format(), ExitCode.Config);
  if (error instanceof CryptoError) {
    const message = describeCryptoError(error);
    const exitCode = origin?.fromConfig ? ExitCode.Config : ExitCode.Failure;
    return new CliError(origin ? `${message}; ${origin.label}` : message, exitCode);
  }
  // Anything else is a bug or an environment failure. Its message may quote input (JSON.parse does), so
  // only the error's class and system code are shown.
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | undefined)?.code;
  return new CliError(`unexpected internal error (${name}${typeof code === 'string' ? ` ${code}` : ''}); please report it`);
}

/**
 * A database failure as an operator message that says which database and carries no stored values:
 * PostgreSQL errors by SQLSTATE (class 22, data exceptions, whose messages may quote the offending value,
 * by code alone), connection errors by their code.
 */
export function databaseError(error: unknown, what = 'the database'): CliError {
  if (error instanceof CliError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
    const message = code.startsWith('22') ? '' : `: ${(error as Error).message}`;
    return new CliError(`${what}: database error ${code}${message}`);
  }
  if (typeof code === 'string' && code.startsWith('E')) return new CliError(`cannot reach ${what} (${code})`);
  return toCliError(error);
}
