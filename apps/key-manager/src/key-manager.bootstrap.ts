import type { INestApplication } from '@nestjs/common';
import { createHttpApplication, EncryptionService, keyManagerMicroservice, type ServiceContext } from '@app/platform';
import { registerCors } from './common/cors.hook.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { KeyManagerModule } from './key-manager.module.js';
import { FormBody } from './oauth/form-body.util.js';

/**
 * Starts the Key Manager: HTTP (OAuth2 endpoints, DCR, health, metrics) and the bus API (NATS queue group or
 * the in-process bus). Migrations run and stored secrets are checked before either starts taking requests.
 */
export async function startKeyManager(ctx: ServiceContext): Promise<INestApplication> {
  const { config, logger } = ctx;
  const app = await createHttpApplication(KeyManagerModule.forRoot(ctx), { config, logger, emptyJsonBodyIsAbsent: true });
  // Forms are parsed by hand: repeated parameters must stay visible (RFC 6749 §3.1 refuses them), and the
  // OAuth2 endpoints need nothing more than name/value pairs.
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: config.server.bodyLimitBytes }, (_request, body, done) => {
    try {
      done(null, FormBody.parse(body.toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.useGlobalFilters(new HttpErrorFilter(logger.child({ component: 'http' })));
  registerCors(app.getHttpAdapter().getInstance(), config.cors);
  app.connectMicroservice(keyManagerMicroservice(config, ctx.bus));
  try {
    await app.init();
    await app.startAllMicroservices();
    await app.listen(config.server.port, config.server.host);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  logger.info(
    { url: config.server.publicUrl, issuer: config.oauth.issuer, encryption: app.get(EncryptionService).profile },
    'key manager started',
  );
  return app;
}
