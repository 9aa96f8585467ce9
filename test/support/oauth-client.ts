import * as oauth from 'oauth4webapi';

/**
 * The Key Manager seen from outside, through oauth4webapi (a standards-strict OAuth2 client): discovery,
 * the token endpoint, introspection as a resource server, revocation, and WSO2's DCR as the super admin.
 * Plain http is allowed: tests run on loopback.
 */
export interface KeyManagerOAuth {
  as: oauth.AuthorizationServer;
  /** client_credentials; throws oauth.ResponseBodyError (e.g. `invalid_client`) when refused. */
  clientCredentials(clientId: string, clientSecret: string, scope?: string): Promise<oauth.TokenEndpointResponse>;
  /** The resource owner password grant (for tests that need a user token of some client). */
  password(clientId: string, clientSecret: string, username: string, password: string): Promise<oauth.TokenEndpointResponse>;
  /** The refresh_token grant. */
  refresh(clientId: string, clientSecret: string, refreshToken: string): Promise<oauth.TokenEndpointResponse>;
  introspect(resourceServer: { clientId: string; clientSecret: string }, token: string): Promise<oauth.IntrospectionResponse>;
  revoke(clientId: string, clientSecret: string, token: string): Promise<void>;
  /** Registers a client through WSO2's DCR endpoint (`/keymanager-operations/dcr/register`) as the super admin. */
  registerClient(admin: { username: string; password: string }, body: Record<string, unknown>): Promise<{ clientId: string; clientSecret: string }>;
  /** GET of a DCR client: its HTTP status (200 while it exists, 404 once deleted). */
  clientStatus(admin: { username: string; password: string }, clientId: string): Promise<number>;
}

const insecure = { [oauth.allowInsecureRequests]: true } as const;

/**
 * `issuer`: the deployment's issuer when `baseUrl` is one instance behind it (two instances sharing one
 * issuer); the metadata's endpoints are then pointed at `baseUrl`, so every call reaches that instance.
 */
export async function keyManagerOAuth(baseUrl: string, options: { issuer?: string } = {}): Promise<KeyManagerOAuth> {
  const issuer = new URL(options.issuer ?? baseUrl);
  const discovered = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(new URL(baseUrl), { algorithm: 'oauth2', ...insecure }));
  const instance = (value: unknown) => (typeof value === 'string' && value.startsWith(issuer.origin) ? `${new URL(baseUrl).origin}${value.slice(issuer.origin.length)}` : value);
  const as = Object.fromEntries(Object.entries(discovered).map(([key, value]) => [key, key.endsWith('_endpoint') ? instance(value) : value])) as oauth.AuthorizationServer;
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return {
    as,
    async clientCredentials(clientId, clientSecret, scope) {
      const client: oauth.Client = { client_id: clientId };
      const params = new URLSearchParams(scope ? { scope } : {});
      const response = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(clientSecret), params, insecure);
      return oauth.processClientCredentialsResponse(as, client, response);
    },
    async password(clientId, clientSecret, username, password) {
      const client: oauth.Client = { client_id: clientId };
      const params = new URLSearchParams({ username, password });
      const response = await oauth.genericTokenEndpointRequest(as, client, oauth.ClientSecretBasic(clientSecret), 'password', params, insecure);
      return oauth.processGenericTokenEndpointResponse(as, client, response);
    },
    async refresh(clientId, clientSecret, refreshToken) {
      const client: oauth.Client = { client_id: clientId };
      const response = await oauth.refreshTokenGrantRequest(as, client, oauth.ClientSecretBasic(clientSecret), refreshToken, insecure);
      return oauth.processRefreshTokenResponse(as, client, response);
    },
    async introspect(resourceServer, token) {
      const client: oauth.Client = { client_id: resourceServer.clientId };
      const response = await oauth.introspectionRequest(as, client, oauth.ClientSecretBasic(resourceServer.clientSecret), token, insecure);
      return oauth.processIntrospectionResponse(as, client, response);
    },
    async revoke(clientId, clientSecret, token) {
      const response = await oauth.revocationRequest(as, { client_id: clientId }, oauth.ClientSecretBasic(clientSecret), token, insecure);
      await oauth.processRevocationResponse(response);
    },
    async registerClient(admin, body) {
      const response = await fetch(`${baseUrl}/keymanager-operations/dcr/register`, {
        method: 'POST',
        headers: { authorization: basic(admin.username, admin.password), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as { client_id?: string; client_secret?: string };
      if (response.status !== 201 || !json.client_id || !json.client_secret) throw new Error(`DCR registration answered ${response.status}`);
      return { clientId: json.client_id, clientSecret: json.client_secret };
    },
    async clientStatus(admin, clientId) {
      const response = await fetch(`${baseUrl}/keymanager-operations/dcr/register/${encodeURIComponent(clientId)}`, {
        headers: { authorization: basic(admin.username, admin.password) },
      });
      await response.arrayBuffer();
      return response.status;
    },
  };
}
