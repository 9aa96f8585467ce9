import { randomBytes } from 'node:crypto';
import { DemoApiClient, type ClientCredentials } from './demo-api.client.js';
import { line, preview, stepHeader } from './demo-output.formatter.js';
import type { LauncherState } from './launcher-state.store.js';
import { readClientSecretScheme, readTokenRow } from './token-row.reader.js';

export interface DemoInput {
  state: LauncherState;
  adminPassword: string;
  /** The workspace's demo developer: signed up by the first run, reused by every later one. */
  developer: { username: string; password: string; passwordFile: string };
  print: (text: string) => void;
}

/**
 * The end-to-end story against a running system, printed step by step: a developer signs up, creates an
 * application and its keys, gets a token with them; the database shows what is stored; a resource server
 * introspects the token; the secret is regenerated; the token revoked; the application deleted; the
 * developer renews the log-in and logs out.
 */
export async function runDemoStory({ state, adminPassword, developer, print }: DemoInput): Promise<void> {
  const api = new DemoApiClient(state.keyManager.url, state.devportal.url);
  const suffix = randomBytes(3).toString('hex');
  const { username, password } = developer;
  const portal = state.devportal.apiUrl;
  const km = state.keyManager.url;
  let step = 0;
  const header = (title: string) => print(stepHeader(++step, title));

  header('Sign up a developer at the portal');
  print(line('POST', `${portal}/signup`));
  const created = await api.signupIfNew(username, password);
  print(line('user', created ? `${username} (password generated, not shown: ${developer.passwordFile})` : `${username} (409: signed up by an earlier run of the demo, which logs in as it again)`));

  header('Log in');
  print(line('POST', `${portal}/login`));
  const login = await api.login(username, password);
  print(line('access_token', `${preview(login.access_token, 16)}, expires in ${login.expires_in} s`));
  const bearer = login.access_token;

  header('Create an application');
  print(line('POST', `${portal}/applications`));
  const application = await api.createApplication(bearer, `demo-app-${suffix}`);
  print(line('applicationId', application.applicationId));

  header('Generate its PRODUCTION keys (client_credentials)');
  print(line('POST', `${portal}/applications/${application.applicationId}/generate-keys`));
  const keys = await api.generateKeys(bearer, application.applicationId);
  const consumer: ClientCredentials = { clientId: keys.consumerKey, clientSecret: keys.consumerSecret };
  print(line('consumerKey', keys.consumerKey));
  print(line('consumerSecret', preview(keys.consumerSecret)));
  const secretScheme = await readClientSecretScheme(state.database.url, state.database.keyManagerSchema, keys.consumerKey);
  print(line('stored secret scheme', `${secretScheme ?? '(row not found)'}  (${state.database.keyManagerSchema}.oauth_clients.client_secret)`));

  header('Get an access token from the Key Manager with the consumer key and secret');
  print(line('POST', `${km}/oauth2/token  grant_type=client_credentials, HTTP Basic consumerKey:consumerSecret`));
  const token = await api.clientCredentialsToken(consumer);
  print(line('access_token', `${preview(token.access_token, 16)}, ${token.token_type}, expires in ${token.expires_in} s`));

  header(`What the database stores for it (${state.database.keyManagerSchema}.oauth_tokens)`);
  const row = await readTokenRow(state.database.url, state.database.keyManagerSchema, keys.consumerKey, token.access_token);
  if (!row) {
    print('   (no row found: is this launcher pointing at the database the Key Manager uses?)');
  } else {
    print(line('token (first chars)', preview(token.access_token, 24)));
    print(line('access_token column', preview(row.accessToken, 48)));
    print(line('  that is', row.format));
    print(line('access_token_scheme', row.accessTokenScheme));
    print(line('access_token_selector', row.accessTokenSelector ?? '(none: found by its hash)'));
    print(line('access_token_hash', `${row.accessTokenHash}  (SHA-256)`));
    print(line('found by', `${row.foundBy}${row.foundBy.startsWith('selector') ? ', then its SHA-256 checked' : ''}; no decryption`));
    print(line('state', row.state));
  }

  header('Introspect it as a resource server');
  print(line('POST', `${km}/keymanager-operations/dcr/register  (super admin) ext_resource_server: true`));
  const resourceServer = await api.registerResourceServer({ username: state.admin.username, password: adminPassword }, `demo-resource-server-${suffix}`);
  print(line('resource server', resourceServer.clientId));
  print(line('POST', `${km}/oauth2/introspect  token=…, HTTP Basic resource server`));
  const active = await api.introspect(resourceServer, token.access_token);
  print(line('result', JSON.stringify({ active: active.active, client_id: active.client_id, token_type: active.token_type, exp: active.exp })));

  header('Regenerate the consumer secret');
  print(line('POST', `${portal}/applications/${application.applicationId}/oauth-keys/${keys.keyMappingId}/regenerate-secret`));
  const regenerated = await api.regenerateSecret(bearer, application.applicationId, keys.keyMappingId);
  const renewed: ClientCredentials = { clientId: keys.consumerKey, clientSecret: regenerated.consumerSecret };
  print(line('new consumerSecret', preview(regenerated.consumerSecret)));
  const oldSecret = await api.tokenAttempt(consumer);
  print(line('old secret at /token', `${oldSecret.status} ${JSON.stringify(oldSecret.body)}`));
  const newSecret = await api.tokenAttempt(renewed);
  print(line('new secret at /token', `${newSecret.status}${newSecret.status === 200 ? ' (token issued)' : ` ${JSON.stringify(newSecret.body)}`}`));

  header('Revoke the access token');
  print(line('POST', `${km}/oauth2/revoke  token=…, HTTP Basic consumerKey:newSecret`));
  await api.revoke(renewed, token.access_token);
  const revoked = await api.introspect(resourceServer, token.access_token);
  print(line('introspection now', JSON.stringify(revoked)));
  const revokedRow = await readTokenRow(state.database.url, state.database.keyManagerSchema, keys.consumerKey, token.access_token);
  if (revokedRow) print(line('row state now', revokedRow.state));

  header('Delete the application (its keys and tokens go with it)');
  print(line('DELETE', `${portal}/applications/${application.applicationId}`));
  await api.deleteApplication(bearer, application.applicationId);
  const afterDelete = await api.tokenAttempt(renewed);
  print(line('its key at /token', `${afterDelete.status} ${JSON.stringify(afterDelete.body)}`));
  await api.deleteClient({ username: state.admin.username, password: adminPassword }, resourceServer.clientId);
  print(line('resource server', 'deleted (DCR)'));

  header('Renew the log-in with its refresh token, then log out');
  print(line('POST', `${portal}/login/refresh`));
  const renewedLogin = await api.renewLogin(login.refresh_token!);
  print(line('access_token', `${preview(renewedLogin.access_token, 16)} (new; the refresh token rotated too)`));
  print(line('POST', `${portal}/logout  Authorization: Bearer …`));
  await api.logout(renewedLogin.access_token);
  print(line('after log-out', `GET /applications → ${await api.applicationsStatus(renewedLogin.access_token)}`));

  print(`\nDone. Everything this run created is deleted; the developer ${username} stays for the next run.`);
}
