import { Inject, Injectable } from '@nestjs/common';
import { hash as oneShotHash, sign, verify, type KeyObject } from 'node:crypto';
import type { DeploymentConfig } from '@app/config';
import { isCanonicalCompactJws, type KeystoreKey } from '@app/crypto';
import { DEPLOYMENT_CONFIG, EncryptionService } from '@app/platform';
import { Wso2JwtKeys } from './wso2-jwt-keys.service.js';

/** The claims of a JWT access token (RFC 9068 plus WSO2's `azp`). Times in seconds since the epoch. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  azp: string;
  client_id: string;
  scope: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
}

const MAX_JWT_LENGTH = 8192;

function signAsync(data: Buffer, key: KeyObject): Promise<Buffer> {
  // The callback form runs the RSA private-key operation on libuv's thread pool, off the event loop.
  return new Promise((resolve, reject) => sign('sha256', data, key, (error, signature) => (error ? reject(error) : resolve(signature))));
}

/** A segment's JSON object; the caller has checked that the segment is canonical base64url. */
function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    // JSON.parse quotes the input in its message: never let it travel.
    return undefined;
  }
}

function isClaims(value: Record<string, unknown>): value is Record<string, unknown> & AccessTokenClaims {
  return (
    typeof value.iss === 'string' &&
    typeof value.sub === 'string' &&
    typeof value.client_id === 'string' &&
    typeof value.jti === 'string' &&
    typeof value.scope === 'string' &&
    Number.isInteger(value.iat) &&
    Number.isInteger(value.exp)
  );
}

/**
 * The claims of a WSO2 JWT access token, as `JWTTokenIssuer.createJWTClaimSet` writes them
 * (wso2-extensions/identity-inbound-auth-oauth @ c4c32bb3): `client_id` (older releases: `azp` only),
 * `scope` as a space-separated string, a list (`isJwtScopeAsArrayEnabled`), or absent when empty; `aud` a
 * string or a list. Undefined when a claim this Key Manager relies on is missing.
 */
function wso2Claims(claims: Record<string, unknown>): AccessTokenClaims | undefined {
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : claims.azp;
  const scope = claims.scope === undefined ? '' : Array.isArray(claims.scope) ? claims.scope.join(' ') : claims.scope;
  const aud = Array.isArray(claims.aud) ? claims.aud[0] : claims.aud;
  if (typeof clientId !== 'string' || typeof scope !== 'string' || typeof claims.iss !== 'string' || typeof claims.sub !== 'string' || typeof claims.jti !== 'string') return undefined;
  if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp)) return undefined;
  return {
    iss: claims.iss,
    sub: claims.sub,
    aud: typeof aud === 'string' ? aud : clientId,
    azp: typeof claims.azp === 'string' ? claims.azp : clientId,
    client_id: clientId,
    scope,
    iat: claims.iat as number,
    nbf: Number.isInteger(claims.nbf) ? (claims.nbf as number) : (claims.iat as number),
    exp: claims.exp as number,
    jti: claims.jti,
  };
}

/**
 * RS256 JWT access tokens, signed with the primary keystore's key (`kid` = its certificate thumbprint) and
 * verified with any key in `EncryptionService.verificationKeys` — a public-key operation only. Keys are
 * fetched from the EncryptionService at each use, so a key change takes effect at once.
 *
 * Resource servers introspect the same token again and again, so the outcome of a verification is
 * remembered: the claims of the last {@link maxVerified} JWTs that verified, keyed by the SHA-256 of the
 * whole token (signature included; the token itself is not kept). A signature check is a pure function of
 * the token and the keys, so the answer is the same — and the cache is emptied whenever the set of
 * verification keys changes, so a retired key stops verifying at once. Whether a token is still active is
 * not cached: its row is read on every request.
 */
@Injectable()
export class JwtService {
  readonly issuer: string;
  /** Most verified JWTs remembered (≈ 400 bytes each); a field so that tests can lower it. */
  maxVerified = 10_000;
  private readonly headers = new Map<string, string>();
  private readonly verified = new Map<string, AccessTokenClaims>();
  private verifiedWith: readonly KeystoreKey[] | undefined;

