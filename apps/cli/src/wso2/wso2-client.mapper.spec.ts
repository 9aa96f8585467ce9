import { matchesRegisteredRedirect } from '@app/contracts';
import { mapWso2App, qualifiedUserName, type ClientDefaults } from './wso2-client.mapper.js';
import type { Wso2AppRow } from './wso2-import.types.js';

const defaults: ClientDefaults = { owner: 'admin', applicationTokenLifetime: 3600, userTokenLifetime: 900, refreshTokenLifetime: 86400, tokenType: 'JWT' };

function app(overrides: Partial<Wso2AppRow> = {}): Wso2AppRow {
  return {
    id: 1,
    consumerKey: 'ck_1',
    consumerSecret: 'stored',
    username: 'alice',
    userDomain: 'PRIMARY',
    tenantId: -1234,
    appName: 'alice_Shop_PRODUCTION',
    callbackUrl: 'https://shop.example/cb',
    grantTypes: 'client_credentials password refresh_token authorization_code',
    appState: 'ACTIVE',
    userAccessTokenExpireTime: 1800,
    appAccessTokenExpireTime: 7200,
    refreshTokenExpireTime: 86400,
    tokenType: 'Default',
    bypassClientCredentials: null,
    pkceMandatory: false,
    pkceSupportPlain: false,
    ...overrides,
  };
}

function mapped(overrides: Partial<Wso2AppRow> = {}) {
  const result = mapWso2App(app(overrides), defaults);
  if (result.kind !== 'client') throw new Error(`expected a client, got: ${result.reason}`);
  return result;
}

describe('mapWso2App', () => {
  test('carries an ordinary app over as it is: name, owner, grants, redirect URI, token type, lifetimes', () => {
    expect(mapped()).toEqual({
      kind: 'client',
      warnings: [],
      client: {
        clientId: 'ck_1',
        clientName: 'alice_Shop_PRODUCTION',
        owner: 'alice',
        grantTypes: ['client_credentials', 'password', 'refresh_token', 'authorization_code'],
        redirectUris: ['https://shop.example/cb'],
        tokenType: 'Default',
        tokenTypeDefaulted: false,
        applicationTokenLifetime: 7200,
        userTokenLifetime: 1800,
        refreshTokenLifetime: 86400,
        publicClient: false,
        pkceMandatory: false,
        pkceSupportPlain: false,
      },
    });
  });

  test("keeps WSO2's PKCE settings: a client that had to send a challenge still must, one allowed plain still may", () => {
    expect(mapped({ pkceMandatory: true, pkceSupportPlain: true }).client).toMatchObject({ pkceMandatory: true, pkceSupportPlain: true });
    expect(mapped({ pkceMandatory: true }).client).toMatchObject({ pkceMandatory: true, pkceSupportPlain: false });
  });

  test('skips apps WSO2 no longer serves, rather than bringing them back to life', () => {
    expect(mapWso2App(app({ appState: 'REVOKED' }), defaults)).toEqual({ kind: 'skip', reason: 'APP_STATE is REVOKED' });
  });

  test("keeps WSO2's regexp= callback as WSO2 stored it: the Key Manager matches it as a whole-string pattern", () => {
    const regexp = 'regexp=(https://a.example/cb|https://b.example/cb|https://.*\\.example/cb)';
    const { client, warnings } = mapped({ callbackUrl: regexp });
    expect(client.redirectUris).toEqual([regexp]);
    expect(warnings).toEqual([]);
    // What the Key Manager then accepts at the authorization endpoint, as WSO2 did.
    expect(matchesRegisteredRedirect(client.redirectUris, 'https://b.example/cb')).toBe(true);
    expect(matchesRegisteredRedirect(client.redirectUris, 'https://shop.example/cb')).toBe(true);
    expect(matchesRegisteredRedirect(client.redirectUris, 'https://evil.test/cb')).toBe(false);
  });

  test('drops a regexp= callback the Key Manager cannot run (RE2: no backreferences or lookaround), with the reason', () => {
    const { client, warnings } = mapped({ callbackUrl: 'regexp=(https://(a)\\1.example/cb)' });
    expect(client.redirectUris).toEqual([]);
    expect(warnings[0]).toBe('callback URL dropped: a regexp= redirect URI is not a valid regular expression (RE2 syntax: no backreferences or lookaround)');
  });

  test('drops grant types the Key Manager does not support, and says which', () => {
    const { client, warnings } = mapped({ grantTypes: 'client_credentials implicit urn:ietf:params:oauth:grant-type:jwt-bearer iwa:ntlm' });
    expect(client.grantTypes).toEqual(['client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer']);
    expect(warnings).toEqual(['grant types not supported here, dropped: implicit, iwa:ntlm']);
  });

  test('uses --default-token-type when WSO2 recorded no token type, and maps OAUTH/Default to opaque', () => {
    expect(mapped({ tokenType: null }).client).toMatchObject({ tokenType: 'JWT', tokenTypeDefaulted: true });
    expect(mapWso2App(app({ tokenType: null }), { ...defaults, tokenType: 'Default' })).toMatchObject({ client: { tokenType: 'Default' } });
    expect(mapped({ tokenType: 'OAUTH' }).client.tokenType).toBe('Default');
    expect(mapped({ tokenType: 'jwt' }).client.tokenType).toBe('JWT');
  });

  test('keeps lifetimes within what the Key Manager accepts', () => {
    const { client, warnings } = mapped({ userAccessTokenExpireTime: -1, appAccessTokenExpireTime: 0, refreshTokenExpireTime: 99_999_999 });
    expect(client).toMatchObject({ userTokenLifetime: 900, applicationTokenLifetime: 3600, refreshTokenLifetime: 31_536_000 });
    expect(warnings).toHaveLength(2);
  });

  test('a WSO2 public client (bypassClientCredentials) with the code grant becomes a public client without a secret', () => {
    const { client } = mapped({ bypassClientCredentials: 'true' });
    expect(client).toMatchObject({ publicClient: true, grantTypes: ['refresh_token', 'authorization_code'] });
    expect(mapped({ bypassClientCredentials: 'true', grantTypes: 'password' }).client.publicClient).toBe(false);
  });

  test('warns when the authorization_code grant is left without a usable redirect URI', () => {
    expect(mapped({ callbackUrl: 'javascript:alert(1)' }).warnings).toEqual([
      'callback URL dropped: redirect URIs with the javascript: scheme are not allowed',
      'has the authorization_code grant but no usable redirect URI: register one (DCR PUT redirect_uris) before using that flow',
    ]);
  });
});

describe('qualifiedUserName', () => {
  test("names users of secondary user stores as WSO2 does (DOMAIN/name), primary users by their bare name", () => {
    expect(qualifiedUserName('alice', 'PRIMARY')).toBe('alice');
    expect(qualifiedUserName('bob', 'ldap')).toBe('LDAP/bob');
    expect(qualifiedUserName('bob', null)).toBe('bob');
    expect(qualifiedUserName(null, 'PRIMARY')).toBeNull();
  });
});
