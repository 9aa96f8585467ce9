import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { API_BASE } from '../common/api-base.js';
import { OpenApiDocumentHolder } from './openapi-document.holder.js';

@ApiExcludeController()
@Controller(API_BASE)
export class OpenApiController {
  constructor(private readonly holder: OpenApiDocumentHolder) {}

  /** The API's OpenAPI 3 document (public, like WSO2's swagger.yaml). */
  @Get('openapi.json')
  @Header('Cache-Control', 'public, max-age=300')
  document(): OpenAPIObject {
    if (!this.holder.document) throw new ServiceUnavailableException('the OpenAPI document is not built yet');
    return this.holder.document;
  }
}
