import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An authorization code (single use; `used_at` is set atomically when it is redeemed). */
@Entity({ name: 'authorization_codes' })
export class AuthorizationCodeEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  code!: string;

  @Column('text', { name: 'code_scheme' })
  codeScheme!: string;

  @Column('text', { name: 'code_hash' })
  codeHash!: string;

  @Column('text', { name: 'client_id' })
  clientId!: string;

  @Column('text')
  username!: string;

  @Column('text', { name: 'redirect_uri' })
  redirectUri!: string;

  /** The authorization request named the redirect URI, so the token request must repeat it (RFC 6749 §4.1.3). */
  @Column('boolean', { name: 'redirect_uri_in_request' })
  redirectUriInRequest!: boolean;

  @Column('text')
  scopes!: string;

  /** PKCE S256 challenge; null when the (confidential) client sent none. */
  @Column('text', { name: 'code_challenge', nullable: true })
  codeChallenge!: string | null;

  /** OIDC: the authorization request's `nonce`, repeated in the ID token. */
  @Column('text', { nullable: true })
  nonce!: string | null;

  /** OIDC: when the user signed in (the ID token's `auth_time`). */
  @Column('timestamptz', { name: 'auth_time', nullable: true })
  authTime!: Date | null;

  @Column('timestamptz', { name: 'issued_at' })
  issuedAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'used_at', nullable: true })
  usedAt!: Date | null;
}
