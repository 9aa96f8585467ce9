import { resolveClientSettings } from './client-settings.util.js';

const defaults = { owner: 'admin', applicationTokenLifetime: 3600, userTokenLifetime: 900, refreshTokenLifetime: 86400 };

describe('resolveClientSettings', () => {
  test('defaults: a confidential client_credentials client issuing JWTs with the configured lifetimes', () => {
    expect(resolveClientSettings({ clientName: ' App ' }, defaults)).toEqual({
      clientName: 'App',
      owner: 'admin',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      tokenType: 'JWT',
      applicationTokenLifetime: 3600,
      userTokenLifetime: 900,
      refreshTokenLifetime: 86400,
      publicClient: false,
      resourceServer: false,
      pkceMandatory: false,
      pkceSupportPlain: false,
      scopes: [],
    });
  });

  test('registered scopes: duplicates dropped, malformed or too many refused', () => {
    expect(resolveClientSettings({ clientName: 'App', scopes: ['b', 'a', 'b'] }, defaults).scopes).toEqual(['b', 'a']);
    for (const scopes of [['a b'], ['"a"'], ['a\\b'], [''], ['x'.repeat(257)], Array.from({ length: 201 }, (_, i) => `s${i}`)]) {
      expect(() => resolveClientSettings({ clientName: 'App', scopes }, defaults)).toThrow(expect.objectContaining({ code: 'INVALID_CLIENT_METADATA' }));
    }
  });

  test('a public client gets authorization_code and refresh_token, and nothing else', () => {
    expect(resolveClientSettings({ clientName: 'SPA', publicClient: true, redirectUris: ['https://a.example/cb'] }, defaults).grantTypes).toEqual([
      'authorization_code',
      'refresh_token',
    ]);
    expect(() => resolveClientSettings({ clientName: 'SPA', publicClient: true, grantTypes: ['password'], redirectUris: ['https://a.example/cb'] }, defaults)).toThrow(
      expect.objectContaining({ code: 'INVALID_CLIENT_METADATA' }),
    );
  });

  test.each([
    [{ grantTypes: ['authorization_code'] }, 'INVALID_REDIRECT_URI'],
    [{ grantTypes: ['authorization_code'], redirectUris: ['data:text/html,x'] }, 'INVALID_REDIRECT_URI'],
    [{ grantTypes: ['implicit'] }, 'INVALID_CLIENT_METADATA'],
    [{ grantTypes: [] }, 'INVALID_CLIENT_METADATA'],
    [{ tokenType: 'Opaque' }, 'INVALID_CLIENT_METADATA'],
    [{ applicationTokenLifetime: 0 }, 'INVALID_CLIENT_METADATA'],
    [{ refreshTokenLifetime: 1.5 }, 'INVALID_CLIENT_METADATA'],
  ])('%j is refused with %s', (input, code) => {
    expect(() => resolveClientSettings({ clientName: 'x', ...input }, defaults)).toThrow(expect.objectContaining({ code }));
  });
});
