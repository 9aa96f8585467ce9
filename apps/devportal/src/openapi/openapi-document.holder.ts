import { Injectable } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';

/** The OpenAPI document, built once at start from the controllers and DTOs (see devportal.bootstrap.ts). */
@Injectable()
export class OpenApiDocumentHolder {
  document: OpenAPIObject | undefined;
}
