export type LauncherErrorCode =
  | 'DEV_WORKSPACE_INCONSISTENT'
  | 'DEV_SECRETS_UNREADABLE'
  | 'EMBEDDED_POSTGRES_UNAVAILABLE'
  | 'EMBEDDED_POSTGRES_FAILED'
  | 'NOT_RUNNING'
  | 'ALREADY_RUNNING';

/** A problem the launcher or the demo explains to the user in one message (no stack trace). */
export class LauncherError extends Error {
  constructor(
    readonly code: LauncherErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LauncherError';
  }
}
