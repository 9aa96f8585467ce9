import { Module, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApplicationKeysModule } from '../application-keys/application-keys.module.js';
import { ApplicationsModule } from '../applications/applications.module.js';
import { API_BASE } from '../common/api-base.js';
import { ErrorDto } from '../common/error.dto.js';
import { UsersModule } from '../users/users.module.js';
import { OpenApiDocumentHolder } from './openapi-document.holder.js';
import { OpenApiController } from './openapi.controller.js';

@Module({ controllers: [OpenApiController], providers: [OpenApiDocumentHolder] })
export class OpenApiModule {
  /** Builds the document from the API's controllers and DTOs and serves it at `/api/am/devportal/v3/openapi.json`. */
  static publish(app: INestApplication): void {
    const config = new DocumentBuilder()
      .setTitle('Developer Portal API')
      .setDescription(
        'WSO2 API Manager Developer Portal v3 compatible API: sign-up, log-in, applications and their OAuth2 keys. ' +
          `Errors are WSO2 ErrorDTO JSON. Base path /${API_BASE}.`,
      )
      .setVersion('v3')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An access_token from POST /login' })
      .build();
    const document = SwaggerModule.createDocument(app, config, {
      include: [UsersModule, ApplicationsModule, ApplicationKeysModule],
      extraModels: [ErrorDto],
    });
    app.get(OpenApiDocumentHolder).document = document;
  }
}
