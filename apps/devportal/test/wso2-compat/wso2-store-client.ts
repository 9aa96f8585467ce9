// WSO2's generated Developer Portal REST client, as it behaves on the wire, for the compatibility suite.
//
// Source: wso2/product-apim @ 140e5b9079d232920f192aeed98f16171b07e40c,
//   all-in-one-apim/modules/integration/tests-common/clients/store/src/gen/java/org/wso2/am/integration/clients/store/api/
//   ApiClient.java (buildRequest, setUserAgent), v1/dto/*DTO.java (field defaults), and
//   tests-common/integration-test-utils/.../RestAPIStoreImpl.java (which DTO fields each helper sets).
//
// What the generated client sends, and what this reproduces:
// - `Accept: application/json`, `Content-Type: application/json` on every call, `User-Agent: OpenAPI-Generator/v3/java`;
// - a body-less POST (regenerate-secret, clean-up) as an EMPTY body with `Content-Type: application/json`
//   (ApiClient.buildRequest: `RequestBody.create(MediaType.parse(contentType), "")`); a DELETE with no body;
// - DTOs serialised by Gson: null fields left out, field defaults included — ApplicationDTO sends
//   `tokenType: "JWT"` and `status: ""` unless set, ApplicationKeyGenerateRequestDTO sends
//   `grantTypesToBeSupported: []` unless set, ApplicationTokenGenerateRequestDTO `grantType: "CLIENT_CREDENTIALS"`;
// - the `X-WSO2-Tenant` header of `requestedTenant` parameters is left out when null, as here.

export interface Wso2Response<T = unknown> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** Drops undefined and null fields, as Gson does by default. */
function gson(dto: Record<string, unknown>): string {
  return JSON.stringify(dto, (_key, value: unknown) => (value === null ? undefined : value));
}

export interface ApplicationDtoInput {
  name?: string;
  throttlingPolicy?: string;
  description?: string;
  tokenType?: 'JWT' | 'OAUTH';
  status?: string;
  groups?: string[];
  attributes?: Record<string, string>;
  [field: string]: unknown;
}

/** ApplicationDTO with the generated class's defaults (`tokenType = JWT`, `status = ""`). */
export function applicationDto(fields: ApplicationDtoInput): Record<string, unknown> {
  return { tokenType: 'JWT', status: '', ...fields };
}

export interface KeyGenerateInput {
  keyType: 'PRODUCTION' | 'SANDBOX';
  grantTypesToBeSupported?: string[];
  callbackUrl?: string | null;
  scopes?: string[] | null;
  validityTime?: string | null;
  keyManager?: string | null;
  additionalProperties?: Record<string, unknown> | null;
}

/** ApplicationKeyGenerateRequestDTO with its default (`grantTypesToBeSupported = []`). */
export function keyGenerateDto(fields: KeyGenerateInput): Record<string, unknown> {
  return { grantTypesToBeSupported: [], ...fields };
}

/** ApplicationTokenGenerateRequestDTO with its default (`grantType = CLIENT_CREDENTIALS`). */
export function tokenGenerateDto(fields: { consumerSecret?: string; validityPeriod?: number; scopes?: string[]; revokeToken?: string; additionalProperties?: Record<string, unknown> }): Record<string, unknown> {
  return { grantType: 'CLIENT_CREDENTIALS', ...fields };
}

/** The generated client's calls for the resources this system serves (ApplicationsApi, ApplicationKeysApi, ApplicationTokensApi, ApplicationSecretsApi). */
export function wso2StoreClient(apiUrl: string, accessToken: string) {
  async function send<T>(method: string, path: string, dto?: Record<string, unknown>): Promise<Wso2Response<T>> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/json',
      'user-agent': 'OpenAPI-Generator/v3/java',
      authorization: `Bearer ${accessToken}`,
    };
    // POST/PUT always carry a body (empty when there is no DTO); DELETE and GET carry none.
    const body = method === 'POST' || method === 'PUT' ? (dto === undefined ? '' : gson(dto)) : undefined;
    const response = await fetch(`${apiUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  }
  const app = (id: string) => `/applications/${encodeURIComponent(id)}`;
  const key = (id: string, keyMappingId: string) => `${app(id)}/oauth-keys/${encodeURIComponent(keyMappingId)}`;
  return {
    // ApplicationsApi
    applicationsPost: <T = Record<string, unknown>>(dto: Record<string, unknown>) => send<T>('POST', '/applications', dto),
    applicationsGet: <T = Record<string, unknown>>(query: { groupId?: string; query?: string; sortBy?: string; sortOrder?: string; limit?: number; offset?: number } = {}) => {
      const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
      const qs = params.toString();
      return send<T>('GET', `/applications${qs ? `?${qs}` : ''}`);
    },
    applicationsApplicationIdGet: <T = Record<string, unknown>>(id: string) => send<T>('GET', app(id)),
    applicationsApplicationIdPut: <T = Record<string, unknown>>(id: string, dto: Record<string, unknown>) => send<T>('PUT', app(id), dto),
    applicationsApplicationIdDelete: (id: string) => send('DELETE', app(id)),
    // ApplicationKeysApi
    generateKeysPost: <T = Record<string, unknown>>(id: string, dto: Record<string, unknown>) => send<T>('POST', `${app(id)}/generate-keys`, dto),
    oauthKeysGet: <T = Record<string, unknown>>(id: string) => send<T>('GET', `${app(id)}/oauth-keys`),
    oauthKeyGet: <T = Record<string, unknown>>(id: string, keyMappingId: string) => send<T>('GET', key(id, keyMappingId)),
    oauthKeyPut: <T = Record<string, unknown>>(id: string, keyMappingId: string, dto: Record<string, unknown>) => send<T>('PUT', key(id, keyMappingId), dto),
    regenerateSecretPost: <T = Record<string, unknown>>(id: string, keyMappingId: string) => send<T>('POST', `${key(id, keyMappingId)}/regenerate-secret`),
    oauthKeyCleanUpPost: (id: string, keyMappingId: string) => send('POST', `${key(id, keyMappingId)}/clean-up`),
    keysKeyTypeCleanUpPost: (id: string, keyType: string) => send('POST', `${app(id)}/keys/${keyType}/clean-up`),
    mapKeysPost: <T = Record<string, unknown>>(id: string, dto: Record<string, unknown>) => send<T>('POST', `${app(id)}/map-keys`, dto),
    // ApplicationTokensApi
    generateTokenPost: <T = Record<string, unknown>>(id: string, keyMappingId: string, dto: Record<string, unknown>) => send<T>('POST', `${key(id, keyMappingId)}/generate-token`, dto),
    // ApplicationSecretsApi
    generateConsumerSecret: <T = Record<string, unknown>>(id: string, keyMappingId: string, dto: Record<string, unknown>) => send<T>('POST', `${key(id, keyMappingId)}/generate-secret`, dto),
    getConsumerSecrets: <T = Record<string, unknown>>(id: string, keyMappingId: string) => send<T>('GET', `${key(id, keyMappingId)}/secrets`),
    revokeConsumerSecret: (id: string, keyMappingId: string, dto: Record<string, unknown>) => send('POST', `${key(id, keyMappingId)}/revoke-secret`, dto),
    /** Any other call, as the generated client would send it. */
    send,
  };
}

export type Wso2StoreClient = ReturnType<typeof wso2StoreClient>;

/** A name unique to this run, as the feature files' `${UNIQUE:…}` placeholders. */
export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}
