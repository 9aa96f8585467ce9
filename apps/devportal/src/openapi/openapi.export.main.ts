// Writes the portal's OpenAPI document to the file named by argv[2] without starting anything: Nest's
// preview mode creates no provider, and the controllers' services are stand-ins, so no database, bus or
// keystore is touched. scripts/build.mjs runs it to generate the web app's API types.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { writeFileSync } from 'node:fs';
import { ApplicationKeysController } from '../application-keys/application-keys.controller.js';
import { ApplicationKeysService } from '../application-keys/application-keys.service.js';
import { ApplicationSecretsController } from '../application-keys/application-secrets.controller.js';
import { ApplicationSecretsService } from '../application-keys/application-secrets.service.js';
import { ApplicationsController } from '../applications/applications.controller.js';
import { ApplicationsService } from '../applications/applications.service.js';
import { TokenValidationService } from '../auth/token-validation.service.js';
import { UsersController } from '../users/users.controller.js';
import { UsersService } from '../users/users.service.js';
import { WebSessionService } from '../web-session/web-session.service.js';
import { buildOpenApiDocument } from './openapi.document.js';

// The document is made from the controllers and their DTOs alone: the services behind them are never called.
const unused = (token: unknown) => ({ provide: token as never, useValue: {} });
@Module({
  controllers: [UsersController, ApplicationsController, ApplicationKeysController, ApplicationSecretsController],
  providers: [UsersService, ApplicationsService, ApplicationKeysService, ApplicationSecretsService, TokenValidationService, WebSessionService].map(unused),
})
class OpenApiExportModule {}

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: openapi.export.main.js <file>\n');
  process.exit(64);
}
const app = await NestFactory.create(OpenApiExportModule, new FastifyAdapter(), { preview: true, logger: false, abortOnError: false });
writeFileSync(out, JSON.stringify(buildOpenApiDocument(app, [OpenApiExportModule]), null, 2) + '\n');
await app.close();
