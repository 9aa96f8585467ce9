/** The Developer Portal REST API's base path (WSO2 Developer Portal v3), without leading or trailing slash. */
export const API_BASE = 'api/am/devportal/v3';

/** Whether a request path is part of the portal API (its errors are WSO2-style JSON). */
export function isApiPath(path: string): boolean {
  return path === `/${API_BASE}` || path.startsWith(`/${API_BASE}/`);
}
