import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type SwaggerDocumentOptions } from '@nestjs/swagger';
import { ApplicationKeysModule } from '../application-keys/application-keys.module.js';
import { ApplicationsModule } from '../applications/applications.module.js';
import { API_BASE } from '../common/api-base.js';
import { ErrorDto } from '../common/error.dto.js';
import { UsersModule } from '../users/users.module.js';

/** The API's OpenAPI 3 document, built from its controllers and DTOs (at start, and at build time for the web app's types). */
export function buildOpenApiDocument(app: INestApplication, modules: NonNullable<SwaggerDocumentOptions['include']> = [UsersModule, ApplicationsModule, ApplicationKeysModule]): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Developer Portal API')
    .setDescription(
      'WSO2 API Manager Developer Portal v3 compatible API: sign-up, log-in, applications and their OAuth2 keys. ' +
        `Errors are WSO2 ErrorDTO JSON. Base path /${API_BASE}.`,
    )
    .setVersion('v3')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An access_token from POST /login' })
    .build();
  return SwaggerModule.createDocument(app, config, {
    include: modules,
    extraModels: [ErrorDto],
  });
}
