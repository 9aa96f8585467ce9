import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EncryptionService, type EncryptionMaterial } from '@app/platform';

/**
 * Refuses an encryption change (`cli encryption rollout`) that would drop a keystore whose key still signs
 * live JWT access tokens: those tokens must keep verifying until they expire. The operator keeps the
 * keystore as `[[keystore.old]]` until the date this check names.
 */
@Injectable()
export class SigningKeyRetirementCheck implements OnModuleInit {
  constructor(
    private readonly encryption: EncryptionService,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.encryption.addPrepareCheck((next) => this.problems(next));
  }

  async problems(next: EncryptionMaterial): Promise<string[]> {
    const rows: Array<{ kid: string; n: number; until: Date }> = await this.dataSource.query(
      `SELECT signing_key_id AS kid, count(*)::int AS n, max(expires_at) AS until FROM oauth_tokens
        WHERE signing_key_id IS NOT NULL AND state = 'ACTIVE' AND expires_at > now() GROUP BY 1`,
    );
    const kept = new Set(next.keyring.rsaKeys.map((k) => k.thumbprint));
    return rows
      .filter((r) => !kept.has(r.kid))
      .map(
        (r) =>
          `the keystore with certificate thumbprint ${r.kid} still signs ${r.n} live JWT access token(s), valid until ${new Date(r.until).toISOString()}: ` +
          'keep it configured as [[keystore.old]] until then',
      );
  }
}
