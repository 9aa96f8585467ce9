import { Module } from '@nestjs/common';
import { ApplicationKeyCache } from './application-key-cache.js';

/** One {@link ApplicationKeyCache} per instance, for the key operations and for application deletes alike. */
@Module({
  providers: [ApplicationKeyCache],
  exports: [ApplicationKeyCache],
})
export class ApplicationKeyCacheModule {}
