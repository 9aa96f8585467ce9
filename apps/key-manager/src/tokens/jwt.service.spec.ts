import { generateKeyPairSync } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import type { DeploymentConfig } from '@app/config';
import type { EncryptionService } from '@app/platform';
import { JwtService, type AccessTokenClaims } from './jwt.service.js';

function key(thumbprint: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { thumbprint, privateKey, publicKey };
}

const current = key('A'.repeat(40));
const old = key('B'.repeat(40));
const stranger = key('C'.repeat(40));
const issuer = 'https://km.example.com';
const encryption = { signingKey: current, verificationKeys: [current, old] } as unknown as EncryptionService;
const jwt = new JwtService(encryption, { oauth: { issuer } } as DeploymentConfig);
const now = Math.floor(Date.now() / 1000);
const claims: AccessTokenClaims = { iss: issuer, sub: 'c', aud: 'c', azp: 'c', client_id: 'c', scope: 'a b', iat: now, nbf: now, exp: now + 60, jti: 'j-1' };

describe('JwtService', () => {
  test('signs RS256 JWTs that jose verifies, with kid = the signing key thumbprint', async () => {
    const { token, keyId } = await jwt.sign(claims);
    expect(keyId).toBe(current.thumbprint);
    const spki = await importSPKI(current.publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'RS256');
    const { payload, protectedHeader } = await jwtVerify(token, spki, { issuer, typ: 'at+jwt' });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: current.thumbprint });
    expect(payload).toMatchObject(claims);
    expect(jwt.verify(token)).toEqual(claims);
  });

  test('verifies tokens signed by an older key still in the keyring', async () => {
    const older = new JwtService({ signingKey: old, verificationKeys: [old] } as unknown as EncryptionService, { oauth: { issuer } } as DeploymentConfig);
    expect(jwt.verify((await older.sign(claims)).token)).toEqual(claims);
  });

  test('refuses tampered payloads, other algorithms, unknown keys and other issuers', async () => {
    const { token } = await jwt.sign(claims);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'admin' })).toString('base64url');
    expect(jwt.verify(`${header}.${forged}.${signature}`)).toBeUndefined();
    const none = Buffer.from(JSON.stringify({ alg: 'none', kid: current.thumbprint })).toString('base64url');
    expect(jwt.verify(`${none}.${payload}.`)).toBeUndefined();
    const foreign = new JwtService({ signingKey: stranger, verificationKeys: [stranger] } as unknown as EncryptionService, { oauth: { issuer } } as DeploymentConfig);
    expect(jwt.verify((await foreign.sign(claims)).token)).toBeUndefined();
    expect(jwt.verify((await jwt.sign({ ...claims, iss: 'https://elsewhere' })).token)).toBeUndefined();
    expect(jwt.verify('not.a.jwt')).toBeUndefined();
    expect(jwt.verify('opaque-token')).toBeUndefined();
  });
});
