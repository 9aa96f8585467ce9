import {
  type ArgumentsHost,
  Catch,
  type CallHandler,
  createParamDecorator,
  type ExecutionContext,
  Inject,
  Injectable,
  Optional,
  type NestInterceptor,
  type RpcExceptionFilter,
  SetMetadata,
  ValidationPipe,
  type ValidationError,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RpcException } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { from, map, mergeMap, type Observable, throwError } from 'rxjs';
import type { Logger } from 'pino';
import { RpcErrorCodes, type RpcErrorBody, type RpcReply, type RpcRequest } from '@app/contracts';
import { isDatabaseUnavailable } from '../database/database-faults.js';
import { EncryptionService } from '../encryption/encryption.service.js';
import { attemptOf, definesNewCredentials, findRefusedCharacter, NEW_CREDENTIALS, REFUSED_CREDENTIAL_REPORTER, type RefusedCredentialReporter } from '../http/input-guard.js';
import { ProcessIdentity, ROOT_LOGGER } from '../runtime/runtime.module.js';
import { DeploymentIdentity } from './deployment-identity.js';

const SKIP_PROFILE_CHECK = Symbol('SKIP_PROFILE_CHECK');

/** Marks a handler that answers whatever the caller's profile (the profile query itself). */
export const SkipProfileCheck = (): MethodDecorator => SetMetadata(SKIP_PROFILE_CHECK, true);

/** The `data` of the request envelope: the handler's payload. Pair with {@link rpcValidationPipe}. */
export const RpcData = createParamDecorator((_: unknown, ctx: ExecutionContext) => (ctx.switchToRpc().getData() as RpcRequest<unknown>).data);

/** The request id the caller attached (for log correlation). */
export const RpcRequestId = createParamDecorator((_: unknown, ctx: ExecutionContext) => (ctx.switchToRpc().getData() as RpcRequest<unknown>).requestId);

function flatten(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    return [...Object.values(e.constraints ?? {}).map((m) => (m.startsWith(e.property) ? `${prefix ? prefix + '.' : ''}${m}` : `${path}: ${m}`)), ...flatten(e.children ?? [], path)];
  });
}

/** Validates `@RpcData()` payloads against their contract class; unknown fields are refused, not dropped. */
export const rpcValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  validateCustomDecorators: true,
  exceptionFactory: (errors) =>
    new RpcException({ code: RpcErrorCodes.InvalidRequest, message: `invalid request: ${flatten(errors).join('; ')}` } satisfies RpcErrorBody),
});

/**
 * The server side of the request envelope. Refuses, before any handler runs, a request from another
 * deployment (stable code FOREIGN_DEPLOYMENT: two deployments share the NATS server and subject prefix;
 * logged once per sender instance) and one whose sender would store secrets differently (stable code
 * ENCRYPTION_PROFILE_MISMATCH, naming the differing settings, logged on this side too), and wraps every
 * reply with this node's identity, deployment and profile so the caller can check it in turn.
 */
@Injectable()
export class RpcEnvelopeInterceptor implements NestInterceptor {
  private readonly logger: Logger;

