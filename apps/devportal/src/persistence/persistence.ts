import { ApplicationKeyEntity } from './application-key.entity.js';
import { ApplicationEntity } from './application.entity.js';
import { DevportalInitialSchema1764140000000 } from './migrations/1764140000000-devportal-initial-schema.js';
import { DevportalWebSessions1796620000000 } from './migrations/1796620000000-devportal-web-sessions.js';
import { DevportalRevocableConsumerSecret1797100000000 } from './migrations/1797100000000-devportal-revocable-consumer-secret.js';
import { DevportalStoredValueCounts1797200000000 } from './migrations/1797200000000-devportal-stored-value-counts.js';
import { DevportalKeyMode1797300000000 } from './migrations/1797300000000-devportal-key-mode.js';
import { DevportalDeploymentIdentity1797400000000 } from './migrations/1797400000000-devportal-deployment-identity.js';

/** What the portal's DatabaseModule maps and migrates. Migrations run in this order, never `synchronize`. */
export const DEVPORTAL_ENTITIES = [ApplicationEntity, ApplicationKeyEntity];
export const DEVPORTAL_MIGRATIONS = [DevportalInitialSchema1764140000000, DevportalWebSessions1796620000000, DevportalRevocableConsumerSecret1797100000000, DevportalStoredValueCounts1797200000000, DevportalKeyMode1797300000000, DevportalDeploymentIdentity1797400000000];

/** Postgres's unique_violation, with the constraint that was hit. */
export function uniqueViolation(error: unknown): string | undefined {
  const driverError = (error as { driverError?: { code?: unknown; constraint?: unknown } } | undefined)?.driverError;
  return driverError?.code === '23505' && typeof driverError.constraint === 'string' ? driverError.constraint : undefined;
}
