// The Key Manager requests WSO2's tests send with an application's client credentials in HTTP Basic
// (MultipleClientSecretsTokenTestCase.requestTokenWithSecret, RestAPIStoreImpl.generateUserAccessKey, the revoke
// requests, the feature files' token steps), the raw answer kept: its status is what the tests assert.
import type { Wso2Response } from './wso2-store-client.js';

export async function requestTokenWithSecret(keyManagerUrl: string, clientId: string, clientSecret: string): Promise<Wso2Response<Record<string, unknown>>> {
  return postWithClientCredentials(`${keyManagerUrl}/oauth2/token`, clientId, clientSecret, 'grant_type=client_credentials');
}

/**
 * A form POST with the client's credentials in HTTP Basic, the raw answer kept: RestAPIStoreImpl.generateUserAccessKey
 * (any grant's body, as the WSO2 test wrote it) at `/oauth2/token`, the revoke requests of JWTRevocationTestCase
 * and the feature files at `/oauth2/revoke`.
 */
export async function postWithClientCredentials(url: string, clientId: string, clientSecret: string, body: string): Promise<Wso2Response<Record<string, unknown>>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the status says enough
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** A claim of a JWT access token (the WSO2 test's extractJwtClaim), or undefined for an opaque token. */
export function jwtClaim(token: string, claim: string): unknown {
  const parts = token.split('.');
  if (parts.length < 2) return undefined;
  return (JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>)[claim];
}

/** Introspection at the Key Manager as the super admin: what a gateway asks of a token. */
export async function introspectAsAdmin(keyManager: { baseUrl: string; admin: { username: string; password: string } }, token: string): Promise<{ active: boolean; client_id?: string }> {
  const { username, password } = keyManager.admin;
  const response = await fetch(`${keyManager.baseUrl}/oauth2/introspect`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  return (await response.json()) as { active: boolean; client_id?: string };
}
