import { Injectable } from '@nestjs/common';
import { KeyManagerMetrics } from '../common/key-manager.metrics.js';
import { JwtService } from './jwt.service.js';
import { splitScopes } from './scopes.util.js';
import { accessTokenActive, refreshTokenActive, TokenLookup } from './token-lookup.service.js';

/** Who asks: the super admin and resource-server clients see every token; other clients their own. */
export type IntrospectionCaller = { kind: 'admin' } | { kind: 'client'; clientId: string; resourceServer: boolean };

/** RFC 7662 §2.2 response. */
export type IntrospectionResult =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id: string;
      username?: string;
      /** `Bearer` for access tokens, `refresh_token` for refresh tokens. */
      token_type: 'Bearer' | 'refresh_token';
      exp: number;
      iat: number;
      nbf: number;
      sub: string;
      aud: string;
      iss: string;
      jti: string;
    };

const INACTIVE: IntrospectionResult = Object.freeze({ active: false });

/**
 * Token introspection: a look-up by hash (after verifying a JWT's signature with a public key), never a
 * decryption and never a private-key operation. Unknown, expired, revoked and invisible tokens all answer
 * `{active: false}` alike.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly lookup: TokenLookup,
    private readonly jwt: JwtService,
    private readonly metrics: KeyManagerMetrics,
  ) {}

  async introspect(token: string, caller: IntrospectionCaller, via: 'http' | 'nats', hint?: 'access_token' | 'refresh_token'): Promise<IntrospectionResult> {
    const result = await this.evaluate(token, caller, hint);
    this.metrics.introspections.inc({ result: result.active ? 'active' : 'inactive', via });
    return result;
  }

  private async evaluate(token: string, caller: IntrospectionCaller, _hint?: string): Promise<IntrospectionResult> {
    // The hint only orders a search; one query covers both columns, so it changes nothing here (RFC 7662 §2.1).
    const found = await this.lookup.find(token);
    if (!found) return INACTIVE;
    const { record, kind, claims } = found;
    const visible = caller.kind === 'admin' || caller.resourceServer || caller.clientId === record.clientId;
    if (!visible) return INACTIVE;
    const now = Math.floor(Date.now() / 1000);
    if (kind === 'access' ? !accessTokenActive(record, now) : !refreshTokenActive(record, now)) return INACTIVE;
    const username = record.username ?? undefined;
    return {
      active: true,
      scope: record.scopes,
      client_id: record.clientId,
      ...(username !== undefined ? { username } : {}),
      token_type: kind === 'access' ? 'Bearer' : 'refresh_token',
      exp: kind === 'access' ? record.expiresAt : record.refreshExpiresAt!,
      iat: record.issuedAt,
      nbf: record.issuedAt,
      sub: username ?? record.clientId,
      aud: record.clientId,
      // A WSO2 JWT (imported) keeps WSO2's issuer; everything else is ours.
      iss: claims?.iss ?? this.jwt.issuer,
      jti: claims?.jti ?? record.id,
    };
  }

  /** The scopes of an active result as a list. */
  static scopesOf(result: IntrospectionResult): string[] {
    return result.active ? splitScopes(result.scope) : [];
  }
}
