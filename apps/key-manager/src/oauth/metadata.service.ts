import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { DeploymentConfig } from '@app/config';
import { DEPLOYMENT_CONFIG, EncryptionService } from '@app/platform';

export interface AuthorizationServerMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  registration_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  response_types_supported: string[];
  response_modes_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  code_challenge_methods_supported: string[];
  authorization_response_iss_parameter_supported: boolean;
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
  ) {}

  describe(): AuthorizationServerMetadata {
    const base = this.config.server.publicUrl;
    return {
      issuer: this.config.oauth.issuer,
      authorization_endpoint: `${base}/oauth2/authorize`,
      token_endpoint: `${base}/oauth2/token`,
      jwks_uri: `${base}/oauth2/jwks`,
      registration_endpoint: `${base}/keymanager-operations/dcr/register`,
      revocation_endpoint: `${base}/oauth2/revoke`,
      introspection_endpoint: `${base}/oauth2/introspect`,
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['client_credentials', 'password', 'refresh_token', 'authorization_code'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    };
  }

  /** Every verification key (current and old), so tokens signed before a key rotation still verify. */
  jwks(): JsonWebKeySet {
    return {
      keys: this.encryption.verificationKeys.map((key) => {
        const jwk = key.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
        return {
          kty: 'RSA',
          n: jwk.n,
          e: jwk.e,
          kid: key.thumbprint,
          x5t: createHash('sha1').update(key.certificateDer).digest('base64url'),
          x5c: [key.certificateDer.toString('base64')],
          use: 'sig',
          alg: 'RS256',
        };
      }),
    };
  }
}
