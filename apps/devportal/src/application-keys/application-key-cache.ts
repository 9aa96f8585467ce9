import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { DeploymentConfig } from '@app/config';
import { BusEvents, type ApplicationKeysChangedEvent } from '@app/contracts';
import { BusConnection, DEPLOYMENT_CONFIG } from '@app/platform';
import { ExpiringCache } from '../common/expiring-cache.js';
import type { ApplicationKeyEntity } from '../persistence/application-key.entity.js';

/**
 * What generate-token needs about a key, and nothing secret in clear: the consumer secret's hash (as the Key
 * Manager stored it), never the secret or its stored form. `tokens migrate` rewrites the stored form and its
 * scheme only; the hash, and so this entry, stays true across it.
 */
export interface CachedKey {
  applicationId: string;
  consumerKey: string;
  consumerSecretHash: string | null;
  supportedGrantTypes: readonly string[];
  scopes: readonly string[];
}

/**
 * The caller's keys as generate-token reads them, for `[devportal] key_cache_ttl` seconds, so that its
 * steady state does not query PostgreSQL. An entry is keyed by owner, application and key mapping: it
 * exists only after the database said that this user owns that key, and any other user misses it and gets
 * the database's answer (a refusal, which is never cached).
 *
 * Shared knowledge in effect, like the bearer-token cache: a portal instance that changes or removes a key
 * (its grant types, its secret, the key or its application) forgets those applications' entries at once and
 * announces them ({@link BusEvents.ApplicationKeysChanged}), and every instance forgets them; after a
 * reconnection to NATS, which may have cost announcements, an instance forgets everything. Applications
 * have no owner change in the portal, and a rename or a new token type touches nothing cached here.
 */
@Injectable()
export class ApplicationKeyCache implements OnApplicationBootstrap {
  private readonly cache: ExpiringCache<string, CachedKey>;

  constructor(
    private readonly bus: BusConnection,
    @Inject(DEPLOYMENT_CONFIG) config: DeploymentConfig,
  ) {
    this.cache = new ExpiringCache(config.devportal.keyCacheTtlSec * 1000);
  }

  onApplicationBootstrap(): void {
    this.bus.listen(
      BusEvents.ApplicationKeysChanged,
      (payload) => {
        const ids = (payload as Partial<ApplicationKeysChangedEvent> | null)?.applicationIds;
        if (Array.isArray(ids)) this.forget(ids.filter((id): id is string => typeof id === 'string'));
      },
      () => this.cache.clear(),
    );
  }

  get(owner: string, applicationId: string, keyMappingId: string): CachedKey | undefined {
    return this.cache.get(keyOf(owner, applicationId, keyMappingId));
  }

  /** Taken before reading the key, and given to {@link remember} with the row. */
  generation(): number {
    return this.cache.generation();
  }

  /** Remembers the owner's key read at `generation` (unless a change was heard since) and returns what is cached of it. */
  remember(owner: string, row: ApplicationKeyEntity, generation: number): CachedKey {
    const entry: CachedKey = Object.freeze({
      applicationId: row.applicationId,
      consumerKey: row.consumerKey,
      consumerSecretHash: row.consumerSecretHash,
      supportedGrantTypes: Object.freeze([...row.supportedGrantTypes]),
      scopes: Object.freeze([...row.scopes]),
    });
    this.cache.set(keyOf(owner, row.applicationId, row.id), entry, generation);
    return entry;
  }

  /**
   * Runs a change of the applications' keys (or of the applications), then — whether it succeeded or not:
   * a failure half-way may still have changed something — forgets their entries here and tells the other
   * instances to. Forgetting after the write also keeps out an answer read before it (see `generation`).
   */
  async changing<T>(applicationIds: readonly string[], change: () => Promise<T>): Promise<T> {
    try {
      return await change();
    } finally {
      this.forget(applicationIds);
      this.bus.publish(BusEvents.ApplicationKeysChanged, { applicationIds: [...applicationIds] } satisfies ApplicationKeysChangedEvent);
    }
  }

  private forget(applicationIds: readonly string[]): void {
    const gone = new Set(applicationIds);
    this.cache.forgetWhere((entry) => gone.has(entry.applicationId));
  }
}

/** Application and key mapping ids are UUIDs (checked by the routes), so the owner, last, cannot blur the key. */
function keyOf(owner: string, applicationId: string, keyMappingId: string): string {
  return `${applicationId}/${keyMappingId}/${owner}`;
}
