import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.gen';

export type Schemas = components['schemas'];
export type Application = Schemas['ApplicationDto'];
export type ApplicationInfo = Schemas['ApplicationInfoDto'];
export type ApplicationKey = Schemas['ApplicationKeyDto'];
export type ErrorDto = Schemas['ErrorDto'];

export const API_BASE = '/api/am/devportal/v3';

/** An API answer that was not 2xx: the portal's ErrorDTO (or a stand-in when the answer was not one). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorDto,
  ) {
    super(body.description || body.message);
  }

  /** A service problem the user can retry (Key Manager down, settings mismatch, overload). */
  get retryable(): boolean {
    return this.status === 503 || this.status === 502 || this.status === 0;
  }

  /** The message for one field, from the ErrorDTO's `error` list. */
  fieldMessage(field: string): string | undefined {
    return this.body.error?.find((e) => e.code === field || e.message.startsWith(`${field} `))?.message;
  }
}

let csrfToken = '';
/** The session's CSRF token, sent as `X-CSRF-Token` with every request that changes something. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (request.method !== 'GET' && request.method !== 'HEAD' && csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
};

/** The typed client of the portal API: same origin, authenticated by the session cookie the browser sends. */
// The document's paths carry the full base path (/api/am/devportal/v3/…): the client is rooted at the origin.
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(csrf);

/** Unwraps an openapi-fetch result: the data, or an ApiError carrying the ErrorDTO. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw toApiError(result.response, result.error);
}

export function toApiError(response: Response, body: unknown): ApiError {
  const dto = body && typeof body === 'object' && 'message' in body ? (body as ErrorDto) : undefined;
  return new ApiError(
    response.status,
    dto ?? { code: response.status, message: response.statusText || 'Error', description: `The server answered ${response.status}.` },
  );
}
