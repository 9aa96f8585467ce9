import { Injectable } from '@nestjs/common';
import { SqlService } from './sql.service.js';

/** jwt-bearer assertions seen, by issuer and `jti`, until they expire: each works once, on every instance. */
@Injectable()
export class UsedAssertionsRepository {
  constructor(private readonly sql: SqlService) {}

  /** Records the assertion; false when it was recorded before (a replay). `expiresAt` in epoch seconds. */
  async remember(issuer: string, jti: string, expiresAt: number): Promise<boolean> {
    const rows = await this.sql.query(
      `INSERT INTO used_assertions (issuer, jti, expires_at) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT (issuer, jti) DO NOTHING RETURNING jti`,
      [issuer, jti, expiresAt],
    );
    return rows.length > 0;
  }
}
