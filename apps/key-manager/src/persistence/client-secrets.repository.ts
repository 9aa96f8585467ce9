import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { OAuthClientSecretEntity } from './entities/oauth-client-secret.entity.js';
import { OAuthClientEntity } from './entities/oauth-client.entity.js';

/** One consumer secret of a client as its list shows it: never its value. */
export interface ClientSecretInfo {
  secretId: string;
  /** The client's own secret (`oauth_clients`), as opposed to one added beside it. */
  own: boolean;
  description: string | null;
  expiresAt: Date | null;
  createdAt: Date;
  /** Whether it has expired, on the database clock (the one authentication reads). */
  expired: boolean;
}

/** What a change to a client's secrets sees and may do, inside one transaction with the client row locked. */
export interface LockedClientSecrets {
  /** The client's secrets, the most recent first (WSO2 orders them so: the first one is "the latest"). */
  secrets: ClientSecretInfo[];
  add(secret: { stored: string; scheme: string; hash: string }, meta: { description: string | null; expiresInSec: number | null }): Promise<ClientSecretInfo>;
  /** Removes an added secret, or the client's own (its columns are cleared). */
  remove(secret: ClientSecretInfo): Promise<void>;
}

interface SecretRow {
  id: string;
  own: boolean;
  description: string | null;
  expires_at: Date | null;
  created_at: Date;
  expired: boolean;
}

const LIST = `
  SELECT client_secret_id AS id, true AS own, NULL::varchar AS description, NULL::timestamptz AS expires_at,
         COALESCE(client_secret_created_at, created_at) AS created_at, false AS expired
    FROM oauth_clients WHERE client_id = $1 AND client_secret IS NOT NULL
  UNION ALL
  SELECT id, false, description, expires_at, created_at, (expires_at IS NOT NULL AND expires_at <= now())
    FROM oauth_client_secrets WHERE client_id = $1
  ORDER BY created_at DESC, id DESC`;

function toInfo(row: SecretRow): ClientSecretInfo {
  return { secretId: row.id, own: row.own, description: row.description, expiresAt: row.expires_at, createdAt: row.created_at, expired: row.expired };
}

/**
 * A client's consumer secrets as a set: its own (`oauth_clients`) and those added beside it
 * (`oauth_client_secrets`). Changes run with the client row locked, so two concurrent changes (two
 * additions near the cap, two revocations of the last two secrets) see each other.
 */
@Injectable()
export class ClientSecretsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(clientId: string): Promise<ClientSecretInfo[] | undefined> {
    const exists: unknown[] = await this.dataSource.query('SELECT 1 FROM oauth_clients WHERE client_id = $1', [clientId]);
    if (exists.length === 0) return undefined;
    const rows: SecretRow[] = await this.dataSource.query(LIST, [clientId]);
    return rows.map(toInfo);
  }

  /** Runs `change` with the client locked; undefined when there is no such confidential client. */
  async withLocked<T>(clientId: string, change: (locked: LockedClientSecrets) => Promise<T>): Promise<T | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const found: unknown[] = await manager.query('SELECT 1 FROM oauth_clients WHERE client_id = $1 AND NOT public_client FOR UPDATE', [clientId]);
      if (found.length === 0) return undefined;
      const rows: SecretRow[] = await manager.query(LIST, [clientId]);
      return change({
        secrets: rows.map(toInfo),
        add: (secret, meta) => this.insert(manager, clientId, secret, meta),
        remove: (secret) => this.delete(manager, clientId, secret),
      });
    });
  }

  private async insert(
    manager: EntityManager,
    clientId: string,
    secret: { stored: string; scheme: string; hash: string },
    meta: { description: string | null; expiresInSec: number | null },
  ): Promise<ClientSecretInfo> {
    // Times on the database clock, the one authentication compares expiry with; the expiry on a whole second,
    // so the second WSO2's `expiresAt` shows is the one it stops working at.
    const [row] = (await manager.query(
      `INSERT INTO oauth_client_secrets (id, client_id, secret, secret_scheme, secret_hash, description, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::bigint IS NULL THEN NULL ELSE date_trunc('second', now()) + make_interval(secs => $7::bigint) END, now())
       RETURNING id, false AS own, description, expires_at, created_at, false AS expired`,
      [randomUUID(), clientId, secret.stored, secret.scheme, secret.hash, meta.description, meta.expiresInSec],
    )) as SecretRow[];
    return toInfo(row!);
  }

  private async delete(manager: EntityManager, clientId: string, secret: ClientSecretInfo): Promise<void> {
    if (secret.own) {
      await manager.update(
        OAuthClientEntity,
        { clientId },
        { clientSecret: null, clientSecretScheme: null, clientSecretHash: null, clientSecretId: null, clientSecretCreatedAt: null, updatedAt: new Date() },
      );
      return;
    }
    await manager.delete(OAuthClientSecretEntity, { id: secret.secretId, clientId });
  }
}
