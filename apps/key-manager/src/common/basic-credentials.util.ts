/** Credentials of an `Authorization: Basic` header. */
export interface BasicCredentials {
  username: string;
  password: string;
}

function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Parses `Authorization: Basic …`. Returns undefined when there is no Basic header, null when there is one
 * but it is malformed. Client ids and secrets are form-urlencoded before Basic encoding (RFC 6749 §2.3.1),
 * so both parts are decoded.
 */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | null | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const encoded = header.slice(space + 1).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const username = formDecode(decoded.slice(0, colon));
  const password = formDecode(decoded.slice(colon + 1));
  if (username === undefined || password === undefined || username === '') return null;
  return { username, password };
}
