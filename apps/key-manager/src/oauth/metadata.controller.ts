import { Controller, Get, Header } from '@nestjs/common';
import { MetadataService, type AuthorizationServerMetadata, type JsonWebKeySet } from './metadata.service.js';

/**
 * Discovery — RFC 8414 and OpenID Connect Discovery serve one document — and the JWKS that verifies JWT
 * access tokens and ID tokens. Besides the standard paths for an issuer without a path, WSO2's: its OIDC
 * discovery at `/oauth2/{token|oidcdiscovery}/.well-known/openid-configuration` (OIDCDiscoveryEndpoint) —
 * where a client finds it from WSO2's issuer `https://host/oauth2/token` — and its RFC 8414 document at
 * `/oauth2/token/.well-known/oauth-authorization-server` (AuthzServerMetadataEndpoint).
 */
@Controller()
export class MetadataController {
  constructor(private readonly metadata: MetadataService) {}

  @Get([
    '.well-known/oauth-authorization-server',
    '.well-known/oauth-authorization-server/oauth2/token',
    'oauth2/token/.well-known/oauth-authorization-server',
    '.well-known/openid-configuration',
    'oauth2/token/.well-known/openid-configuration',
    'oauth2/oidcdiscovery/.well-known/openid-configuration',
  ])
  @Header('Cache-Control', 'public, max-age=300')
  discovery(): AuthorizationServerMetadata {
    return this.metadata.describe();
  }

  @Get('oauth2/jwks')
  @Header('Cache-Control', 'public, max-age=300')
  @Header('Content-Type', 'application/jwk-set+json')
  jwks(): JsonWebKeySet {
    return this.metadata.jwks();
  }
}
