import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { ConfigError } from './config.error.js';
import { resolveConfig } from './config.resolver.js';
import type { ConfigIssue, DeploymentConfig, LoadConfigOptions, ServiceName } from './config.types.js';

/** sysexits.h EX_CONFIG: the exit status of a service stopped by its configuration. */
export const EX_CONFIG = 78;

type Document = Record<string, unknown>;

/** The parsed file behind each config handed out, so `loadConfigFor` sees exactly the same content. */
const sources = new WeakMap<DeploymentConfig, { document: Document; env: NodeJS.ProcessEnv; files?: ReadonlyMap<string, string> }>();

interface Located {
  file: string;
  /** How the file was chosen, for the message when it is missing. */
  origin: 'explicit' | 'DEPLOYMENT_CONFIG';
  given: string;
}

function locate(options: LoadConfigOptions, env: NodeJS.ProcessEnv): Located {
  if (options.file) return { file: resolve(options.file), origin: 'explicit', given: options.file };
  const fromEnv = env['DEPLOYMENT_CONFIG'];
  if (fromEnv) return { file: resolve(fromEnv), origin: 'DEPLOYMENT_CONFIG', given: fromEnv };
  throw new ConfigError('CONFIG_NOT_FOUND', undefined, [
    {
      key: 'DEPLOYMENT_CONFIG',
      problem: 'is not set, and no file was given',
      expected: 'DEPLOYMENT_CONFIG to name the deployment.toml, e.g. DEPLOYMENT_CONFIG=/etc/apim/deployment.toml',
    },
  ]);
}

function read(located: Located): string {
  try {
    // A BOM is legal in a UTF-8 file but not in TOML: editors on Windows add one.
    return readFileSync(located.file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const path =
      located.given === located.file ? located.file : `${located.given} (${located.file}, resolved against the working directory)`;
    const describe = (what: string): ConfigIssue =>
      located.origin === 'explicit'
        ? { key: '', problem: `the file given explicitly, ${path}, ${what}`, expected: 'the path of a readable deployment.toml' }
        : { key: 'DEPLOYMENT_CONFIG', problem: `names ${path}, which ${what}`, expected: 'the path of a readable deployment.toml' };
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError('CONFIG_NOT_FOUND', located.file, [describe('does not exist')]);
    }
    const what =
      code === 'EISDIR' ? 'is a directory' : code === 'EACCES' || code === 'EPERM' ? 'is not readable (permission denied)' : `cannot be read (${code ?? 'unknown error'})`;
    throw new ConfigError('CONFIG_UNREADABLE', located.file, [describe(what)]);
  }
}

function parseDocument(text: string, file: string): Document {
  try {
    return parse(text, { unsafeKeyBehaviour: 'throw' }) as Document;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml appends the offending lines to its message; they may hold a password, so keep only the reason.
    const reason = error.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
    throw new ConfigError('CONFIG_SYNTAX', file, [
      { key: '', problem: `line ${error.line}, column ${error.column}: ${reason}`, expected: 'valid TOML (https://toml.io/en/v1.0.0)' },
    ]);
  }
}

/**
 * Reads, validates and types `deployment.toml` for one service. The file is `options.file`, else the
 * environment variable `DEPLOYMENT_CONFIG`. Call it once at start, before Nest boots; nothing else reads
 * the file or `process.env`.
 *
 * @throws {@link ConfigError} `CONFIG_NOT_FOUND`, `CONFIG_UNREADABLE`, `CONFIG_SYNTAX`, or `CONFIG_INVALID`
 * with every issue found.
 * @example
 * ```ts
 * const config = loadConfig({ service: 'devportal' }); // reads $DEPLOYMENT_CONFIG
 * console.log(config.server.port, config.database.schema); // 9444 'devportal' with the sample file
 * ```
 */
export function loadConfig(options: LoadConfigOptions): DeploymentConfig {
  const env = options.env ?? process.env;
  const located = locate(options, env);
  const document = parseDocument(read(located), located.file);
  const files = options.files;
  const config = resolveConfig(document, { file: located.file, service: options.service, env, ...(files ? { files } : {}) });
  sources.set(config, { document, env, ...(files ? { files } : {}) });
  return config;
}

/**
 * {@link loadConfig}, or print the problems to stderr and exit with status 78 (`EX_CONFIG`). For `main.ts`:
 * a service with a bad configuration stops before it opens a port. Errors other than {@link ConfigError}
 * are rethrown.
 *
 * @example
 * ```ts
 * const config = loadConfigOrExit({ service: 'key-manager' });
 * const app = await NestFactory.create(AppModule.register(config));
 * ```
 */
export function loadConfigOrExit(options: LoadConfigOptions): DeploymentConfig {
  try {
    return loadConfig(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.format()}\n`);
    return process.exit(EX_CONFIG);
  }
}

/**
 * Reads the file `config` came from again (and every `$file{}` it references), with the environment (and
 * the `files` override) it was first loaded with: a running service re-reads its deployment.toml when `cli encryption rollout` asks it
 * to, but its environment is the one it started with — for a service, its process environment; for the
 * services `npm start` runs, the values the launcher gave them.
 *
 * @throws {@link ConfigError} as {@link loadConfig}.
 * @example
 * ```ts
 * const fresh = reloadConfig(config); // same service, same file, same environment; new content
 * ```
 */
export function reloadConfig(config: DeploymentConfig): DeploymentConfig {
  const source = sources.get(config);
  return loadConfig({ service: config.service, file: config.file, ...(source ? { env: source.env } : {}), ...(source?.files ? { files: source.files } : {}) });
}

/**
 * The configuration another service gets from the same file, e.g. the CLI needing the key manager's and
 * the portal's database schemas. Uses the content `from` was loaded from (no second read, so both views
 * agree) and, unless `env` is given, the same environment.
 *
 * @throws {@link ConfigError} when the file is invalid for that service (e.g. `[super_admin]` missing for
 * `key-manager`).
 * @example
 * ```ts
 * const cli = loadConfig({ service: 'cli' });
 * const portal = loadConfigFor('devportal', cli);
 * console.log(cli.database.schema, portal.database.schema); // 'key_manager' 'devportal'
 * ```
 */
export function loadConfigFor(service: ServiceName, from: DeploymentConfig, env?: NodeJS.ProcessEnv): DeploymentConfig {
  const source = sources.get(from);
  if (!source) return loadConfig({ service, file: from.file, ...(env ? { env } : {}) });
  const files = source.files ? { files: source.files } : {};
  const config = resolveConfig(source.document, { file: from.file, service, env: env ?? source.env, ...files });
  sources.set(config, { document: source.document, env: env ?? source.env, ...files });
  return config;
}
