import { Worker } from 'node:worker_threads';
import type { ProtectedSecret, RsaWriteKey, TokenProcessor } from '@app/crypto';

/** A fresh random secret and what to store for it. */
export interface FreshSecret {
  secret: string;
  protected: ProtectedSecret;
}

export interface SealedSecretReserveOptions {
  /** Most secrets kept sealed ahead. */
  capacity: number;
  /**
   * Bytes per secret (base64url-encoded, as every secret the Key Manager issues): random, the first 16 made a
   * UUIDv7 of the time the worker made it — the secret's selector (@app/crypto token-selector.util).
   */
  secretBytes: number;
  /** Called once if the worker fails; the reserve is empty from then on. Gets no secret material. */
  onFailure?: (error: Error) => void;
}

// The worker's whole program. It holds the public key only, runs at the lowest CPU priority (nice 19: on
// Linux the nice value is per thread), and answers each request for `count` secrets with the secrets and
// their RSA-OAEP ciphertexts, packed into one transferred buffer. A string, not a module file, so that it
// runs the same from dist/ and under jest; so the UUIDv7 stamp is stampUuidV7 of @app/crypto written out
// (sealed-secret-reserve.spec checks that every secret's selector reads back).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { constants, createPublicKey, publicEncrypt, randomBytes } = require('node:crypto');
try { require('node:os').setPriority(19); } catch {}
const { publicKeyDer, oaepHash, ciphertextBytes, secretBytes } = workerData;
const options = { key: createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' }), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash };
parentPort.on('message', (count) => {
  const secrets = new Array(count);
  const ciphertexts = Buffer.allocUnsafeSlow(count * ciphertextBytes);
  const random = randomBytes(count * secretBytes);
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const bytes = random.subarray(i * secretBytes, (i + 1) * secretBytes);
    bytes.writeUIntBE(now, 0, 6);
    bytes[6] = 0x70 | (bytes[6] & 0x0f);
    bytes[8] = 0x80 | (bytes[8] & 0x3f);
    secrets[i] = bytes.toString('base64url');
    publicEncrypt(options, Buffer.from(secrets[i], 'latin1')).copy(ciphertexts, i * ciphertextBytes);
  }
  parentPort.postMessage({ secrets, ciphertexts: ciphertexts.buffer }, [ciphertexts.buffer]);
});
`;

/** Worker requests are this size at most: small enough to refill steadily, large enough to amortise messaging. */
const CHUNK = 32;

/**
 * Fresh secrets sealed ahead of time for one {@link TokenProcessor} that writes RSA-OAEP. RSA-OAEP
 * encryption (one RSA-2048 public-key operation, ~25 µs) is the only per-token cost of encryption on the
 * issuance path; here a low-priority worker thread does it in advance, with CPU time the service is not
 * using, so that issuing a token only takes a ready secret and wraps its ciphertext in WSO2's envelope.
 * When the reserve is empty (a burst, or a machine with no idle CPU), {@link take} says so and the caller
 * seals on the spot: never slower than sealing inline, and never stale — a reserve serves one processor
 * and is closed when the encryption settings change.
 */
export class SealedSecretReserve {
  readonly processor: TokenProcessor;
  private readonly worker: Worker;
  private readonly ciphertextBytes: number;
  private readonly secrets: string[] = [];
  private readonly ciphertexts: Buffer[] = [];
  private requested = 0;
  private stopped = false;

  /** A reserve for `processor`, or undefined when it does not write RSA-OAEP or `capacity` is 0. */
  static for(processor: TokenProcessor, options: SealedSecretReserveOptions): SealedSecretReserve | undefined {
    const key = processor.cipher.rsaWriteKey;
    return key && options.capacity > 0 ? new SealedSecretReserve(processor, key, options) : undefined;
  }

  private constructor(
    processor: TokenProcessor,
    key: RsaWriteKey,
    private readonly options: SealedSecretReserveOptions,
  ) {
    this.processor = processor;
    this.ciphertextBytes = key.ciphertextBytes;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { publicKeyDer: key.publicKeyDer, oaepHash: key.oaepHash, ciphertextBytes: key.ciphertextBytes, secretBytes: options.secretBytes },
    });
    this.worker.unref();
    this.worker.on('message', (batch: { secrets: string[]; ciphertexts: ArrayBuffer }) => this.receive(batch));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.stopped) this.fail(new Error(`the sealing worker exited with code ${code}`));
    });
    // The first fill goes up to the capacity, the last chunk possibly smaller.
    for (let asked = 0; asked < options.capacity; asked += CHUNK) this.request(Math.min(CHUNK, options.capacity - asked));
  }

  /** Secrets ready now. */
  get size(): number {
    return this.secrets.length;
  }

  /** A ready secret with its stored value and lookup hash, or undefined when none is ready. */
  take(): FreshSecret | undefined {
    const secret = this.secrets.pop();
    if (secret === undefined) return undefined;
    const ciphertext = this.ciphertexts.pop()!;
    this.refill();
    const { stored, scheme } = this.processor.cipher.storedFromCiphertext(ciphertext);
    return { secret, protected: { stored, scheme, hash: this.processor.lookupHash(secret) } };
  }

  /** Resolves once the secrets asked for so far are ready (or the worker stopped); for tests. */
  async filled(): Promise<void> {
    while (!this.stopped && this.requested > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Stops the worker and forgets every secret it made. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.secrets.length = 0;
    this.ciphertexts.length = 0;
    await this.worker.terminate();
  }

  private receive(batch: { secrets: string[]; ciphertexts: ArrayBuffer }): void {
    this.requested -= batch.secrets.length;
    if (this.stopped) return;
    const all = Buffer.from(batch.ciphertexts);
    batch.secrets.forEach((secret, i) => {
      this.secrets.push(secret);
      this.ciphertexts.push(all.subarray(i * this.ciphertextBytes, (i + 1) * this.ciphertextBytes));
    });
    this.refill();
  }

  /** Asks for `count` more secrets. */
  private request(count: number): void {
    this.requested += count;
    this.worker.postMessage(count);
  }

  /**
   * Tops the reserve up in whole chunks only — once a chunk's worth has been taken, not after every take:
   * a request per secret would cost a message round trip per token on both threads.
   */
  private refill(): void {
    const chunk = Math.min(CHUNK, this.options.capacity);
    while (!this.stopped && this.options.capacity - this.secrets.length - this.requested >= chunk) this.request(chunk);
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    void this.close();
    this.options.onFailure?.(error);
  }
}
