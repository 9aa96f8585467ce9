import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG } from '@app/platform';
import { JwtService } from './jwt.service.js';

export { OPENID_SCOPE } from './scopes.util.js';

/** What an ID token says about one authentication (OIDC Core §2). Times in seconds since the epoch. */
export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  azp: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  auth_time?: number;
  nonce?: string;
  at_hash: string;
  c_hash?: string;
}

/** What an ID token is issued for. */
export interface IdTokenRequest {
  clientId: string;
  username: string;
  /** The access token issued with it (its hash is `at_hash`). */
  accessToken: string;
  /** When the user signed in; carried unchanged along a refresh chain (OIDC Core §12.2). */
  authTime: number | null;
  /** The authorization request's nonce (authorization code flow only; never on refresh). */
  nonce?: string | null;
  /** The authorization code redeemed, when there was one (its hash is `c_hash`). */
  code?: string;
}

/**
 * OIDC Core §3.1.3.6 `at_hash` / `c_hash` for RS256: the left half of SHA-256 of the ASCII value, base64url.
 */
export function leftHalfHash(value: string): string {
  const digest = createHash('sha256').update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/**
 * ID tokens: RS256 JWTs signed with the same key as JWT access tokens (`kid` in the JWKS), with WSO2's claim
 * set (`iss, sub, aud, azp, iat, nbf, exp, jti`, `auth_time` and `nonce` when known, `at_hash`, and `c_hash`
 * for a code) — see DefaultIDTokenBuilder and OpenIDConnectSystemClaimImpl in WSO2's
 * identity-inbound-auth-oauth. `sub` is the user name, as in the access tokens and introspection.
 */
@Injectable()
export class IdTokenService {
  private readonly lifetimeSec: number;

  constructor(
    private readonly jwt: JwtService,
    @Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig,
  ) {
    this.lifetimeSec = config.oauth.idTokenLifetimeSec;
  }

  async issue(request: IdTokenRequest, nowMs = Date.now()): Promise<string> {
    const now = Math.floor(nowMs / 1000);
    const claims: IdTokenClaims = {
      iss: this.jwt.issuer,
      sub: request.username,
      aud: request.clientId,
      azp: request.clientId,
      iat: now,
      nbf: now,
      exp: now + this.lifetimeSec,
      jti: randomUUID(),
      ...(request.authTime !== null ? { auth_time: request.authTime } : {}),
      ...(request.nonce ? { nonce: request.nonce } : {}),
      at_hash: leftHalfHash(request.accessToken),
      ...(request.code !== undefined ? { c_hash: leftHalfHash(request.code) } : {}),
    };
    return (await this.jwt.signAs('JWT', claims)).token;
  }
}
