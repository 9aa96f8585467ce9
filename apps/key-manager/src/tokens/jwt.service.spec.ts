import { createSign, generateKeyPairSync } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import type { DeploymentConfig } from '@app/config';
import type { EncryptionService } from '@app/platform';
import { JwtService, type AccessTokenClaims } from './jwt.service.js';
import type { Wso2JwtKey, Wso2JwtKeys } from './wso2-jwt-keys.service.js';

const noWso2 = { find: () => undefined, all: () => [] } as unknown as Wso2JwtKeys;

function key(thumbprint: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { thumbprint, privateKey, publicKey };
}

const current = key('A'.repeat(40));
const old = key('B'.repeat(40));
const stranger = key('C'.repeat(40));
const issuer = 'https://km.example.com';
const encryption = { signingKey: current, verificationKeys: [current, old] } as unknown as EncryptionService;
const jwt = new JwtService(encryption, { oauth: { issuer } } as DeploymentConfig, noWso2);
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
    const older = new JwtService({ signingKey: old, verificationKeys: [old] } as unknown as EncryptionService, { oauth: { issuer } } as DeploymentConfig, noWso2);
    expect(jwt.verify((await older.sign(claims)).token)).toEqual(claims);
  });

  test('refuses tampered payloads, other algorithms, unknown keys and other issuers', async () => {
    const { token } = await jwt.sign(claims);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...claims, scope: 'admin' })).toString('base64url');
    expect(jwt.verify(`${header}.${forged}.${signature}`)).toBeUndefined();
    const none = Buffer.from(JSON.stringify({ alg: 'none', kid: current.thumbprint })).toString('base64url');
    expect(jwt.verify(`${none}.${payload}.`)).toBeUndefined();
    const foreign = new JwtService({ signingKey: stranger, verificationKeys: [stranger] } as unknown as EncryptionService, { oauth: { issuer } } as DeploymentConfig, noWso2);
    expect(jwt.verify((await foreign.sign(claims)).token)).toBeUndefined();
    expect(jwt.verify((await jwt.sign({ ...claims, iss: 'https://elsewhere' })).token)).toBeUndefined();
    expect(jwt.verify('not.a.jwt')).toBeUndefined();
    expect(jwt.verify('opaque-token')).toBeUndefined();
  });

  describe('remembering verified tokens', () => {
    function service(keys: unknown[]) {
      const holder = { signingKey: current, verificationKeys: keys };
      return { holder, jwt: new JwtService(holder as unknown as EncryptionService, { oauth: { issuer } } as DeploymentConfig, noWso2) };
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
      const older = new JwtService({ signingKey: old, verificationKeys: [old] } as unknown as EncryptionService, { oauth: { issuer } } as DeploymentConfig, noWso2);
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

  describe('JWTs of an imported WSO2 Key Manager', () => {
    const wso2Issuer = 'https://wso2.example.com:9443/oauth2/token';
    const wso2 = key('WSO2');
    const kid = 'NTBmMGVkYTU_RS256';
    const wso2Key: Wso2JwtKey = { kid, issuer: wso2Issuer, publicKey: wso2.publicKey, certificateDer: Buffer.alloc(0) };
    const withWso2 = new JwtService(encryption, { oauth: { issuer } } as DeploymentConfig, { find: (k: string) => (k === kid ? wso2Key : undefined), all: () => [wso2Key] } as unknown as Wso2JwtKeys);
    const sign = (signer: ReturnType<typeof key>, headerKid: string, payload: Record<string, unknown>) => {
      const input = `${Buffer.from(JSON.stringify({ x5t: 'x', kid: headerKid, typ: 'at+jwt', alg: 'RS256' })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      return `${input}.${createSign('sha256').update(input).sign(signer.privateKey).toString('base64url')}`;
    };
    // As JWTTokenIssuer writes them: aut, azp, client_id, scope as a string, aud.
    const wso2Payload = { sub: 'admin', aut: 'APPLICATION', aud: 'ck', nbf: now, azp: 'ck', scope: 'default', iss: wso2Issuer, exp: now + 60, iat: now, jti: 'wso2-jti', client_id: 'ck' };

    test("verify under WSO2's kid with WSO2's issuer", () => {
      expect(withWso2.verify(sign(wso2, kid, wso2Payload))).toEqual({ iss: wso2Issuer, sub: 'admin', aud: 'ck', azp: 'ck', client_id: 'ck', scope: 'default', iat: now, nbf: now, exp: now + 60, jti: 'wso2-jti' });
      // scope as a list, aud as a list, no client_id (older releases): still read.
      const { client_id: _omit, ...older } = wso2Payload;
      expect(withWso2.verify(sign(wso2, kid, { ...older, scope: ['a', 'b'], aud: ['ck', 'x'], jti: 'older' }))).toMatchObject({ client_id: 'ck', scope: 'a b', aud: 'ck', jti: 'older' });
    });

    test("WSO2's issuer only for WSO2's keys, and WSO2's keys only for WSO2's issuer", () => {
      expect(withWso2.verify(sign(wso2, kid, { ...wso2Payload, iss: issuer }))).toBeUndefined();
      expect(withWso2.verify(sign(current, current.thumbprint, wso2Payload))).toBeUndefined();
      expect(withWso2.verify(sign(stranger, kid, wso2Payload))).toBeUndefined();
      expect(jwt.verify(sign(wso2, kid, wso2Payload))).toBeUndefined();
    });
  });
});
