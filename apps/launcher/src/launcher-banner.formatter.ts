import { WEB_BASE } from '../../devportal/src/web/web-app.js';
import type { LauncherState } from './launcher-state.store.js';
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

/** The password the banner's try-it lines sign up with (the Key Manager's policy accepts it: a test checks). */
export const TRY_IT_PASSWORD = 'correct horse battery staple 7';

/**
 * The banner's try-it lines: a shell snippet (bash or zsh, with curl and node) that runs as printed, any
 * number of times — each run signs up a new user — and ends with a client_credentials token.
 */
export function tryItLines(state: Pick<LauncherState, 'keyManager' | 'devportal'>): string[] {
  const json = `-H 'Content-Type: application/json'`;
  const bearer = `-H "Authorization: Bearer $TOKEN"`;
  const credentials = `-d "{\\"username\\":\\"$U\\",\\"password\\":\\"$P\\"}"`;
  return [
    `API=${state.devportal.apiUrl} KM=${state.keyManager.url} U=dev-$RANDOM P='${TRY_IT_PASSWORD}'`,
    `get() { node -pe "const j = JSON.parse(require('fs').readFileSync(0, 'utf8')); $1"; }`,
    `curl -s -X POST $API/signup ${json} ${credentials}; echo`,
    `TOKEN=$(curl -s -X POST $API/login ${json} ${credentials} | get j.access_token)`,
    `APP=$(curl -s -X POST $API/applications ${bearer} ${json} -d '{"name":"my-app"}' | get j.applicationId)`,
    `KEYS=$(curl -s -X POST $API/applications/$APP/generate-keys ${bearer} ${json} -d '{"keyType":"PRODUCTION","grantTypesToBeSupported":["client_credentials"]}' | get 'j.consumerKey + ":" + j.consumerSecret')`,
    `curl -s -X POST $KM/oauth2/token -u "$KEYS" -d grant_type=client_credentials; echo`,
  ];
}

/** The "ready" block: the web app first, the other URLs, the admin user, and a snippet to try. */
export function readyBanner(state: LauncherState, extra: { logs?: string; adminPasswordHint: string; cliHint?: string }): string {
  return [
    RULE,
    'Ready.',
    `  Developer Portal  ${state.devportal.url}${WEB_BASE}/   (web app: sign up, create applications, get keys and tokens)`,
    `  Portal API        ${state.devportal.apiUrl}   (docs/devportal.md)`,
    `  Key Manager       ${state.keyManager.url}   (/oauth2/token, /oauth2/introspect, /oauth2/revoke)`,
    `  Admin user        ${state.admin.username}   (password: ${extra.adminPasswordHint})`,
    ...(state.keyManager.managementUrl && state.devportal.managementUrl
      ? [`  Management        ${state.keyManager.managementUrl}, ${state.devportal.managementUrl}   (/metrics, /health/ready in full)`]
      : []),
    ...(extra.logs ? [`  Logs              ${extra.logs}`] : []),
    '',
    'Try the API from a shell (paste as is; or run `npm run demo` for the whole story):',
    ...tryItLines(state).map((line) => `  ${line}`),
    ...(extra.cliHint ? ['', 'Operator CLI against this system (docs/cli.md):', `  ${extra.cliHint}`] : []),
    '',
    'Press Ctrl-C to stop.',
    RULE,
  ].join('\n');
}
