import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { selectorOfJti, selectorOfSecret } from '@app/crypto';
import { EncryptionService } from '@app/platform';
import { TokensRepository, type TokenRecord } from '../persistence/tokens.repository.js';
import { JwtService, type AccessTokenClaims } from './jwt.service.js';

/** A presented token found in the database, and which of the row's two tokens it is. */
export interface PresentedToken {
  record: TokenRecord;
  kind: 'access' | 'refresh';
  /** The verified claims when it is a JWT access token. */
  claims?: AccessTokenClaims;
}

const MAX_TOKEN_LENGTH = 8192;

/**
 * Finds the row of a token as a client presents it, with no decryption: a JWT is verified with the public
 * verification keys and found by its `jti`; anything else by itself. A token with a selector (@app/crypto
 * token-selector.util) is found by it and then must hash to its row's hash; one without, by its hash.
 */
@Injectable()
export class TokenLookup {
  constructor(
    private readonly encryption: EncryptionService,
    private readonly jwt: JwtService,
    private readonly tokens: TokensRepository,
  ) {}

  async find(token: string): Promise<PresentedToken | undefined> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const processor = this.encryption.processor;
    if (this.jwt.looksLikeJwt(token)) {
      const claims = this.jwt.verify(token);
      if (!claims) return undefined;
      const hash = processor.lookupHash(claims.jti);
      const record = await this.tokens.find(selectorOfJti(claims.jti), hash);
      if (!record || !sameHash(record.accessTokenHash, hash) || record.tokenType !== 'JWT' || record.clientId !== claims.client_id) return undefined;
      return { record, kind: 'access', claims };
    }
    const hash = processor.lookupHash(token);
    const record = await this.tokens.find(selectorOfSecret(token), hash);
    if (!record) return undefined;
    if (sameHash(record.accessTokenHash, hash)) {
      // A JWT row's stored secret is its jti: the bare jti is not a token.
      return record.tokenType === 'JWT' ? undefined : { record, kind: 'access' };
    }
    if (record.refreshTokenHash !== null && sameHash(record.refreshTokenHash, hash)) return { record, kind: 'refresh' };
    // Found by its selector, but not the token of that row.
    return undefined;
  }
}

/** Two lowercase hex SHA-256 hashes, compared in constant time. */
function sameHash(stored: string, presented: string): boolean {
  return stored.length === presented.length && timingSafeEqual(Buffer.from(stored, 'latin1'), Buffer.from(presented, 'latin1'));
}

/** Whether the access token of a row may be used at `now` (epoch seconds). */
export function accessTokenActive(record: TokenRecord, now: number): boolean {
  return record.state === 'ACTIVE' && now < record.expiresAt;
}

/** Whether the refresh token of a row may be used at `now` (epoch seconds). */
export function refreshTokenActive(record: TokenRecord, now: number): boolean {
  return record.state === 'ACTIVE' && record.refreshExpiresAt !== null && now < record.refreshExpiresAt;
}
