import { Injectable } from '@nestjs/common';
import { CryptoError, SecretKinds } from '@app/crypto';
import type { ClientView, ProtectedSecretView } from '@app/contracts';
import { EncryptionService } from '@app/platform';

/**
 * The portal's only contact with consumer secrets. The Key Manager sends a secret as it stores it
 * (ciphertext when encryption is on); the portal stores that as is and decrypts it with its own keys only
 * to show it. The processor is looked up at each use: a declared encryption change switches it at runtime.
 */
@Injectable()
export class ConsumerSecretsService {
  constructor(private readonly encryption: EncryptionService) {}

  /**
   * The plaintext of a stored consumer secret, or undefined when it is stored as its hash only: such a
   * secret is never shown (WSO2 shows hashed secrets only when they are generated).
   * Throws CryptoError when this node cannot read it.
   */
  reveal(value: { stored: string; scheme: string }): string | undefined {
    try {
      return this.encryption.processor.reveal(SecretKinds.ConsumerSecret, value);
    } catch (error) {
      if (error instanceof CryptoError && error.code === 'SECRET_HASH_ONLY') return undefined;
      throw error;
    }
  }

  /**
   * The secret the Key Manager has just issued: sent in plaintext when it stores only its hash, otherwise
   * read from its stored form (the ciphertext crossed the bus).
   * @throws Error when neither is there: a Key Manager that hashes must send the secret it issued.
   */
  issued(client: ClientView): string {
    const secret = client.issuedSecret ?? this.reveal(client.clientSecret);
    if (secret === undefined) throw new Error(`the Key Manager issued a secret for ${client.clientId} stored as a hash only, without sending it`);
    return secret;
  }

  /** The lookup hash (hex SHA-256) of a presented secret: what the Key Manager compares, never the secret itself. */
  lookupHash(presented: string): string {
    return this.encryption.processor.lookupHash(presented);
  }

  /** Whether a presented secret is the one stored, by its lookup hash, in constant time. */
  matches(presented: string, secret: Pick<ProtectedSecretView, 'hash'>): boolean {
    return this.encryption.processor.matches(presented, secret.hash);
  }
}
