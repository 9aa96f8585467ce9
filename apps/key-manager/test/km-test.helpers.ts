import * as oauth from 'oauth4webapi';
import * as openid from 'openid-client';
import { KeyManagerPatterns } from '@app/contracts';
import { startKeyManagerForTest, type KeyManagerTestOptions, type KeyManagerUnderTest } from '../../../test/support/key-manager.harness.js';
import { createKeyManagerClientForTest, type KeyManagerClientUnderTest } from '../../../test/support/key-manager-client.js';
import { startPrivateNats, type PrivateNats } from '../../../test/support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../../../test/support/test-config.js';
import { createTestKeystore, type TestKeystore } from '../../../test/support/test-keystore.js';

/** oauth4webapi refuses http:// unless told: the test servers listen on loopback without TLS. */
export const insecure = { [oauth.allowInsecureRequests]: true } as const;

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export function adminAuth(km: KeyManagerUnderTest): string {
  return basic(km.admin.username, km.admin.password);
}

export interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  [field: string]: unknown;
}

/** Registers a client through the DCR API as the super admin. */
export async function register(km: KeyManagerUnderTest, metadata: Record<string, unknown>): Promise<RegisteredClient> {
  const response = await fetch(`${km.baseUrl}/keymanager-operations/dcr/register`, {
    method: 'POST',
    headers: { authorization: adminAuth(km), 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'test app', ...metadata }),
  });
  const body = (await response.json()) as RegisteredClient;
  if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

export async function discover(km: KeyManagerUnderTest): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(km.config.oauth.issuer);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
}

/** POSTs a raw form (for the cases oauth4webapi would never send). */
export async function postForm(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

// The sign-in form is driven the same way by Key Manager, portal and Compose tests: one copy, in test/support.
export { signInAndAuthorize } from '../../../test/support/authorize-form.js';

/** A Key Manager on a private NATS, with one user signed up over the bus, and what it needs. */
export interface KeyManagerWithUser {
  km: KeyManagerUnderTest;
  tmp: TestConfigDir;
  keystore: TestKeystore;
  user: { username: string; password: string };
  stop(): Promise<void>;
}

export async function startKeyManagerWithUser(
  user: { username: string; password: string },
  options: Pick<KeyManagerTestOptions, 'encryption' | 'configName' | 'toml'> = {},
): Promise<KeyManagerWithUser> {
  const tmp = await makeTempDir();
  let nats: PrivateNats | undefined;
  let km: KeyManagerUnderTest | undefined;
  let portal: KeyManagerClientUnderTest | undefined;
  const stop = async () => {
    await portal?.close();
    await km?.stop();
    await nats?.stop();
    await tmp.remove();
  };
  try {
    const keystore = await createTestKeystore(tmp.dir);
    nats = await startPrivateNats();
    km = await startKeyManagerForTest({ dir: tmp.dir, keystore, nats: nats.url, ...options });
    portal = await createKeyManagerClientForTest(km.config);
    await portal.client.call(KeyManagerPatterns.UserCreate, user);
    return { km, tmp, keystore, user, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * openid-client in its defaults — OIDC discovery, `client_secret_post` with a secret, `none` without — told
 * only that the test servers speak http.
 */
export function discoverWithOpenidClient(issuer: string, clientId: string, secret?: string): Promise<openid.Configuration> {
  return openid.discovery(new URL(issuer), clientId, secret, secret === undefined ? openid.None() : undefined, { execute: [openid.allowInsecureRequests] });
}
