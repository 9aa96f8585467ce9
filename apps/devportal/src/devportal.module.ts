import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { DatabaseModule, EncryptionModule, HealthModule, MessagingModule, MetricsModule, RuntimeModule, type ServiceContext } from '@app/platform';
import { ApplicationKeysModule } from './application-keys/application-keys.module.js';
import { ApplicationsModule } from './applications/applications.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CryptoErrorFilter } from './common/filters/crypto-error.filter.js';
import { DevportalErrorFilter } from './common/filters/devportal-error.filter.js';
import { HttpExceptionFilter } from './common/filters/http-exception.filter.js';
import { KeyManagerErrorFilter } from './common/filters/key-manager-error.filter.js';
import { UnhandledErrorFilter } from './common/filters/unhandled-error.filter.js';
import { createValidationPipe } from './common/validation.pipe.js';
import { KeyManagerAgreementModule } from './key-manager-agreement/key-manager-agreement.module.js';
import { KeyManagerReadinessCheck } from './key-manager-agreement/key-manager-readiness.check.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { DEVPORTAL_ENTITIES, DEVPORTAL_MIGRATIONS } from './persistence/persistence.js';
import { UsersModule } from './users/users.module.js';
import { WebSessionModule } from './web-session/web-session.module.js';

/** The Developer Portal: platform plumbing, then the portal's features. */
@Module({})
export class DevportalModule {
  static forRoot(ctx: ServiceContext): DynamicModule {
    return {
      module: DevportalModule,
      imports: [
        RuntimeModule.forRoot(ctx.config, ctx.identity, ctx.logger),
        MetricsModule,
        DatabaseModule.forRoot({ entities: DEVPORTAL_ENTITIES, migrations: DEVPORTAL_MIGRATIONS }),
        EncryptionModule,
        MessagingModule.forRoot(ctx.bus),
        KeyManagerAgreementModule,
        HealthModule.forRoot([KeyManagerReadinessCheck]),
        AuthModule,
        UsersModule,
        ApplicationsModule,
        ApplicationKeysModule,
        OpenApiModule,
        WebSessionModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        // Nest tries the global filters last-registered first: the catch-all goes first in this list.
        { provide: APP_FILTER, useClass: UnhandledErrorFilter },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_FILTER, useClass: CryptoErrorFilter },
        { provide: APP_FILTER, useClass: KeyManagerErrorFilter },
        { provide: APP_FILTER, useClass: DevportalErrorFilter },
      ],
    };
  }
}
