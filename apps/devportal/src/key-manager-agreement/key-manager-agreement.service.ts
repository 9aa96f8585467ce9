import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DeploymentConfig } from '@app/config';
import { KeyManagerPatterns, RpcErrorCodes, type ProfileView } from '@app/contracts';
import { DEPLOYMENT_CONFIG, DeploymentIdentity, DeploymentWatch, EncryptionService, KeyManagerCallError, KeyManagerClient, ROOT_LOGGER } from '@app/platform';

/** The outcome of the last comparison with the Key Manager. */
export type AgreementState =
  | { state: 'unknown' }
  | { state: 'agreed'; checkedAt: Date; keyManagerFingerprint: string; deployment?: string }
  | { state: 'mismatch'; checkedAt: Date; differences: string[] }
  | { state: 'unreachable'; checkedAt: Date; message: string };

/** Start-up refused: the Key Manager would store secrets differently, or never answered. */
export class KeyManagerAgreementError extends Error {
  constructor(
    readonly code: 'KEY_MANAGER_PROFILE_MISMATCH' | 'KEY_MANAGER_UNREACHABLE' | 'KEY_MANAGER_DEPLOYMENT_AMBIGUOUS',
    message: string,
    readonly differences: string[] = [],
  ) {
    super(message);
    this.name = 'KeyManagerAgreementError';
  }
}

const SETTINGS_HINT =
  'Both services must read the same [apim.oauth_config] enable_token_encryption, [system.parameter] "org.wso2.CipherTransformation", ' +
  '[keystore.primary] and [encryption] key (one deployment.toml serves both), or be in a declared encryption change.';

/** How often the readiness check asks the Key Manager again. */
export const RECHECK_INTERVAL_MS = 15_000;

/**
 * The portal and the Key Manager must store secrets alike: the portal keeps the consumer secrets the Key
 * Manager encrypted and decrypts them with its own keys. At start, before the portal listens, it asks the
 * Key Manager for its encryption profile (waiting up to `[devportal] key_manager_wait` seconds for one to
 * answer) and refuses to start when they differ. Afterwards it re-checks periodically for `/health/ready`.
 *
 * At its first agreement the portal pins the Key Manager's deployment (kept in its own schema), and from
 * then on refuses answers from Key Managers of any other deployment (see `DeploymentIdentity`). When Key
 * Managers of several deployments answer on its subjects at that moment, it pins the one whose id sits in its
 * own database, and refuses to start when it cannot tell.
 */
@Injectable()
export class KeyManagerAgreementService implements OnModuleDestroy {
  private readonly logger: Logger;
  private lastState: AgreementState = { state: 'unknown' };
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<AgreementState> | undefined;

