import { DEFAULT_SCOPE, grantScopes } from './scopes.util.js';

describe('grantScopes', () => {
  test.each([
    ['nothing asked, nothing registered', [], [], [DEFAULT_SCOPE]],
    ['unregistered scopes are dropped', ['admin', 'root'], [], [DEFAULT_SCOPE]],
    ['registered scopes are granted, in the order asked', ['write', 'read'], ['read', 'write'], ['write', 'read']],
    ['mixed: only the registered ones', ['admin', 'read', 'root'], ['read', 'write'], ['read']],
    ['openid, device_* and default need no registration', ['openid', 'device_1', 'default', 'admin'], [], ['openid', 'device_1', 'default']],
    ['a scope whose name only contains an allowed one is not allowed', ['openid2', 'xdevice_a', 'defaults'], [], [DEFAULT_SCOPE]],
    ['case matters (RFC 6749 §3.3)', ['READ', 'OpenID'], ['read'], [DEFAULT_SCOPE]],
  ])('%s', (_name, requested, registered, granted) => {
    expect(grantScopes(requested, registered)).toEqual(granted);
  });
});
