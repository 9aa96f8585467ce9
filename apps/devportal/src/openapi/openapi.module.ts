import { Module, type INestApplication } from '@nestjs/common';
import { buildOpenApiDocument } from './openapi.document.js';
import { OpenApiDocumentHolder } from './openapi-document.holder.js';
import { OpenApiController } from './openapi.controller.js';

@Module({ controllers: [OpenApiController], providers: [OpenApiDocumentHolder] })
export class OpenApiModule {
  /** Builds the document from the API's controllers and DTOs and serves it at `/api/am/devportal/v3/openapi.json`. */
  static publish(app: INestApplication): void {
    app.get(OpenApiDocumentHolder).document = buildOpenApiDocument(app);
  }
}
