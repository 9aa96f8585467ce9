import { DEVPORTAL_API_BASE, type LauncherState } from './launcher-state.store.js';
import { describeDatabaseUrl, redactUrl } from './url.util.js';

const RULE = '─'.repeat(78);

/** The loud warning printed at every development start. */
export function developmentWarning(devFolder: string): string {
  const lines = [
    'DEVELOPMENT ONLY',
    `${devFolder} holds a self-signed keystore, its password and the admin`,
    'password in plain files, made by this launcher for this machine. Never use',
    'them, or this launcher, in production: see docs/deployment.md (Compose).',
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = '!'.repeat(width + 4);
  return [bar, ...lines.map((l) => `!! ${l.padEnd(width - 2)} !!`), bar].join('\n');
}

/** Printed once, when `.dev/` is created: the only time the admin password appears on screen. */
export function firstRunNotice(input: { adminUsername: string; adminPassword: string; secretsFile: string }): string {
  return [
    'Created a development keystore, config and passwords:',
    `  admin user      ${input.adminUsername}`,
    `  admin password  ${input.adminPassword}    <- shown this once; kept in ${input.secretsFile}`,
  ].join('\n');
}

/** What the launcher chose, printed before the services start. */
export function modeLines(state: Pick<LauncherState, 'config' | 'configFile' | 'database' | 'bus'>, notes: readonly string[] = []): string {
  const database =
    state.database.kind === 'embedded'
      ? `embedded PostgreSQL at ${describeDatabaseUrl(state.database.url)}`
      : `${state.database.kind === 'external' ? 'DATABASE_URL' : 'as configured'}: ${redactUrl(state.database.url)}`;
  const subjects = state.bus.subjectPrefix ? `, subjects ${state.bus.subjectPrefix}.*` : ', subjects without a prefix';
  const bus = state.bus.kind === 'nats' ? `NATS at ${redactUrl(state.bus.natsUrl ?? '')}${subjects}` : 'in-process (both services in this process, no NATS)';
  return [
    `mode: config    ${state.configFile} (${state.config})`,
    `mode: database  ${database}`,
    `mode: bus       ${bus}`,
    ...notes.map((n) => `note: ${n}`),
  ].join('\n');
}

/** The "ready" block: URLs, admin user, and a few curl lines to try. */
export function readyBanner(state: LauncherState, extra: { logs?: string; adminPasswordHint: string; cliHint?: string }): string {
  const api = state.devportal.apiUrl;
  const json = "node -pe 'JSON.parse(require(\"fs\").readFileSync(0)).access_token'";
  return [
    RULE,
    'Ready.',
    `  Key Manager       ${state.keyManager.url}   (/oauth2/token, /oauth2/introspect, /oauth2/revoke)`,
    `  Developer Portal  ${state.devportal.url}   (API: ${DEVPORTAL_API_BASE})`,
    `  Admin user        ${state.admin.username}   (password: ${extra.adminPasswordHint})`,
    ...(extra.logs ? [`  Logs              ${extra.logs}`] : []),
    '',
    'Try it (or run `npm run demo` for the whole story):',
    `  curl -s -X POST ${api}/signup -H 'Content-Type: application/json' -d '{"username":"alice","password":"correct horse battery staple 7"}'`,
    `  TOKEN=$(curl -s -X POST ${api}/login -H 'Content-Type: application/json' -d '{"username":"alice","password":"correct horse battery staple 7"}' | ${json})`,
    `  curl -s -X POST ${api}/applications -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"name":"my-app"}'`,
    `  curl -s -X POST ${api}/applications/<applicationId>/generate-keys -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
    `       -d '{"keyType":"PRODUCTION","grantTypesToBeSupported":["client_credentials"]}'`,
    `  curl -s -X POST ${state.keyManager.url}/oauth2/token -u '<consumerKey>:<consumerSecret>' -d grant_type=client_credentials`,
    ...(extra.cliHint ? ['', 'Operator CLI against this system (docs/cli.md):', `  ${extra.cliHint}`] : []),
    '',
    'Press Ctrl-C to stop.',
    RULE,
  ].join('\n');
}
