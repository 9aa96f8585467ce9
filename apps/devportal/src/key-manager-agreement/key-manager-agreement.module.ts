import { Global, Module } from '@nestjs/common';
import { KeyManagerAgreementService } from './key-manager-agreement.service.js';

/** Global so that the readiness check, which HealthModule instantiates, can reach the service. */
@Global()
@Module({
  providers: [KeyManagerAgreementService],
  exports: [KeyManagerAgreementService],
})
export class KeyManagerAgreementModule {}
