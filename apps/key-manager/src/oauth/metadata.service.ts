import { Inject, Injectable } from '@nestjs/common';
import { createHash, type KeyObject } from 'node:crypto';
import type { DeploymentConfig } from '@app/config';
import { GRANT_TYPES } from '@app/contracts';
import { DEPLOYMENT_CONFIG, EncryptionService } from '@app/platform';
import { Wso2JwtKeys } from '../tokens/wso2-jwt-keys.service.js';
import { CLIENT_AUTH_METHODS } from './client-authenticator.service.js';

/**
 * RFC 8414 authorization server metadata, which is also the OpenID Provider metadata (OIDC Discovery §3):
 * one document, served at every discovery path.
 */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  registration_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  device_authorization_endpoint: string;
  scopes_supported: string[];
  response_types_supported: string[];
  response_modes_supported: string[];
  grant_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
  claims_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  code_challenge_methods_supported: string[];
  authorization_response_iss_parameter_supported: boolean;
  claims_parameter_supported: boolean;
  request_parameter_supported: boolean;
  request_uri_parameter_supported: boolean;
}

export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  x5t: string;
  x5c: string[];
  use: 'sig';
  alg: 'RS256';
}

export interface JsonWebKeySet {
  keys: PublicJwk[];
}

/** What the Key Manager says about itself: only what it does (RFC 8414 asks for truthful metadata). */
@Injectable()
export class MetadataService {
  constructor(
    private readonly encryption: EncryptionService,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    private readonly wso2Keys: Wso2JwtKeys,
  ) {}

  private document: AuthorizationServerMetadata | undefined;

  /** The metadata (built once: it depends on the configuration only). Endpoint paths are WSO2's. */
  describe(): AuthorizationServerMetadata {
    this.document ??= this.build();
    return this.document;
  }

  private build(): AuthorizationServerMetadata {
    const base = this.config.server.publicUrl;
    return {
      issuer: this.config.oauth.issuer,
      authorization_endpoint: `${base}/oauth2/authorize`,
      token_endpoint: `${base}/oauth2/token`,
      userinfo_endpoint: `${base}/oauth2/userinfo`,
      jwks_uri: `${base}/oauth2/jwks`,
      registration_endpoint: `${base}/keymanager-operations/dcr/register`,
      revocation_endpoint: `${base}/oauth2/revoke`,
      introspection_endpoint: `${base}/oauth2/introspect`,
      device_authorization_endpoint: `${base}/oauth2/device_authorize`,
      scopes_supported: ['openid'],
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: [...GRANT_TYPES],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['sub', 'iss', 'aud', 'azp', 'exp', 'iat', 'nbf', 'jti', 'auth_time', 'nonce', 'at_hash', 'c_hash'],
      token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS.token],
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS.revocation],
      introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS.introspection],
      // As WSO2 lists them (identity-inbound-auth-oauth OAuth2Util.getSupportedCodeChallengeMethods: S256, plain):
      // `plain` is accepted from a client that opts in (WSO2's pkceSupportPlain) and refused from any other.
      code_challenge_methods_supported: ['S256', 'plain'],
      authorization_response_iss_parameter_supported: true,
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
    };
  }

  /**
   * Every verification key (current and old), so tokens signed before a key rotation still verify; and the
   * signing keys of imported WSO2 Key Managers under WSO2's own `kid`s, so WSO2's JWTs verify here too.
   */
  jwks(): JsonWebKeySet {
    const own = this.encryption.verificationKeys.map((key) => jwkOf(key.thumbprint, key.publicKey, key.certificateDer));
    const wso2 = this.wso2Keys.all().map((key) => jwkOf(key.kid, key.publicKey, key.certificateDer));
    return { keys: [...own, ...wso2] };
  }
}

function jwkOf(kid: string, publicKey: KeyObject, certificateDer: Buffer): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  return {
    kty: 'RSA',
    n: jwk.n,
    e: jwk.e,
    kid,
    x5t: createHash('sha1').update(certificateDer).digest('base64url'),
    x5c: [certificateDer.toString('base64')],
    use: 'sig',
    alg: 'RS256',
  };
}
