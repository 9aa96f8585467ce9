// The token request WSO2's MultipleClientSecretsTokenTestCase.requestTokenWithSecret and the feature files'
// "I request a client-credentials token using consumer key … and secret …" send: client_credentials with HTTP
// Basic, the raw answer kept (its status is what the tests assert).
import type { Wso2Response } from './wso2-store-client.js';

export async function requestTokenWithSecret(keyManagerUrl: string, clientId: string, clientSecret: string): Promise<Wso2Response<Record<string, unknown>>> {
  const response = await fetch(`${keyManagerUrl}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the status says enough
  }
  return { status: response.status, body, text, headers: response.headers };
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
