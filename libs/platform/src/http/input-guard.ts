import { applyDecorators, HttpException, SetMetadata } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';

/**
 * Characters no request may carry, refused at the edge before any handler, guard or database sees them.
 * PostgreSQL cannot store U+0000 in text (it answers error 22021, which became a 500), and no identifier
 * this system issues or accepts — client id, user name — holds a control character. One mechanism for
 * every HTTP body, query, path parameter and Authorization header (see `registerInputGuard`) and for every
 * bus request (`RpcEnvelopeInterceptor`).
 */

/** Whose credential a refused value was: decides 401 (credentials) or 400 (anything else). */
export type CredentialKind = 'client' | 'user';

/**
 * A credential refused at the edge, as an authentication attempt: whose it was and the account it named
 * (the user name or client id as presented, possibly holding the refused character; '' when none was
 * given). The service's authentication throttle counts it like a wrong password (see
 * {@link REFUSED_CREDENTIAL_REPORTER}), so a NUL is no free guess.
 */
export interface CredentialAttempt {
  kind: CredentialKind;
  account: string;
}

/**
 * Optional provider of a service: called with every credential refused at the edge, on HTTP and on the bus,
 * before the refusal is answered. The Key Manager's records a failed attempt in its authentication throttle;
 * when the attempt is locked out it throws, and that answer (429) goes out instead.
 */
export const REFUSED_CREDENTIAL_REPORTER = Symbol('REFUSED_CREDENTIAL_REPORTER');
/** `path`: the HTTP path without its query, or `bus` for a bus request. */
export type RefusedCredentialReporter = (attempt: CredentialAttempt & { address: string | undefined; path: string }) => Promise<void>;

/** The metadata key (Nest) and route config key (Fastify) of {@link NewCredentials}. */
export const NEW_CREDENTIALS = 'newCredentials';

/**
 * Marks a route or bus handler whose user name and password (or client secret) define a new account and
 * authenticate nothing — sign-up: a refused character there is a malformed request (400, `INVALID_REQUEST`),
 * not a failed log-in, and it is not counted by the authentication throttle.
 */
export const NewCredentials = (): MethodDecorator => applyDecorators(RouteConfig({ [NEW_CREDENTIALS]: true }), SetMetadata(NEW_CREDENTIALS, true));

/** Whether a handler (its Nest metadata) or a route (its Fastify config) is marked {@link NewCredentials}. */
export function definesNewCredentials(metadata: unknown): boolean {
  return typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>)[NEW_CREDENTIALS] === true : metadata === true;
}

/** Fields that carry credentials, by name, in bodies, queries and bus requests. */
const CREDENTIAL_FIELDS: Readonly<Record<string, { kind: CredentialKind; identifier: boolean }>> = {
  client_id: { kind: 'client', identifier: true },
  clientId: { kind: 'client', identifier: true },
  consumerKey: { kind: 'client', identifier: true },
  client_secret: { kind: 'client', identifier: false },
  clientSecret: { kind: 'client', identifier: false },
  consumerSecret: { kind: 'client', identifier: false },
  username: { kind: 'user', identifier: true },
  password: { kind: 'user', identifier: false },
};

const NUL = '\u0000';
// C0 controls and DEL: never part of a client id or a user name.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const SHOWABLE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Where a refused character was found. */
export interface RefusedValue {
  /** The field's name when it is one a message may show (never a request's odd key itself). */
  field: string | undefined;
  credential: CredentialKind | undefined;
}

function refusedIn(name: string | undefined, value: string): boolean {
  const credential = name === undefined ? undefined : CREDENTIAL_FIELDS[name];
  return credential?.identifier ? CONTROL.test(value) : value.includes(NUL);
}

/**
 * The first string in `value` (walked iteratively: depth is no risk here) that holds a character it may not:
 * U+0000 anywhere — in values and in keys — and any control character in credential identifiers.
 */
export function findRefusedCharacter(value: unknown): RefusedValue | undefined {
  const stack: Array<[string | undefined, unknown]> = [[undefined, value]];
  let budget = 100_000;
  while (stack.length > 0 && budget-- > 0) {
    const [name, current] = stack.pop()!;
    if (typeof current === 'string') {
      if (refusedIn(name, current)) return { field: name !== undefined && SHOWABLE_NAME.test(name) ? name : undefined, credential: name === undefined ? undefined : CREDENTIAL_FIELDS[name]?.kind };
    } else if (Array.isArray(current)) {
      for (const item of current) stack.push([name, item]);
    } else if (current instanceof Map) {
      for (const [k, v] of current) {
        if (typeof k === 'string' && k.includes(NUL)) return { field: undefined, credential: undefined };
        stack.push([typeof k === 'string' ? k : name, v]);
      }
    } else if (typeof current === 'object' && current !== null) {
      for (const [k, v] of Object.entries(current)) {
        if (k.includes(NUL)) return { field: undefined, credential: undefined };
        stack.push([k, v]);
      }
    }
  }
  return undefined;
}

