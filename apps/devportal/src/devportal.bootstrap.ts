import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApplication, type ServiceContext } from '@app/platform';
import { DevportalModule } from './devportal.module.js';
import { KeyManagerAgreementService } from './key-manager-agreement/key-manager-agreement.service.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { serveWebApp } from './web/web-app.js';
import { WebSessionService } from './web-session/web-session.service.js';

/**
 * Starts the Developer Portal: migrations and the stored-secrets check (Nest init), then the agreement
 * check with the Key Manager, and only then the HTTP listener. Rejects (after closing what was opened)
 * when any step fails, so `runServiceMain` exits non-zero with the reason.
 */
export async function startDevportal(ctx: ServiceContext): Promise<INestApplication> {
  const app: NestFastifyApplication = await createHttpApplication(DevportalModule.forRoot(ctx), {
    config: ctx.config,
    logger: ctx.logger,
    // Errors must reach the caller (not exit the process); JSON is the only body type the API takes.
    nest: { abortOnError: false, bodyParser: false },
    // WSO2's generated client, Postman collections and WSO2's curl examples send `Content-Type:
    // application/json` with no body on DELETE and on body-less POSTs (`regenerate-secret`): no body, not an
    // error (an endpoint that needs one still says so).
    emptyJsonBodyIsAbsent: true,
  });
  try {
    const fastify = app.getHttpAdapter().getInstance();
    // Fastify parses text/plain by default; without it, other bodies get a 415 instead of reaching validation as strings.
    fastify.removeContentTypeParser('text/plain');
    OpenApiModule.publish(app);
    serveWebApp(app, ctx.logger);
    await app.init();
    await app.get(KeyManagerAgreementService).verifyAtStartup();
    // The web app's sign-in needs the portal's callback URL at the Key Manager; a failure here is retried at the first sign-in.
    await app.get(WebSessionService).registerCallback('startup').catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not register the web sign-in callback with the Key Manager yet'));
    await app.listen({ port: ctx.config.server.port, host: ctx.config.server.host });
    ctx.logger.info({ url: ctx.config.server.publicUrl }, `devportal listening on ${ctx.config.server.host}:${ctx.config.server.port}`);
    return app;
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}
