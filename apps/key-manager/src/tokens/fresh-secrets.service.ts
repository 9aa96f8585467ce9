import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { SELECTOR_SECRET_BYTES, type SecretKind, type TokenProcessor } from '@app/crypto';
import { DEPLOYMENT_CONFIG, EncryptionService, ROOT_LOGGER } from '@app/platform';
import { KeyManagerMetrics } from '../common/key-manager.metrics.js';
import { SealedSecretReserve, type FreshSecret } from './sealed-secret-reserve.js';
import { newSelectorSecret } from './secret-generator.util.js';

/**
 * Where issued secrets come from: opaque access tokens, refresh tokens and authorization codes, each new
 * and random, with what to store for it under the encryption settings in force at this moment. With
 * RSA-OAEP they come sealed ahead from a {@link SealedSecretReserve} (`[encryption] sealed_secret_reserve`)
 * when one is ready, otherwise they are sealed here and now; either way the result is the same.
 */
@Injectable()
export class FreshSecrets implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  private reserve: SealedSecretReserve | undefined;
  /** The processor the current reserve (if any) was made for. */
  private reserveFor: TokenProcessor | undefined;
  private failed = false;

  constructor(
    private readonly encryption: EncryptionService,
    private readonly metrics: KeyManagerMetrics,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'fresh-secrets' });
  }

  onModuleInit(): void {
    this.follow(this.encryption.processor);
  }

  async onModuleDestroy(): Promise<void> {
    await this.reserve?.close();
    this.reserve = undefined;
  }

  /** A new secret of this kind and what to store for it (value, scheme, lookup hash). */
  next(kind: SecretKind): FreshSecret {
    // Fetched now, not cached: a coordinated switch of encryption settings applies to the next secret.
    const processor = this.encryption.processor;
    if (processor !== this.reserveFor) this.follow(processor);
    if (this.reserve) {
      const ready = this.reserve.take();
      this.metrics.secretsSealed.inc({ when: ready ? 'ahead' : 'on_request' });
      if (ready) return ready;
    }
    const secret = newSelectorSecret();
    return { secret, protected: processor.protect(kind, secret) };
  }

  /** The current reserve, for tests. */
  get currentReserve(): SealedSecretReserve | undefined {
    return this.reserve;
  }

  /** Drops the reserve of the previous settings (its secrets were sealed for them) and starts one for these. */
  private follow(processor: TokenProcessor): void {
    const previous = this.reserve;
    this.reserveFor = processor;
    this.reserve = undefined;
    void previous?.close();
    if (this.failed) return;
    try {
      this.reserve = SealedSecretReserve.for(processor, {
        capacity: this.config.encryption.sealedSecretReserve,
        secretBytes: SELECTOR_SECRET_BYTES,
        onFailure: (error) => this.stopReserve(error),
      });
    } catch (error) {
      this.stopReserve(error as Error);
    }
  }

  private stopReserve(error: Error): void {
    this.failed = true;
    this.reserve = undefined;
    this.logger.warn({ reason: error.message }, 'sealing ahead stopped; secrets are sealed on each request from now on');
  }
}
