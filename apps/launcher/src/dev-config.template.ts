/** Where the launcher keeps its development files, relative to the folder it starts in (the repo root). */
export const DEV_FOLDER = '.dev';

/** File names inside {@link DEV_FOLDER}. */
export const DevFiles = {
  config: 'deployment.toml',
  keystore: 'primary.p12',
  secrets: 'secrets.json',
  /** The keystore and admin passwords again, one file each, for `$file{}` (mode 0600). */
  keystorePassword: 'keystore.password',
  adminPassword: 'admin.password',
  /** `npm run demo`'s developer (user name and password): made by the first run, reused by later ones (mode 0600). */
  demoUser: 'demo-user.json',
  /** The values of the running start (database and NATS URLs, ports), one file each, for `$file{}`. */
  run: 'run',
  state: 'launcher.json',
  /** Held by the running launcher: a second one in the same folder stops before touching anything. */
  lock: 'launcher.lock',
  pgdata: 'pgdata',
  logs: 'logs',
} as const;

export const DEV_KEYSTORE_ALIAS = 'wso2carbon';
export const DEV_ADMIN_USERNAME = 'admin';
export const DEV_DATABASE_NAME = 'apim';
export const DEFAULT_KEY_MANAGER_PORT = 9443;
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** The per-start values, as files under `.dev/run/` (relative to `.dev/`, as `$file{}` reads them). */
export const RunFiles = {
  databaseUrl: `${DevFiles.run}/database-url`,
  natsUrl: `${DevFiles.run}/nats-url`,
  keyManagerPort: `${DevFiles.run}/key-manager-port`,
  devportalPort: `${DevFiles.run}/devportal-port`,
} as const;

export type RunValues = Record<keyof typeof RunFiles, string>;

/**
 * The environment variables the development config of earlier versions referenced (`$env{}`). The launcher
 * still hands them in at each start, so a `.dev/deployment.toml` that was not upgraded keeps working.
 */
export interface DevConfigEnv {
  DATABASE_URL: string;
  NATS_URL: string;
  KEY_MANAGER_PORT: string;
  DEVPORTAL_PORT: string;
  KEYSTORE_PASSWORD: string;
  ADMIN_PASSWORD: string;
}

/** `$env{}` references of the earlier development config, and the `$file{}` each becomes. */
const LEGACY_REFERENCES: ReadonlyArray<[string, string]> = [
  ['$env{DATABASE_URL}', `$file{${RunFiles.databaseUrl}}`],
  ['$env{NATS_URL}', `$file{${RunFiles.natsUrl}}`],
  ['$env{KEY_MANAGER_PORT}', `$file{${RunFiles.keyManagerPort}}`],
  ['$env{DEVPORTAL_PORT}', `$file{${RunFiles.devportalPort}}`],
  ['$env{KEYSTORE_PASSWORD}', `$file{${DevFiles.keystorePassword}}`],
  ['$env{ADMIN_PASSWORD}', `$file{${DevFiles.adminPassword}}`],
];

/** A subject prefix of its own for one `.dev/` workspace: `dev.` and 10 random hex digits. */
export function newDevSubjectPrefix(random: (bytes: number) => Buffer): string {
  return `dev.${random(5).toString('hex')}`;
}

/**
 * Brings a development config written by an earlier launcher up to date, keeping the operator's edits:
 * the `$env{}` values the launcher used to hand in become `$file{}` references (so the CLI and a rollout
 * read the same values as the services without any environment), and a workspace with no
 * `[transport.nats] subject_prefix` gets `prefix`. Returns the text unchanged when there is nothing to do.
 */
export function upgradeDevConfig(text: string, prefix: string): string {
  let upgraded = text;
  for (const [from, to] of LEGACY_REFERENCES) upgraded = upgraded.replaceAll(from, to);
  if (!/^\s*subject_prefix\s*=/m.test(upgraded)) {
    upgraded = /^\[transport\.nats\][ \t]*$/m.test(upgraded)
      ? upgraded.replace(/^\[transport\.nats\][ \t]*$/m, `[transport.nats]\n${subjectPrefixLines(prefix)}`)
      : `${upgraded.trimEnd()}\n\n[transport.nats]\n${subjectPrefixLines(prefix)}`;
  }
  return upgraded;
}

function subjectPrefixLines(prefix: string): string {
  return `# This workspace's own subjects: another npm start on the same NATS server cannot answer them.\nsubject_prefix = "${prefix}"`;
}

/**
 * The development `deployment.toml`, written once into `.dev/`. It holds no secret (passwords and the
 * values of the running start are `$file{}` references to files beside it), listens on 127.0.0.1 only,
 * uses NATS subjects of its own, and turns token encryption on with WSO2's default transformation.
 */
export function renderDevConfig(subjectPrefix: string): string {
  return `# deployment.toml for local development, written by \`npm start\` (apps/launcher).
#
# DEVELOPMENT ONLY: the keystore beside this file is self-signed and its passwords sit in plain files here.
# Every key is described in docs/configuration.md; the Compose deployment uses deploy/config/deployment.toml.
#
# No environment is needed to read this file (the operator CLI reads it as the services do):
# the launcher writes the values of the running start into ${DevFiles.run}/ once it has started — the database
# and NATS URLs it chose, and the ports (PORT and PORT + 1, default 9443 and 9444; the management ports with
# /metrics and the readiness details are 100 above them, on 127.0.0.1) — and the passwords were
# generated once, into ${DevFiles.keystorePassword} and ${DevFiles.adminPassword}.

# Only this machine can reach the services.
[server]
host = "127.0.0.1"

[database]
url = "$file{${RunFiles.databaseUrl}}"
pool_size = 5

[transport.nats]
servers = ["$file{${RunFiles.natsUrl}}"]
${subjectPrefixLines(subjectPrefix)}

# Relative to this file's folder.
[keystore.primary]
file_name = "${DevFiles.keystore}"
type = "PKCS12"
password = "$file{${DevFiles.keystorePassword}}"
alias = "${DEV_KEYSTORE_ALIAS}"

# Encryption on, as in production, so that the database shows what is really stored.
[apim.oauth_config]
enable_token_encryption = true

[system.parameter]
"org.wso2.CipherTransformation" = "RSA/ECB/OAEPwithSHA1andMGF1Padding"

[super_admin]
username = "${DEV_ADMIN_USERNAME}"
password = "$file{${DevFiles.adminPassword}}"

[log]
level = "info"

[key_manager.server]
port = "$file{${RunFiles.keyManagerPort}}"

[key_manager.database]
schema = "key_manager"

[devportal.server]
port = "$file{${RunFiles.devportalPort}}"

[devportal.database]
schema = "devportal"
`;
}
