import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '@app/platform';

/** The Key Manager's own counters, on the service's registry (exposed at /metrics). */
@Injectable()
export class KeyManagerMetrics {
  readonly tokensIssued: Counter<'grant_type' | 'token_type'>;
  readonly introspections: Counter<'result' | 'via'>;
  readonly clientAuthFailures: Counter<'reason'>;
  readonly secretsSealed: Counter<'when'>;
  readonly authFailures: Counter<'credential'>;
  readonly authThrottled: Counter<'credential' | 'limit'>;
  readonly authLocks: Counter<'credential' | 'limit'>;

  constructor(@Inject(MetricsRegistry) metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.tokensIssued = new Counter({
      name: 'key_manager_tokens_issued_total',
      help: 'Access tokens issued, by grant type and token type (JWT or Default = opaque)',
      labelNames: ['grant_type', 'token_type'],
      registers,
    });
    this.introspections = new Counter({
      name: 'key_manager_introspections_total',
      help: 'Token introspections (HTTP /oauth2/introspect and NATS km.tokens.validate) by result',
      labelNames: ['result', 'via'],
      registers,
    });
    this.clientAuthFailures = new Counter({
      name: 'key_manager_client_authentication_failures_total',
      help: 'Failed client (and super_admin) authentications, by reason; throttled = refused by the authentication throttle',
      labelNames: ['reason'],
      registers,
    });
    this.secretsSealed = new Counter({
      name: 'key_manager_secrets_sealed_total',
      help: 'Issued secrets sealed with RSA-OAEP: ahead (from the sealed-secret reserve) or on_request (the reserve was empty)',
      labelNames: ['when'],
      registers,
    });
    this.authFailures = new Counter({
      name: 'key_manager_auth_failures_total',
      help: 'Wrong credentials counted by the authentication throttle, by credential (user, client, admin, user_code)',
      labelNames: ['credential'],
      registers,
    });
    this.authThrottled = new Counter({
      name: 'key_manager_auth_throttled_total',
      help: 'Authentication attempts refused by the throttle (429), by credential and the limit that held them (account, account_address, address)',
      labelNames: ['credential', 'limit'],
      registers,
    });
    this.authLocks = new Counter({
      name: 'key_manager_auth_locks_total',
      help: 'Failures that locked (or lengthened the lock of) a throttle counter, by credential and limit',
      labelNames: ['credential', 'limit'],
      registers,
    });
  }
}
