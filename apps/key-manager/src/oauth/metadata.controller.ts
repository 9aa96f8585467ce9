import { Controller, Get, Header } from '@nestjs/common';
import { MetadataService, type AuthorizationServerMetadata, type JsonWebKeySet } from './metadata.service.js';

/** RFC 8414 metadata and the JWKS that verifies JWT access tokens. */
@Controller()
export class MetadataController {
  constructor(private readonly metadata: MetadataService) {}

  @Get('.well-known/oauth-authorization-server')
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
