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

  describe('remembering verified tokens', () => {
    function service(keys: unknown[]) {
      const holder = { signingKey: current, verificationKeys: keys };
      return { holder, jwt: new JwtService(holder as unknown as EncryptionService, { oauth: { issuer } } as DeploymentConfig) };
    }

    test('answers a token verified before from memory, keyed by a hash, not the token', async () => {
      const { jwt: fresh } = service([current]);
      const { token } = await fresh.sign(claims);
      expect(fresh.verify(token)).toEqual(claims);
      expect(fresh.verifiedCount).toBe(1);
      expect(fresh.verify(token)).toEqual(claims);
      expect(fresh.verifiedCount).toBe(1);
      // Refused tokens are not remembered.
      expect(fresh.verify(`${token}x`)).toBeUndefined();
      expect(fresh.verifiedCount).toBe(1);
      expect(JSON.stringify([...(fresh as unknown as { verified: Map<string, unknown> }).verified.keys()])).not.toContain(token.split('.')[2]);
    });

    test('forgets everything when the verification keys change: a retired key stops verifying at once', async () => {
      const { holder, jwt: fresh } = service([current, old]);
      const older = new JwtService({ signingKey: old, verificationKeys: [old] } as unknown as EncryptionService, { oauth: { issuer } } as DeploymentConfig);
      const byOld = (await older.sign(claims)).token;
      const byCurrent = (await fresh.sign(claims)).token;
      expect(fresh.verify(byOld)).toEqual(claims);
      expect(fresh.verify(byCurrent)).toEqual(claims);
      holder.verificationKeys = [current]; // the old keystore is retired (a new array, as EncryptionService makes)
      expect(fresh.verify(byOld)).toBeUndefined();
      expect(fresh.verify(byCurrent)).toEqual(claims);
    });

    test('checks a remembered token with another signature afresh, and refuses it', async () => {
      const { jwt: fresh } = service([current]);
      const { token } = await fresh.sign(claims);
      expect(fresh.verify(token)).toEqual(claims);
      const [header, payload] = token.split('.') as [string, string];
      const other = (await fresh.sign({ ...claims, jti: 'j-2' })).token.split('.')[2];
      expect(fresh.verify(`${header}.${payload}.${other}`)).toBeUndefined();
    });

    test('remembers at most maxVerified tokens, dropping the oldest', async () => {
      const { jwt: fresh } = service([current]);
      fresh.maxVerified = 2;
      const tokens = await Promise.all(['1', '2', '3'].map(async (jti) => (await fresh.sign({ ...claims, jti })).token));
      for (const token of tokens) fresh.verify(token);
      expect(fresh.verifiedCount).toBe(2);
      const remembered = (fresh as unknown as { verified: Map<string, AccessTokenClaims> }).verified;
      expect([...remembered.values()].map((c) => c.jti)).toEqual(['2', '3']);
    });
  });
});