  constructor(
    private readonly encryption: EncryptionService,
    @Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig,
    private readonly wso2Keys: Wso2JwtKeys,
  ) {
    this.issuer = config.oauth.issuer;
  }

  /** Signs access-token claims (`typ: at+jwt`); returns the compact JWS and the id of the key that signed it. */
  sign(claims: AccessTokenClaims): Promise<{ token: string; keyId: string }> {
    return this.signAs('at+jwt', claims);
  }

  /**
   * Signs any claims with the current signing key (RS256, `kid` = its thumbprint) under the given `typ`:
   * `at+jwt` for access tokens (RFC 9068), `JWT` for ID tokens (OIDC Core leaves `typ` open; `JWT` is what
   * every OIDC client accepts).
   */
  async signAs(typ: 'at+jwt' | 'JWT', claims: object): Promise<{ token: string; keyId: string }> {
    const key = this.encryption.signingKey;
    const input = `${this.headerFor(key.thumbprint, typ)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = await signAsync(Buffer.from(input), key.privateKey);
    return { token: `${input}.${signature.toString('base64url')}`, keyId: key.thumbprint };
  }

  /** Whether the text has the shape of a JWS at all (opaque tokens never contain a dot). */
  looksLikeJwt(token: string): boolean {
    return token.includes('.');
  }

  /**
   * The claims of a JWT this Key Manager signed — or an imported WSO2 Key Manager signed, under WSO2's `kid`
   * and with that WSO2 issuer (`[[oauth.wso2_jwt_issuer]]`; only those keys accept that issuer, and they
   * accept no other) — or undefined when it is not one: wrong shape, a segment that is not the canonical
   * base64url of its bytes (`isCanonicalCompactJws`: one spelling per token), algorithm other than RS256, unknown
   * `kid`, bad signature, another issuer. Expiry and revocation are the caller's
   * business (the token's row says whether it is still active).
   */
  verify(token: string): AccessTokenClaims | undefined {
    if (token.length > MAX_JWT_LENGTH) return undefined;
    const keys = this.encryption.verificationKeys;
    if (keys !== this.verifiedWith) {
      this.verified.clear();
      this.verifiedWith = keys;
    }
    const id = oneShotHash('sha256', token, 'base64url');
    const known = this.verified.get(id);
    if (known) return known;
    const claims = this.verifySignature(token, keys);
    if (claims) {
      if (this.verified.size >= this.maxVerified) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(id, Object.freeze(claims));
    }
    return claims;
  }

  /** JWTs remembered as verified (for tests). */
  get verifiedCount(): number {
    return this.verified.size;
  }

  private verifySignature(token: string, keys: readonly KeystoreKey[]): AccessTokenClaims | undefined {
    if (!isCanonicalCompactJws(token)) return undefined;
    const [headerSegment, payloadSegment, signatureSegment] = token.split('.') as [string, string, string];
    const header = decodeJsonObject(headerSegment);
    if (!header || header.alg !== 'RS256' || typeof header.kid !== 'string' || header.crit !== undefined) return undefined;
    const kid = header.kid;
    const own = keys.find((k) => k.thumbprint === kid);
    const wso2 = own ? undefined : this.wso2Keys.find(kid);
    const publicKey = own?.publicKey ?? wso2?.publicKey;
    if (!publicKey) return undefined;
    const signed = Buffer.from(`${headerSegment}.${payloadSegment}`);
    if (!verify('sha256', signed, publicKey, Buffer.from(signatureSegment, 'base64url'))) return undefined;
    const claims = decodeJsonObject(payloadSegment);
    if (!claims) return undefined;
    if (wso2) return claims.iss === wso2.issuer ? wso2Claims(claims) : undefined;
    if (!isClaims(claims) || claims.iss !== this.issuer) return undefined;
    return claims;
  }

  private headerFor(kid: string, typ: string): string {
    const id = `${typ} ${kid}`;
    let header = this.headers.get(id);
    if (!header) {
      header = Buffer.from(JSON.stringify({ alg: 'RS256', typ, kid })).toString('base64url');
      this.headers.set(id, header);
    }
    return header;
  }
}
