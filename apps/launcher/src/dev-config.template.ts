/** Where the launcher keeps its development files, relative to the folder it starts in (the repo root). */
export const DEV_FOLDER = '.dev';

/** File names inside {@link DEV_FOLDER}. */
export const DevFiles = {
  config: 'deployment.toml',
  keystore: 'primary.p12',
  secrets: 'secrets.json',
  state: 'launcher.json',
  pgdata: 'pgdata',
  logs: 'logs',
} as const;

export const DEV_KEYSTORE_ALIAS = 'wso2carbon';
export const DEV_ADMIN_USERNAME = 'admin';
export const DEV_DATABASE_NAME = 'apim';
export const DEFAULT_KEY_MANAGER_PORT = 9443;
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/**
 * The environment variables `.dev/deployment.toml` references. The launcher hands them to the config lib
 * at each start: the database and NATS URLs and the ports may change between starts, the passwords come
 * from `.dev/secrets.json`.
 */
export interface DevConfigEnv {
  DATABASE_URL: string;
  NATS_URL: string;
  KEY_MANAGER_PORT: string;
  DEVPORTAL_PORT: string;
  KEYSTORE_PASSWORD: string;
  ADMIN_PASSWORD: string;
}

/**
 * The development `deployment.toml`, written once into `.dev/`. It holds no secret (they are `$env{}`
 * references), listens on 127.0.0.1 only, and turns token encryption on with WSO2's default transformation.
 */
export function renderDevConfig(): string {
  return `# deployment.toml for local development, written by \`npm start\` (apps/launcher).
#
# DEVELOPMENT ONLY: the keystore beside this file is self-signed and its password sits in secrets.json.
# Every key is described in docs/configuration.md; the Compose deployment uses deploy/config/deployment.toml.
#
# The launcher sets the $env{} values at each start: DATABASE_URL and NATS_URL (the database and bus it
# chose), KEY_MANAGER_PORT and DEVPORTAL_PORT (PORT and PORT + 1, default 9443 and 9444), and
# KEYSTORE_PASSWORD and ADMIN_PASSWORD (generated once, kept in secrets.json).

# Only this machine can reach the services.
[server]
host = "127.0.0.1"

[database]
url = "$env{DATABASE_URL}"
pool_size = 5

[transport.nats]
servers = ["$env{NATS_URL}"]

# Relative to this file's folder.
[keystore.primary]
file_name = "${DevFiles.keystore}"
type = "PKCS12"
password = "$env{KEYSTORE_PASSWORD}"
alias = "${DEV_KEYSTORE_ALIAS}"

# Encryption on, as in production, so that the database shows what is really stored.
[apim.oauth_config]
enable_token_encryption = true

[system.parameter]
"org.wso2.CipherTransformation" = "RSA/ECB/OAEPwithSHA1andMGF1Padding"

[super_admin]
username = "${DEV_ADMIN_USERNAME}"
password = "$env{ADMIN_PASSWORD}"

[log]
level = "info"

[key_manager.server]
port = "$env{KEY_MANAGER_PORT}"

[key_manager.database]
schema = "key_manager"

[devportal.server]
port = "$env{DEVPORTAL_PORT}"

[devportal.database]
schema = "devportal"
`;
}
