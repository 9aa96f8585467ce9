import { type DynamicModule, Global, Module } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { DeploymentConfig } from '@app/config';
import type { PeerService } from '@app/contracts';
import type { Logger } from 'pino';

/** Injection token of the validated {@link DeploymentConfig} the process was started with. */
export const DEPLOYMENT_CONFIG = Symbol('DEPLOYMENT_CONFIG');

/** Injection token of the process's root pino logger. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Who this process is on the bus and in logs. */
export class ProcessIdentity {
  /** Random per process start: names one instance of a scaled service. */
  readonly instanceId: string;
  /** `instanceId`: one decided earlier in the process (before tracing started); a new one by default. */
  constructor(
    readonly service: PeerService,
    instanceId?: string,
  ) {
    this.instanceId = instanceId ?? `${service}-${randomBytes(4).toString('hex')}`;
  }
}

/**
 * Makes the configuration, the process identity and the root logger injectable everywhere. The configuration is loaded
 * and validated before Nest starts (so a bad file never gets as far as opening a port), then handed in here.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(config: DeploymentConfig, identity: ProcessIdentity, logger: Logger): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [
        { provide: DEPLOYMENT_CONFIG, useValue: config },
        { provide: ProcessIdentity, useValue: identity },
        { provide: ROOT_LOGGER, useValue: logger },
      ],
      exports: [DEPLOYMENT_CONFIG, ProcessIdentity, ROOT_LOGGER],
    };
  }
}
