import { checkAuthorization, findRefusedCharacter, guardRequest, RefusedInputError } from './input-guard.js';
import { jsonNestsDeeperThan } from './json-body.js';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('findRefusedCharacter', () => {
  it('finds a NUL in any string, key or Map entry, at any depth', () => {
    expect(findRefusedCharacter({ a: [{ b: 'x\u0000' }] })).toEqual({ field: 'b', credential: undefined });
    expect(findRefusedCharacter({ 'k\u0000': 'v' })).toEqual({ field: undefined, credential: undefined });
    expect(findRefusedCharacter({ values: new Map([['username', ['a\u0000b']]]) })).toEqual({ field: 'username', credential: 'user' });
  });

  it('refuses control characters in credential identifiers only; free text may hold newlines and tabs', () => {
    expect(findRefusedCharacter({ client_id: 'a\u0001b' })).toEqual({ field: 'client_id', credential: 'client' });
    expect(findRefusedCharacter({ username: 'a\tb' })).toEqual({ field: 'username', credential: 'user' });
    expect(findRefusedCharacter({ description: 'line\nline\ttab\u0007' })).toBeUndefined();
    expect(findRefusedCharacter({ password: 'p\u0001ss' })).toBeUndefined();
    expect(findRefusedCharacter({ password: 'p\u0000ss' })).toEqual({ field: 'password', credential: 'user' });
  });

  it('never names a field a message may not show', () => {
    expect(findRefusedCharacter({ '<script>': 'a\u0000' })).toEqual({ field: undefined, credential: undefined });
  });
});

describe('checkAuthorization', () => {
  it('refuses a NUL or control character in a Basic id, raw or form-encoded, and a NUL in its secret', () => {
    for (const header of ['Basic ADoA', basic('a\u0000b:x'), basic('a%00b:x'), basic('a%01b:x'), basic('id:se\u0000cret'), basic('id:se%00cret')]) {
      expect(() => checkAuthorization(header)).toThrow(RefusedInputError);
    }
  });

  it('refuses a control character in a bearer token', () => {
    expect(() => checkAuthorization('Bearer a\u0001b')).toThrow(RefusedInputError);
  });

  it('lets well-formed credentials through (their checking is the handler\'s)', () => {
    for (const header of [basic('client:secret'), basic('a%3Ab:s%25'), 'Bearer eyJ.eyJ.sig', 'Basic !!!', undefined, '']) expect(() => checkAuthorization(header)).not.toThrow();
  });
});

describe('guardRequest', () => {
  const refusal = (request: Parameters<typeof guardRequest>[0]) => {
    try {
      guardRequest(request);
      return undefined;
    } catch (e) {
      return e instanceof RefusedInputError ? { status: e.getStatus(), part: e.part, credential: e.credential } : e;
    }
  };

  it('answers 401 for credentials and 400 for anything else, and says where without quoting', () => {
    expect(refusal({ headers: { authorization: 'Basic ADoA' } })).toEqual({ status: 401, part: 'authorization', credential: 'client' });
    expect(refusal({ headers: {}, body: { client_id: 'a\u0000b' } })).toEqual({ status: 401, part: 'body', credential: 'client' });
    expect(refusal({ headers: {}, query: { description: 'a\u0000b' } })).toEqual({ status: 400, part: 'query', credential: undefined });
    // A path parameter names a resource; it never authenticates.
    expect(refusal({ headers: {}, params: { clientId: '\u0000' } })).toEqual({ status: 400, part: 'path', credential: undefined });
    expect(refusal({ headers: {}, params: { id: 'ok' }, query: { limit: '10' }, body: { name: 'ok' } })).toBeUndefined();
    const error = new RefusedInputError('body', { field: 'description', credential: undefined });
    expect(error.message).toBe('parameter description contains a control character or NUL, which is never valid here');
  });
});

describe('the attempt a refused credential was', () => {
  const attempt = (request: Parameters<typeof guardRequest>[0], options?: Parameters<typeof guardRequest>[1]) => {
    try {
      guardRequest(request, options);
      return 'accepted';
    } catch (e) {
      return { status: (e as RefusedInputError).getStatus(), attempt: (e as RefusedInputError).attempt };
    }
  };

  it('names the account of the same request: its user name, its client id field or its Basic id', () => {
    const form = { values: new Map([['username', ['alice']], ['password', ['p\u0000w']]]) };
    expect(attempt({ headers: {}, body: form })).toEqual({ status: 401, attempt: { kind: 'user', account: 'alice' } });
    expect(attempt({ headers: { authorization: 'Basic YXBwOnNlY3JldA==' }, body: { client_secret: 'x\u0000' } })).toEqual({ status: 401, attempt: { kind: 'client', account: 'app' } });
    expect(attempt({ headers: {}, query: { client_id: 'a\u0001b' } })).toEqual({ status: 401, attempt: { kind: 'client', account: 'a\u0001b' } });
    expect(attempt({ headers: { authorization: 'Basic ADoA' } })).toEqual({ status: 401, attempt: { kind: 'client', account: '\u0000' } });
    // A bearer token is no guess at a password; a description is no credential.
    expect(attempt({ headers: { authorization: 'Bearer a\u0001b' } })).toEqual({ status: 401, attempt: undefined });
    expect(attempt({ headers: {}, body: { description: '\u0000' } })).toEqual({ status: 400, attempt: undefined });
  });

  it('is no attempt, and a 400, where the user name and password define a new account (sign-up)', () => {
    expect(attempt({ headers: {}, body: { username: 'a\u0000b', password: 'x' } }, { newCredentials: true })).toEqual({ status: 400, attempt: undefined });
  });
});

describe('jsonNestsDeeperThan', () => {
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonNestsDeeperThan('[[[]]]', 3)).toBe(false);
    expect(jsonNestsDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":{"b":{"c":{}}}}', 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":"[[[[[[\\"[[[[["}', 2)).toBe(false);
    expect(jsonNestsDeeperThan(`${'['.repeat(30_000)}${']'.repeat(30_000)}`, 32)).toBe(true);
  });
});
