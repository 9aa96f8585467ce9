import type { CliIo } from './cli-io.js';

/** The name of the CLI's command (`bin` in package.json). */
export const CLI_BIN = 'token-encryption';

/**
 * How the person at the keyboard runs the CLI, so the examples in `--help` paste as written:
 * `TOKEN_ENCRYPTION_CLI` when set (the Compose `cli` service sets `docker compose run --rm cli`), else
 * `npx token-encryption` under `npx`, `npm run --silent cli --` under `npm run cli`, and the bare command
 * otherwise (on the PATH after `npm link`, or in the container image).
 */
export function cliName(io: Pick<CliIo, 'env'>): string {
  const configured = io.env['TOKEN_ENCRYPTION_CLI']?.trim();
  if (configured) return configured;
  if (io.env['npm_command'] === 'exec') return `npx ${CLI_BIN}`;
  if (io.env['npm_command'] === 'run-script' && io.env['npm_lifecycle_event'] === 'cli') return 'npm run --silent cli --';
  return CLI_BIN;
}
