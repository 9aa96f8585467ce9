import { Injectable } from '@nestjs/common';
import type { ProtectedSecret } from '@app/crypto';
import type { DeviceAuthorizationStatus } from './entities/device-authorization.entity.js';
import { SqlService } from './sql.service.js';

export interface NewDeviceAuthorization {
  id: string;
  deviceCode: ProtectedSecret;
  userCodeHash: string;
  clientId: string;
  scopes: string;
  /** Epoch seconds. */
  issuedAt: number;
  expiresAt: number;
  pollingInterval: number;
}

/** A device authorization as the flow reads it (never its stored device code). Times in epoch seconds. */
export interface DeviceAuthorizationRecord {
  id: string;
  clientId: string;
  scopes: string;
  status: DeviceAuthorizationStatus;
  username: string | null;
  authTime: number | null;
  expiresAt: number;
  pollingInterval: number;
}

/** A poll: the authorization, and when the device polled before this time (null on its first poll). */
export interface DevicePoll {
  authorization: DeviceAuthorizationRecord;
  previousPollAt: number | null;
}

interface DeviceRow {
  id: string;
  client_id: string;
  scopes: string;
  status: DeviceAuthorizationStatus;
  username: string | null;
  auth_time: number | null;
  exp: number;
  polling_interval: number;
}

const COLUMNS = `id, client_id, scopes, status, username, extract(epoch FROM auth_time)::float8 AS auth_time,
  extract(epoch FROM expires_at)::float8 AS exp, polling_interval`;

function toRecord(row: DeviceRow): DeviceAuthorizationRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    scopes: row.scopes,
    status: row.status,
    username: row.username,
    authTime: row.auth_time === null ? null : Math.floor(row.auth_time),
    expiresAt: Math.floor(row.exp),
    pollingInterval: row.polling_interval,
  };
}

/**
 * RFC 8628 device authorizations. Every state change is one conditional UPDATE, so a code is approved or
 * denied once and redeemed once, however many requests race for it.
 */
@Injectable()
export class DeviceAuthorizationsRepository {
  constructor(private readonly sql: SqlService) {}

  /** Inserts the authorization; false when its user code is taken (the caller draws another). */
  async insert(row: NewDeviceAuthorization): Promise<boolean> {
    const inserted = await this.sql.query(
      `INSERT INTO device_authorizations (id, device_code, device_code_scheme, device_code_hash, user_code_hash, client_id, scopes,
         issued_at, expires_at, polling_interval)
       VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8), to_timestamp($9), $10)
       ON CONFLICT (user_code_hash) DO NOTHING RETURNING id`,
      [row.id, row.deviceCode.stored, row.deviceCode.scheme, row.deviceCode.hash, row.userCodeHash, row.clientId, row.scopes, row.issuedAt, row.expiresAt, row.pollingInterval],
    );
    return inserted.length > 0;
  }

  /** The authorization a user code names, whatever its state. */
  async findByUserCode(userCodeHash: string): Promise<DeviceAuthorizationRecord | undefined> {
    const rows = await this.sql.query<DeviceRow>(`SELECT ${COLUMNS} FROM device_authorizations WHERE user_code_hash = $1`, [userCodeHash]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The user's answer: AUTHORIZED (with who and when) or DENIED — only while PENDING and unexpired. */
  async decide(id: string, decision: { approved: true; username: string; authTime: number } | { approved: false }): Promise<boolean> {
    const rows = await this.sql.query(
      `UPDATE device_authorizations SET status = $2, username = $3, auth_time = to_timestamp($4)
        WHERE id = $1 AND status = 'PENDING' AND expires_at > now() RETURNING id`,
      decision.approved ? [id, 'AUTHORIZED', decision.username, decision.authTime] : [id, 'DENIED', null, null],
    );
    return rows.length > 0;
  }

  /**
   * Records a poll by the device (the client that started the flow) and returns the authorization with the
   * time of the previous poll; undefined for an unknown device code or another client's.
   */
  async poll(deviceCodeHash: string, clientId: string): Promise<DevicePoll | undefined> {
    const rows = await this.sql.query<DeviceRow & { previous: number | null }>(
      `UPDATE device_authorizations d SET last_polled_at = now()
         FROM (SELECT id, last_polled_at FROM device_authorizations WHERE device_code_hash = $1 AND client_id = $2 FOR UPDATE) p
        WHERE d.id = p.id
        RETURNING d.id, d.client_id, d.scopes, d.status, d.username, extract(epoch FROM d.auth_time)::float8 AS auth_time,
                  extract(epoch FROM d.expires_at)::float8 AS exp, d.polling_interval, extract(epoch FROM p.last_polled_at)::float8 AS previous`,
      [deviceCodeHash, clientId],
    );
    const row = rows[0];
    return row ? { authorization: toRecord(row), previousPollAt: row.previous } : undefined;
  }

  /** AUTHORIZED → USED for exactly one caller; false when it was not AUTHORIZED (already redeemed). */
  async consume(id: string): Promise<boolean> {
    const rows = await this.sql.query(`UPDATE device_authorizations SET status = 'USED' WHERE id = $1 AND status = 'AUTHORIZED' RETURNING id`, [id]);
    return rows.length > 0;
  }
}