  constructor(
    private readonly encryption: EncryptionService,
    @Inject(ProcessIdentity) private readonly identity: ProcessIdentity,
    private readonly reflector: Reflector,
    private readonly deployment: DeploymentIdentity,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Optional() @Inject(REFUSED_CREDENTIAL_REPORTER) private readonly reportRefusedCredential?: RefusedCredentialReporter,
  ) {
    this.logger = logger.child({ component: 'rpc' });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const request = context.switchToRpc().getData() as Partial<RpcRequest<unknown>> | null;
    const sender = request?.sender;
    if (!sender || typeof sender.profile?.fingerprint !== 'string' || typeof sender.instanceId !== 'string') {
      return throwError(() => new RpcException({ code: RpcErrorCodes.InvalidRequest, message: 'request envelope without sender and profile' } satisfies RpcErrorBody));
    }
    if (this.deployment.isForeign(sender.deployment)) {
      this.deployment.noteForeign({ service: sender.service, instanceId: sender.instanceId, deployment: sender.deployment }, 'request');
      return throwError(
        () =>
          new RpcException({
            code: RpcErrorCodes.ForeignDeployment,
            message: `${this.identity.service} instance ${this.identity.instanceId} belongs to deployment ${this.deployment.id}, not ${sender.deployment}: nothing was done`,
            details: { deployment: this.deployment.id, instanceId: this.identity.instanceId, service: this.identity.service },
          } satisfies RpcErrorBody),
      );
    }
    // The same edge rule as HTTP (`guardRequest`): no NUL anywhere, no control character in a credential id.
    // Sign-up's user name and password are new credentials, not a log-in (NewCredentials).
    const refused = findRefusedCharacter(request.data);
    if (refused) {
      const where = refused.field ? `field ${refused.field}` : 'the request';
      const credential = definesNewCredentials(this.reflector.get<unknown>(NEW_CREDENTIALS, context.getHandler())) ? undefined : refused.credential;
      const refusal = () =>
        new RpcException({
          code: credential ? RpcErrorCodes.InvalidCredentials : RpcErrorCodes.InvalidRequest,
          message: `${where} contains a control character or NUL, which is never valid here`,
        } satisfies RpcErrorBody);
      if (!credential || !this.reportRefusedCredential) return throwError(refusal);
      // A refused credential is a failed attempt: the throttle counts it, and may answer THROTTLED instead.
      const source = (request.data as { sourceAddress?: unknown } | null)?.sourceAddress;
      const attempt = { ...attemptOf(credential, request.data, undefined), address: typeof source === 'string' ? source : undefined, path: 'bus' };
      return from(this.reportRefusedCredential(attempt)).pipe(mergeMap(() => throwError(refusal)));
    }
    const skip = this.reflector.get<boolean>(SKIP_PROFILE_CHECK, context.getHandler());
    if (!skip) {
      const check = this.encryption.check(sender.profile);
      if (!check.compatible) {
        const message = `encryption settings differ between ${sender.service} instance ${sender.instanceId} and ${this.identity.service} instance ${this.identity.instanceId}: ${check.differences.join('; ')}`;
        this.logger.error({ requestId: request.requestId, sender: sender.instanceId, differences: check.differences }, `refused request: ${message}`);
        return throwError(
          () =>
            new RpcException({
              code: RpcErrorCodes.ProfileMismatch,
              message,
              details: { differences: check.differences, sender: sender.profile, receiver: this.encryption.profile, receiverInstance: this.identity.instanceId },
            } satisfies RpcErrorBody),
        );
      }
    }
    return next.handle().pipe(
      map((data): RpcReply<unknown> => ({
        responder: {
          service: this.identity.service,
          instanceId: this.identity.instanceId,
          profile: this.encryption.profile,
          ...(this.deployment.id ? { deployment: this.deployment.id } : {}),
        },
        data,
      })),
    );
  }
}

/** Maps an application error to a reply body; return undefined for "not mine" (→ internal error). */
export type RpcErrorMapper = (error: unknown) => RpcErrorBody | undefined;

/**
 * Turns every error into a coded reply. Known errors are mapped by the application's mapper; a database
 * that cannot be reached is UNAVAILABLE (the caller retries); anything else is logged with an error id and answered as INTERNAL with that id — never a stack or a message that might
 * hold a secret.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(
    private readonly logger: Logger,
    private readonly mapError: RpcErrorMapper,
  ) {}

  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    if (exception instanceof RpcException) {
      const body = exception.getError();
      return throwError(() => body);
    }
    const mapped = this.mapError(exception);
    if (mapped) return throwError(() => mapped);
    if (isDatabaseUnavailable(exception)) {
      // The caller tries another instance, or again shortly: the database is restarting or the connection dropped.
      return throwError(() => ({ code: RpcErrorCodes.Unavailable, message: 'the database is not reachable right now' }) satisfies RpcErrorBody);
    }
    const errorId = randomUUID();
    this.logger.error({ errorId, err: exception }, 'unhandled error in message handler');
    return throwError(() => ({ code: RpcErrorCodes.Internal, message: `internal error (error id ${errorId})` }) satisfies RpcErrorBody);
  }
}
