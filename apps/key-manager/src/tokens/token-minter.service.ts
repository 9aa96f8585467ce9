import { Injectable } from '@nestjs/common';
import { SecretKinds, selectorOfJti, selectorOfSecret, type ProtectedSecret } from '@app/crypto';
import type { GrantType } from '@app/contracts';
import { EncryptionService } from '@app/platform';
import type { ClientRecord } from '../persistence/clients.repository.js';
import type { NewToken } from '../persistence/tokens.repository.js';
import { FreshSecrets } from './fresh-secrets.service.js';
import { timeOrderedUuid } from './row-id.util.js';
import { JwtService } from './jwt.service.js';
import { formatScopes, grantScopes } from './scopes.util.js';

/** What one issuance needs to know. */
export interface MintRequest {
  client: ClientRecord;
  grantType: GrantType;
  /** The resource owner; null for client_credentials (the token then speaks for the client). */
  username: string | null;
  /** The scopes asked for (or, on a refresh, kept): what is granted of them is decided here, by `grantScopes`. */
  scopes: string[];
  accessLifetimeSec: number;
  /** Lifetime of a refresh token to issue alongside; null for none. */
  refreshLifetimeSec: number | null;
  /** The chain this token continues (refresh grant); a new chain otherwise. */
  familyId?: string;
  parentId?: string;
  authorizationCodeId?: string;
  /** Epoch seconds: when the user signed in for this chain; null when unknown or for application tokens. */
  authTime?: number | null;
}

/** A token response, before it is shaped for HTTP (snake_case) or NATS (camelCase). */
export interface IssuedTokens {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken?: string;
  scopes: string[];
  /** OpenID Connect: issued when the `openid` scope was granted for a user. */
  idToken?: string;
}

/**
 * Creates tokens: the access token (an RS256 JWT whose `jti` is the stored secret, or an opaque 256-bit
 * value), the optional refresh token, and the row that stores them — each secret protected by the
 * processor in force at this moment, with its lookup hash.
 */
@Injectable()
export class TokenMinter {
  constructor(
    private readonly encryption: EncryptionService,
    private readonly jwt: JwtService,
    private readonly secrets: FreshSecrets,
  ) {}

  async mint(request: MintRequest, nowMs = Date.now()): Promise<{ row: NewToken; issued: IssuedTokens }> {
    const { client } = request;
    const now = Math.floor(nowMs / 1000);
    const exp = now + request.accessLifetimeSec;
    const id = timeOrderedUuid(nowMs);
    const scopes = grantScopes(request.scopes, client.scopes);
    const scope = formatScopes(scopes);
    let accessToken: string;
    let access: ProtectedSecret;
    let accessSelector: string;
    let signingKeyId: string | null = null;
    if (client.tokenType === 'JWT') {
      // A UUIDv7, so that the row is found in time order by its selector.
      const jti = timeOrderedUuid(nowMs);
      accessSelector = selectorOfJti(jti)!;
      const subject = request.username ?? client.clientId;
      const signed = await this.jwt.sign({
        iss: this.jwt.issuer,
        sub: subject,
        aud: client.clientId,
        azp: client.clientId,
        client_id: client.clientId,
        scope,
        iat: now,
        nbf: now,
        exp,
        jti,
      });
      accessToken = signed.token;
      signingKeyId = signed.keyId;
      // Fetched after the signature, not before: a coordinated switch of encryption settings applies to the next token.
      access = this.encryption.processor.protect(SecretKinds.AccessToken, jti);
    } else {
      const fresh = this.secrets.next(SecretKinds.AccessToken);
      accessToken = fresh.secret;
      access = fresh.protected;
      accessSelector = selectorOfSecret(fresh.secret)!;
    }
    const refresh = request.refreshLifetimeSec === null ? undefined : this.secrets.next(SecretKinds.RefreshToken);
    const row: NewToken = {
      id,
      clientId: client.clientId,
      username: request.username,
      scopes: scope,
      tokenType: client.tokenType,
      grantType: request.grantType,
      access,
      accessSelector,
      refresh: refresh?.protected ?? null,
      refreshSelector: refresh === undefined ? null : selectorOfSecret(refresh.secret),
      issuedAt: now,
      expiresAt: exp,
      refreshExpiresAt: request.refreshLifetimeSec === null ? null : now + request.refreshLifetimeSec,
      familyId: request.familyId ?? id,
      parentId: request.parentId ?? null,
      authorizationCodeId: request.authorizationCodeId ?? null,
      signingKeyId,
      authTime: request.authTime ?? null,
    };
    return {
      row,
      issued: {
        accessToken,
        tokenType: 'Bearer',
        expiresIn: request.accessLifetimeSec,
        ...(refresh !== undefined ? { refreshToken: refresh.secret } : {}),
        scopes,
      },
    };
  }
}
