// A small HTTP client for the end-to-end story: the portal API (sign-up, log-in, applications, keys) and
// the Key Manager's OAuth2 endpoints (token, introspect, revoke, DCR). Used by `npm run demo` and by the
// deployment tests, so both tell the same story over the wire.

export class ApiCallError extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${step} answered ${status}: ${typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body).slice(0, 300)}`);
    this.name = 'ApiCallError';
  }
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  refresh_token?: string;
}

export interface IntrospectionResponse {
  active: boolean;
  client_id?: string;
  scope?: string;
  token_type?: string;
  exp?: number;
  iss?: string;
  sub?: string;
}

export interface ApplicationKey {
  keyMappingId: string;
  consumerKey: string;
  consumerSecret: string;
  keyType: string;
  supportedGrantTypes: string[];
}

const basic = (c: ClientCredentials) => `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64')}`;

export class DemoApiClient {
  private readonly portalApi: string;

  constructor(
    readonly keyManagerUrl: string,
    readonly devportalUrl: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.portalApi = `${devportalUrl}/api/am/devportal/v3`;
  }

  private async call<T>(url: string, init: RequestInit): Promise<ApiResponse<T>> {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    const text = await response.text();
    let body: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') body = JSON.parse(text);
    return { status: response.status, body: body as T };
  }

  private async expect<T>(step: string, url: string, init: RequestInit, ok: number): Promise<T> {
    const response = await this.call<T>(url, init);
    if (response.status !== ok) throw new ApiCallError(step, response.status, response.body);
    return response.body;
  }

  private json(method: string, body: unknown, bearer?: string): RequestInit {
    return {
      method,
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    };
  }

  private form(fields: Record<string, string>, authorization: string): RequestInit {
    return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization }, body: new URLSearchParams(fields).toString() };
  }

  /** Status of `/health/ready` of a service (0 when it does not answer). */
  async readiness(serviceUrl: string): Promise<number> {
    try {
      const response = await fetch(`${serviceUrl}/health/ready`, { signal: AbortSignal.timeout(3000) });
      await response.body?.cancel();
      return response.status;
    } catch {
      return 0;
    }
  }

  /** Signs up; `false` when the user name is taken (409), so an earlier run's user can be reused. */
  async signupIfNew(username: string, password: string): Promise<boolean> {
    const response = await this.call(`${this.portalApi}/signup`, this.json('POST', { username, password }));
    if (response.status === 409) return false;
    if (response.status !== 201) throw new ApiCallError('sign-up', response.status, response.body);
    return true;
  }

  signup(username: string, password: string): Promise<{ username: string }> {
    return this.expect('sign-up', `${this.portalApi}/signup`, this.json('POST', { username, password }), 201);
  }

  login(username: string, password: string): Promise<TokenResponse> {
    return this.expect('log-in', `${this.portalApi}/login`, this.json('POST', { username, password }), 200);
  }

  renewLogin(refreshToken: string): Promise<TokenResponse> {
    return this.expect('renew log-in', `${this.portalApi}/login/refresh`, this.json('POST', { refresh_token: refreshToken }), 200);
  }

  async logout(bearer: string): Promise<void> {
    await this.expect('log-out', `${this.portalApi}/logout`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` } }, 204);
  }

  /** GET /applications with a bearer token: the raw status, so callers can show a refusal too. */
  async applicationsStatus(bearer: string): Promise<number> {
    return (await this.call(`${this.portalApi}/applications`, { headers: { authorization: `Bearer ${bearer}` } })).status;
  }

  createApplication(bearer: string, name: string): Promise<{ applicationId: string; name: string }> {
    return this.expect('create application', `${this.portalApi}/applications`, this.json('POST', { name }, bearer), 201);
  }

  generateKeys(bearer: string, applicationId: string): Promise<ApplicationKey> {
    return this.expect(
      'generate keys',
      `${this.portalApi}/applications/${applicationId}/generate-keys`,
      this.json('POST', { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] }, bearer),
      200,
    );
  }

  regenerateSecret(bearer: string, applicationId: string, keyMappingId: string): Promise<{ consumerKey: string; consumerSecret: string }> {
    return this.expect(
      'regenerate secret',
      `${this.portalApi}/applications/${applicationId}/oauth-keys/${keyMappingId}/regenerate-secret`,
      { method: 'POST', headers: { authorization: `Bearer ${bearer}` } },
      200,
    );
  }

  async deleteApplication(bearer: string, applicationId: string): Promise<void> {
    await this.expect('delete application', `${this.portalApi}/applications/${applicationId}`, { method: 'DELETE', headers: { authorization: `Bearer ${bearer}` } }, 200);
  }

  /** client_credentials at the Key Manager; the raw response, so callers can show a refusal too. */
  tokenAttempt(client: ClientCredentials): Promise<ApiResponse<TokenResponse | { error: string; error_description?: string }>> {
    return this.call(`${this.keyManagerUrl}/oauth2/token`, this.form({ grant_type: 'client_credentials' }, basic(client)));
  }

  async clientCredentialsToken(client: ClientCredentials): Promise<TokenResponse> {
    const response = await this.tokenAttempt(client);
    if (response.status !== 200) throw new ApiCallError('token (client_credentials)', response.status, response.body);
    return response.body as TokenResponse;
  }

  /** A resource-server client (it may introspect every token), registered with the super admin's Basic auth. */
  async registerResourceServer(admin: { username: string; password: string }, name: string): Promise<ClientCredentials> {
    const body = await this.expect<{ client_id: string; client_secret: string }>(
      'register resource server (DCR)',
      `${this.keyManagerUrl}/keymanager-operations/dcr/register`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic({ clientId: admin.username, clientSecret: admin.password }) },
        body: JSON.stringify({ client_name: name, grant_types: ['client_credentials'], ext_resource_server: true }),
      },
      201,
    );
    return { clientId: body.client_id, clientSecret: body.client_secret };
  }

  async deleteClient(admin: { username: string; password: string }, clientId: string): Promise<void> {
    await this.expect('delete client (DCR)', `${this.keyManagerUrl}/keymanager-operations/dcr/register/${encodeURIComponent(clientId)}`, {
      method: 'DELETE',
      headers: { authorization: basic({ clientId: admin.username, clientSecret: admin.password }) },
    }, 204);
  }

  introspect(caller: ClientCredentials, token: string): Promise<IntrospectionResponse> {
    return this.expect('introspect', `${this.keyManagerUrl}/oauth2/introspect`, this.form({ token }, basic(caller)), 200);
  }

  async revoke(client: ClientCredentials, token: string): Promise<void> {
    await this.expect('revoke', `${this.keyManagerUrl}/oauth2/revoke`, this.form({ token, token_type_hint: 'access_token' }, basic(client)), 200);
  }
}