/** The request's part that held the refused value. */
export type RequestPart = 'body' | 'query' | 'path' | 'authorization';

/**
 * A request refused at the edge for a character it may not carry: 401 when it was a credential (the
 * Authorization header, a client id or secret, a user name or password), else 400. The message names the
 * field when it is a known one, and never quotes the value.
 */
export class RefusedInputError extends HttpException {
  constructor(
    readonly part: RequestPart,
    readonly refused: RefusedValue,
    /** The authentication attempt it was, for the throttle; undefined when no credential was refused. */
    readonly attempt?: CredentialAttempt,
  ) {
    const where = part === 'authorization' ? 'the Authorization header' : refused.field ? `${part === 'path' ? 'path parameter' : 'parameter'} ${refused.field}` : `the request's ${part}`;
    super(`${where} contains a control character or NUL, which is never valid here`, part === 'authorization' || refused.credential ? 401 : 400);
  }

  /** Whose credential it was: the Authorization header is a client's on the Key Manager's endpoints. */
  get credential(): CredentialKind | undefined {
    return this.part === 'authorization' ? 'client' : this.refused.credential;
  }
}

/**
 * The user or client id and the secret of an `Authorization: Basic` header, decoded as base64 only and also
 * form-decoded (RFC 6749 §2.3.1), so `a%00b` is caught as well as a raw NUL. Undefined when not Basic.
 */
function basicParts(header: string): string[] | undefined {
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(header.slice(space + 1).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const parts = colon < 0 ? [decoded, ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return parts.map((p) => {
    try {
      return decodeURIComponent(p.replace(/\+/g, ' '));
    } catch {
      return p;
    }
  });
}

/** Checks an `Authorization` header: NUL or control characters in a Basic id or a bearer token; NUL in a Basic secret. */
export function checkAuthorization(header: string | undefined): void {
  if (header === undefined || header === '') return;
  const basic = basicParts(header);
  const refused = basic ? CONTROL.test(basic[0]!) || basic[1]!.includes(NUL) : CONTROL.test(header);
  if (!refused) return;
  const attempt = basic ? { kind: 'client' as const, account: basic[0]! } : undefined;
  throw new RefusedInputError('authorization', { field: undefined, credential: 'client' }, attempt);
}

const ACCOUNT_FIELDS: Readonly<Record<CredentialKind, readonly string[]>> = { user: ['username'], client: ['client_id', 'clientId', 'consumerKey'] };

/** The first string held under one of `names` anywhere in `value` (a body, a query, a bus payload). */
function fieldValue(value: unknown, names: readonly string[]): string | undefined {
  const stack: unknown[] = [value];
  let budget = 100_000;
  while (stack.length > 0 && budget-- > 0) {
    const current = stack.pop();
    const entries = current instanceof Map ? [...current] : typeof current === 'object' && current !== null && !Array.isArray(current) ? Object.entries(current) : [];
    if (Array.isArray(current)) stack.push(...(current as unknown[]));
    for (const [k, v] of entries) {
      const first = Array.isArray(v) ? (v as unknown[])[0] : v;
      if (typeof k === 'string' && names.includes(k) && typeof first === 'string') return first;
      stack.push(v);
    }
  }
  return undefined;
}

/**
 * The authentication attempt a refused credential was: the account named in the same request (a `username`
 * for a user's credential; a client id field or the Basic id for a client's). A bearer token is not an
 * attempt at a password.
 */
export function attemptOf(kind: CredentialKind, value: unknown, authorization: string | undefined): CredentialAttempt {
  const basicId = authorization === undefined ? undefined : basicParts(authorization)?.[0];
  return { kind, account: fieldValue(value, ACCOUNT_FIELDS[kind]) ?? (kind === 'client' ? basicId : undefined) ?? '' };
}

/** The request as the edge sees it (Fastify's request, already parsed). */
export interface GuardedRequest {
  headers: Record<string, string | string[] | undefined>;
  params?: unknown;
  query?: unknown;
  body?: unknown;
}

/**
 * Throws {@link RefusedInputError} when any part of the request carries a refused character. On a route that
 * defines new credentials (sign-up, {@link NewCredentials}) a user name or password is not a credential.
 */
export function guardRequest(request: GuardedRequest, options: { newCredentials?: boolean } = {}): void {
  const header = request.headers['authorization'];
  const authorization = Array.isArray(header) ? header.join(',') : header;
  checkAuthorization(authorization);
  const parts: Array<[RequestPart, unknown]> = [
    ['path', request.params],
    ['query', request.query],
    ['body', request.body],
  ];
  for (const [part, value] of parts) {
    const refused = findRefusedCharacter(value);
    if (!refused) continue;
    // A path names a resource (a client to read or delete), it does not authenticate: 400 there; nor does sign-up.
    const credential = part === 'path' || options.newCredentials ? undefined : refused.credential;
    throw new RefusedInputError(part, { ...refused, credential }, credential ? attemptOf(credential, value, authorization) : undefined);
  }
}