  constructor(
    private readonly keyManager: KeyManagerClient,
    private readonly encryption: EncryptionService,
    private readonly deployment: DeploymentIdentity,
    private readonly watch: DeploymentWatch,
    @Inject(DEPLOYMENT_CONFIG) private readonly config: DeploymentConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'key-manager-agreement' });
  }

  get last(): AgreementState {
    return this.lastState;
  }

  /**
   * Waits for a Key Manager to answer and checks that it stores secrets as this portal does. Throws
   * {@link KeyManagerAgreementError} (with an operator-facing message) when it does not, or when none
   * answered in time. Then starts the periodic re-check.
   */
  async verifyAtStartup(): Promise<void> {
    const waitMs = this.config.devportal.keyManagerWaitSec * 1000;
    const deadline = Date.now() + waitMs;
    let announced = false;
    await this.pinFromDatabase();
    for (;;) {
      const state = await this.checkOnce();
      // Agreed with the Key Manager of this portal's deployment: pinned before, or pinned now (and checked again
      // when the one that answered turns out to be another deployment's).
      if (state.state === 'agreed' && (await this.pinned(state.deployment))) break;
      if (state.state === 'mismatch') {
        const message = [
          'the Developer Portal and the Key Manager are configured differently, so secrets stored by one could not be read by the other',
          '(Key Manager vs Developer Portal):',
          ...state.differences.map((d) => `  ${d}`),
          SETTINGS_HINT,
        ].join('\n');
        this.logger.error({ differences: state.differences }, message);
        throw new KeyManagerAgreementError('KEY_MANAGER_PROFILE_MISMATCH', message, state.differences);
      }
      if (state.state === 'unreachable' && Date.now() >= deadline) {
        const message =
          `no Key Manager answered within ${this.config.devportal.keyManagerWaitSec} s ([devportal] key_manager_wait) on ` +
          `${this.config.nats.servers.length === 1 ? 'NATS server' : 'NATS servers'} ${this.config.nats.servers.map(redactCredentials).join(', ')}: ${state.message}. ` +
          'Start the Key Manager on the same NATS (and queue), or raise key_manager_wait.';
        this.logger.error(message);
        throw new KeyManagerAgreementError('KEY_MANAGER_UNREACHABLE', message);
      }
      if (!announced) {
        this.logger.info(`waiting up to ${this.config.devportal.keyManagerWaitSec} s for the Key Manager to answer`);
        announced = true;
      }
      await sleep(Math.min(500, Math.max(deadline - Date.now(), 0)));
    }
    const agreed = this.lastState as Extract<AgreementState, { state: 'agreed' }>;
    this.logger.info({ fingerprint: agreed.keyManagerFingerprint }, 'the Key Manager stores secrets as this portal does');
    this.timer = setInterval(() => void this.checkOnce(), RECHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * A portal not pinned yet that shares its database with its Key Manager (the usual layout: one database, a
   * schema each) pins the deployment id it finds there before asking anyone, so a Key Manager of another
   * deployment on the same subjects can never be taken for its own.
   */
  private async pinFromDatabase(): Promise<void> {
    if (this.deployment.id) return;
    const local = [...new Set(await this.watch.idsInThisDatabase())];
    if (local.length === 1) await this.watch.pin(local[0]!);
  }

  /**
   * Whether this portal is pinned to the deployment of the Key Manager that just agreed (pinning it at the
   * first agreement when only one deployment's Key Managers answer). False when the pin went to another
   * deployment than the one that answered: ask again.
   */
  private async pinned(answered: string | undefined): Promise<boolean> {
    await this.pinFromDatabase(); // the Key Manager has created its row by now, if it shares the database
    if (this.deployment.id || !answered) return !this.deployment.isForeign(answered); // pinned already, or a Key Manager that predates deployment ids
    const deployments = (await this.watch.keyManagerDeployments()) ?? [answered];
    if (deployments.length > 1) {
      const message =
        `Key Managers of ${deployments.length} deployments (${deployments.join(', ')}) answer on ${this.config.nats.subjectPrefix ? `subject prefix "${this.config.nats.subjectPrefix}"` : 'NATS subjects with no prefix'}, ` +
        'and this portal, starting for the first time, cannot tell which is its own: give each deployment its own [transport.nats] subject_prefix';
      this.logger.error({ deployments }, message);
      throw new KeyManagerAgreementError('KEY_MANAGER_DEPLOYMENT_AMBIGUOUS', message);
    }
    return (await this.watch.pin(answered)) === answered;
  }

  /** Asks the Key Manager once (concurrent callers share the call) and records the outcome. */
  checkOnce(): Promise<AgreementState> {
    this.inFlight ??= this.ask().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async ask(): Promise<AgreementState> {
    const checkedAt = new Date();
    let state: AgreementState;
    try {
      const view = await this.keyManager.call(KeyManagerPatterns.ProfileGet, {});
      state = this.compare(view, checkedAt);
    } catch (error) {
      if (error instanceof KeyManagerCallError && error.code === RpcErrorCodes.ProfileMismatch) {
        // The client checks every reply's profile too, and refuses a differing one before we see the view.
        const differences = error.details?.['differences'];
        state = { state: 'mismatch', checkedAt, differences: Array.isArray(differences) ? differences.map(String) : [error.message] };
      } else if (error instanceof KeyManagerCallError) {
        state = { state: 'unreachable', checkedAt, message: error.message };
      } else {
        throw error;
      }
    }
    if (state.state !== this.lastState.state && this.lastState.state !== 'unknown') {
      const level = state.state === 'agreed' ? 'info' : 'error';
      const detail = state.state === 'mismatch' ? `: ${state.differences.join('; ')}` : state.state === 'unreachable' ? `: ${state.message}` : '';
      this.logger[level]({ state: state.state, ...('differences' in state ? { differences: state.differences } : {}) }, `Key Manager agreement is now ${state.state}${detail}`);
    }
    this.lastState = state;
    return state;
  }

  private compare(view: ProfileView, checkedAt: Date): AgreementState {
    const check = this.encryption.check(view.profile);
    const deployment = view.deployment ? { deployment: view.deployment } : {};
    if (check.compatible) return { state: 'agreed', checkedAt, keyManagerFingerprint: view.profile.fingerprint, ...deployment };
    // The Key Manager may be in a declared change whose other side is how this portal writes.
    const t = view.transition;
    const mine = this.encryption.profile.fingerprint;
    if (t && (t.from.fingerprint === mine || t.to.fingerprint === mine)) return { state: 'agreed', checkedAt, keyManagerFingerprint: view.profile.fingerprint, ...deployment };
    return { state: 'mismatch', checkedAt, differences: check.differences };
  }
}

/** NATS URLs may carry credentials: never print them. */
function redactCredentials(server: string): string {
  try {
    const url = new URL(server);
    if (url.username || url.password) {
      url.username = '';
      url.password = '';
    }
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}
