import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { DeploymentConfig } from '@app/config';
import { SecretKinds } from '@app/crypto';
import { DEVICE_CODE_GRANT } from '@app/contracts';
import { DEPLOYMENT_CONFIG } from '@app/platform';
import { AuthThrottle } from '../../common/auth-throttle.service.js';
import { OAuthError } from '../../common/key-manager.errors.js';
import { ClientsRepository, type ClientRecord } from '../../persistence/clients.repository.js';
import { DeviceAuthorizationsRepository, type DeviceAuthorizationRecord } from '../../persistence/device-authorizations.repository.js';
import { FreshSecrets } from '../../tokens/fresh-secrets.service.js';
import { formatScopes, grantableScopes, splitScopes } from '../../tokens/scopes.util.js';
import { UsersService } from '../../users/users.service.js';
import { newUserCode, normalizeUserCode } from './user-code.util.js';

/** RFC 8628 §3.2 device authorization response (WSO2's DeviceEndpoint answers the same fields). */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** What the verification page shows about a pending request. */
export interface PendingDeviceRequest {
  userCode: string;
  clientId: string;
  clientName: string;
  scopes: string[];
}

/** The outcome of the verification page's form. */
export type DeviceDecision = 'approved' | 'denied' | 'bad_credentials';

/** Why a user code cannot be used: unknown, expired or already decided — told apart only as "not valid". */
export class UnusableUserCodeError extends Error {
  override readonly name = 'UnusableUserCodeError';
}

const USER_CODE_ATTEMPTS = 5;

function userCodeHash(code: string): string {
  return createHash('sha256').update(code, 'ascii').digest('hex');
}

/**
 * The device authorization grant's front half (RFC 8628 §3.1–3.3): a client starts a request and gets a
 * device code and a user code; the user enters the code at the verification page, signs in and approves or
 * denies. The device then polls the token endpoint (TokensService.deviceCode).
 */
@Injectable()
export class DeviceFlowService {
  private readonly verificationUri: string;

  constructor(
    private readonly devices: DeviceAuthorizationsRepository,
    private readonly clients: ClientsRepository,
    private readonly users: UsersService,
    private readonly secrets: FreshSecrets,
    private readonly throttle: AuthThrottle,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
  ) {
    this.verificationUri = `${config.server.publicUrl}/oauth2/device`;
  }

  async start(client: ClientRecord, scopes: string[]): Promise<DeviceAuthorizationResponse> {
    if (!client.grantTypes.includes(DEVICE_CODE_GRANT)) throw new OAuthError('unauthorized_client', `the client is not allowed to use the ${DEVICE_CODE_GRANT} grant`);
    const { expirySec, intervalSec } = this.config.oauth.deviceFlow;
    const deviceCode = this.secrets.next(SecretKinds.DeviceCode);
    const now = Math.floor(Date.now() / 1000);
    for (let attempt = 0; attempt < USER_CODE_ATTEMPTS; attempt++) {
      const userCode = newUserCode();
      const inserted = await this.devices.insert({
        id: randomUUID(),
        deviceCode: deviceCode.protected,
        userCodeHash: userCodeHash(normalizeUserCode(userCode)!),
        clientId: client.clientId,
        // Only what the client may have is recorded and shown on the approval page; the rest is dropped.
        scopes: formatScopes(grantableScopes(scopes, client.scopes)),
        issuedAt: now,
        expiresAt: now + expirySec,
        pollingInterval: intervalSec,
      });
      if (!inserted) continue;
      const complete = new URL(this.verificationUri);
      complete.searchParams.set('user_code', userCode);
      return {
        device_code: deviceCode.secret,
        user_code: userCode,
        verification_uri: this.verificationUri,
        verification_uri_complete: complete.toString(),
        expires_in: expirySec,
        interval: intervalSec,
      };
    }
    throw new Error('no free user code after several attempts');
  }

  /**
   * The pending request a user code names, for the verification page. Wrong codes count as failed attempts
   * for the address (guessing codes is guessing credentials).
   *
   * @throws UnusableUserCodeError, AuthThrottledError
   */
  async pending(typed: string, ip: string): Promise<PendingDeviceRequest> {
    const { record, userCode } = await this.find(typed, ip);
    const client = await this.clients.findDetails(record.clientId);
    return { userCode, clientId: record.clientId, clientName: client?.clientName ?? record.clientId, scopes: splitScopes(record.scopes) };
  }

  /**
   * The user's answer on the verification page: deny, or approve after signing in.
   *
   * @throws UnusableUserCodeError, AuthThrottledError (the code or the sign-in is held by the throttle)
   */
  async decide(typed: string, ip: string, answer: { approve: false } | { approve: true; username: string; password: string }): Promise<DeviceDecision> {
    const { record } = await this.find(typed, ip);
    if (!answer.approve) {
      if (!(await this.devices.decide(record.id, { approved: false }))) throw new UnusableUserCodeError('the code is no longer pending');
      return 'denied';
    }
    const user = await this.users.verify(answer.username, answer.password, ip);
    if (!user) return 'bad_credentials';
    const approved = await this.devices.decide(record.id, { approved: true, username: user.username, authTime: Math.floor(Date.now() / 1000) });
    if (!approved) throw new UnusableUserCodeError('the code is no longer pending');
    return 'approved';
  }

  /** A typed user code under the throttle: each wrong code is a failed attempt (guessing codes is guessing credentials). */
  private async find(typed: string, ip: string): Promise<{ record: DeviceAuthorizationRecord; userCode: string }> {
    const code = normalizeUserCode(typed);
    const hash = code === undefined ? createHash('sha256').update(typed, 'utf8').digest('hex') : userCodeHash(code);
    const record = await this.throttle.verify({ kind: 'user_code', account: hash, address: ip }, async () => {
      const found = code === undefined ? undefined : await this.devices.findByUserCode(hash);
      return found && found.status === 'PENDING' && found.expiresAt > Date.now() / 1000 ? found : undefined;
    });
    if (!record) throw new UnusableUserCodeError('unknown, expired or already used');
    return { record, userCode: `${code!.slice(0, 4)}-${code!.slice(4)}` };
  }
}
