import type { Wso2TokenRow } from './wso2-import.types.js';
import { mapWso2Token, NEVER_EXPIRES } from './wso2-token.mapper.js';

const NOW = 1_800_000_000; // epoch seconds
const HOUR_MS = 3_600_000;

function row(overrides: Partial<Wso2TokenRow> = {}): Wso2TokenRow {
  return {
    tokenId: 't-1',
    accessToken: 'stored-access',
    refreshToken: 'stored-refresh',
    consumerKey: 'ck_1',
    authzUser: 'alice',
    userDomain: 'PRIMARY',
    userType: 'APPLICATION_USER',
    grantType: 'password',
    timeCreated: (NOW - 600) * 1000,
    refreshTokenTimeCreated: (NOW - 600) * 1000,
    validityPeriod: HOUR_MS,
    refreshTokenValidityPeriod: 24 * HOUR_MS,
    tokenState: 'ACTIVE',
    accessTokenHash: null,
    refreshTokenHash: null,
    authorizedOrganization: null,
    scopes: ['write', 'default', 'read'],
    ...overrides,
  };
}

const options = { now: NOW, includeInactive: false };

describe('mapWso2Token', () => {
  test('an active user token: expiry from TIME_CREATED + VALIDITY_PERIOD (ms), its user, scopes sorted', () => {
    expect(mapWso2Token(row(), options)).toEqual({
      kind: 'token',
      fields: {
        username: 'alice',
        scopes: 'default read write',
        grantType: 'password',
        issuedAt: NOW - 600,
        expiresAt: NOW - 600 + 3600,
        refreshExpiresAt: NOW - 600 + 86400,
        revokedAt: null,
        state: 'ACTIVE',
      },
    });
  });

  test('an application token (client_credentials) has no user here, as the Key Manager issues them', () => {
    expect(mapWso2Token(row({ userType: 'APPLICATION', refreshToken: null }), options)).toMatchObject({ fields: { username: null, refreshExpiresAt: null } });
  });

  test("WSO2's EXPIRED with a refresh token still valid is imported as ACTIVE: the refresh grant keeps working", () => {
    const expiredAccess = row({ tokenState: 'EXPIRED', timeCreated: (NOW - 7200) * 1000, refreshTokenTimeCreated: (NOW - 7200) * 1000 });
    expect(mapWso2Token(expiredAccess, options)).toMatchObject({ kind: 'token', fields: { state: 'ACTIVE', expiresAt: NOW - 3600 } });
  });

  test('skips rows no one can use (revoked, rotated, both tokens expired) unless --include-inactive', () => {
    const dead = [
      row({ tokenState: 'REVOKED' }),
      row({ tokenState: 'INACTIVE' }),
      row({ refreshToken: null, timeCreated: (NOW - 7200) * 1000 }),
      row({ tokenState: 'EXPIRED', timeCreated: (NOW - 200_000) * 1000, refreshTokenTimeCreated: (NOW - 200_000) * 1000 }),
    ];
    for (const r of dead) expect(mapWso2Token(r, options)).toEqual({ kind: 'skip' });
    expect(mapWso2Token(dead[0]!, { ...options, includeInactive: true })).toMatchObject({ fields: { state: 'REVOKED', revokedAt: NOW } });
    expect(mapWso2Token(dead[1]!, { ...options, includeInactive: true })).toMatchObject({ fields: { state: 'INACTIVE', revokedAt: null } });
  });

  test('a negative or huge validity (never expires in WSO2) becomes 9999-12-31', () => {
    expect(mapWso2Token(row({ validityPeriod: -1 }), options)).toMatchObject({ fields: { expiresAt: NEVER_EXPIRES } });
    expect(mapWso2Token(row({ refreshTokenValidityPeriod: 9.223372036854776e18 }), options)).toMatchObject({ fields: { refreshExpiresAt: NEVER_EXPIRES } });
  });

  test('reports rows whose expiry cannot be known, and states it does not know', () => {
    expect(mapWso2Token(row({ timeCreated: null }), options)).toMatchObject({ kind: 'fail', failure: { code: 'WSO2_TOKEN_INCOMPLETE' } });
    expect(mapWso2Token(row({ tokenState: 'SUSPENDED' }), options)).toMatchObject({ kind: 'fail', failure: { code: 'WSO2_TOKEN_STATE_UNKNOWN' } });
  });

  test("GRACEFULLY_ROTATED (WSO2's graceful refresh token rotation) is a rotated row: skipped, or INACTIVE when asked for", () => {
    expect(mapWso2Token(row({ tokenState: 'GRACEFULLY_ROTATED' }), options)).toEqual({ kind: 'skip' });
    expect(mapWso2Token(row({ tokenState: 'gracefully_rotated' }), { ...options, includeInactive: true })).toMatchObject({ kind: 'token', fields: { state: 'INACTIVE', revokedAt: null } });
  });

  test("a token issued for a sub-organization (AUTHORIZED_ORGANIZATION) fails; WSO2's 'NONE' is an ordinary token", () => {
    expect(mapWso2Token(row({ authorizedOrganization: 'NONE' }), options)).toMatchObject({ kind: 'token' });
    expect(mapWso2Token(row({ authorizedOrganization: '10084a8d-113f-4211-a0d5-efe36b082211' }), options)).toMatchObject({ kind: 'fail', failure: { code: 'WSO2_TOKEN_ORGANIZATION' } });
  });
});
