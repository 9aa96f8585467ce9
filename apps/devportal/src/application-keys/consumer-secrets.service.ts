import { Injectable } from '@nestjs/common';
import { SecretKinds } from '@app/crypto';
import type { ProtectedSecretView } from '@app/contracts';
import { EncryptionService } from '@app/platform';

/**
 * The portal's only contact with consumer secrets. The Key Manager sends a secret as it stores it
 * (ciphertext when encryption is on); the portal stores that as is and decrypts it with its own keys only
 * to show it. The processor is looked up at each use: a declared encryption change switches it at runtime.
 */
@Injectable()
export class ConsumerSecretsService {
  constructor(private readonly encryption: EncryptionService) {}

  /** The plaintext of a stored consumer secret. Throws CryptoError when this node cannot read it. */
  reveal(value: { stored: string; scheme: string }): string {
    return this.encryption.processor.reveal(SecretKinds.ConsumerSecret, value);
  }

  /** Whether a presented secret is the one stored, by its lookup hash, in constant time. */
  matches(presented: string, secret: Pick<ProtectedSecretView, 'hash'>): boolean {
    return this.encryption.processor.matches(presented, secret.hash);
  }
}
