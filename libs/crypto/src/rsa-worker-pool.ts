import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CryptoError } from './crypto.error.js';
import type { RsaOpening } from './secret-cipher.service.js';
import type { StorageScheme } from './storage-scheme.util.js';
import type { ProtectedSecret, SecretKind, TokenProcessor } from './token-processor.service.js';

/** Options of {@link RsaWorkerPool.start}. */
export interface RsaWorkerPoolOptions {
  /** Worker threads; 0 does every operation on the calling thread. Default: `os.availableParallelism()`. */
  threads?: number;
}

/** A value read back, or why it could not be (the error {@link TokenProcessor.reveal} throws for it). */
export type RevealResult = { ok: true; plaintext: string } | { ok: false; error: CryptoError };

/** A WSO2 value read with whatever key fits, or why not (the error {@link SecretCipher.openAny} throws for it). */
export type OpenAnyResult = { ok: true; plaintext: string; scheme: StorageScheme } | { ok: false; error: CryptoError };

// The workers' whole program: RSA private-key decryption (OAEP) and public-key encryption with the write key,
// node:crypto only. A string, not a module file, so that it runs the same from dist/ and under jest (as the
// Key Manager's SealedSecretReserve). The private keys arrive as KeyObjects cloned through workerData: in
// memory only, never serialised to text, never logged. A failed item comes back as null; the caller redoes
// it on its own thread, which throws the error it always did.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { constants, createPublicKey, privateDecrypt, publicEncrypt } = require('node:crypto');
const OAEP = constants.RSA_PKCS1_OAEP_PADDING;
const keys = new Map(workerData.keys.map((k) => [k.id, k.privateKey]));
const write = workerData.write && { key: createPublicKey({ key: Buffer.from(workerData.write.publicKeyDer), format: 'der', type: 'spki' }), padding: OAEP, oaepHash: workerData.write.oaepHash };
parentPort.on('message', ({ seq, op, items }) => {
  const out = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    try {
      const item = items[i];
      out[i] = op === 'decrypt' ? privateDecrypt({ key: keys.get(item.keyId), padding: OAEP, oaepHash: item.oaepHash }, item.ciphertext) : publicEncrypt(write, item);
    } catch {
      out[i] = null;
    }
  }
  parentPort.postMessage({ seq, out });
});
`;

type DecryptItem = { keyId: string; oaepHash: string; ciphertext: Buffer };
type Reply = { seq: number; out: (Uint8Array | null)[] };

/** One worker thread and the requests it has not answered yet (it answers in order). */
class PoolThread {
  readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (out: (Uint8Array | null)[]) => void; reject: (e: Error) => void }>();
  private seq = 0;
  failure: Error | undefined;

  constructor(workerData: unknown, onFailure: (e: Error) => void) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.seq);
      this.pending.delete(reply.seq);
      waiting?.resolve(reply.out);
    });
    // No message of a worker's failure can carry key material: the program catches every per-item error.
    const fail = (e: Error) => {
      this.failure ??= e;
      for (const waiting of this.pending.values()) waiting.reject(this.failure);
      this.pending.clear();
      onFailure(this.failure);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`an RSA worker thread exited with code ${code}`)));
  }

  run(op: 'decrypt' | 'encrypt', items: unknown[]): Promise<(Uint8Array | null)[]> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ seq, op, items });
    });
  }
}

/**
 * Spreads the RSA work of reading and rewriting stored secrets in bulk (`tokens migrate`, `cli wso2 import`)
 * over worker threads, one per core by default: a 2048-bit private-key decryption costs ≈ 260 µs, so one
 * thread bounds a migration out of RSA near 4,000 values/s. Each call splits its values into one contiguous
 * share per thread and resolves when all are done, so memory holds the caller's batch and nothing more.
 *
 * The results are exactly those of the {@link TokenProcessor} it was started for: only RSA-OAEP values
 * under a held key (and RSA-OAEP sealing with the write key) go to the threads; everything else, and any
 * value a thread could not do, is done on the calling thread by the processor itself, so errors are the
 * processor's own. The threads hold the keyring's private keys (cloned KeyObjects) and nothing else.
 *
 * @example
 * ```ts
 * const pool = RsaWorkerPool.start(processor);            // os.availableParallelism() threads
 * try {
 *   const read = await pool.reveal(SecretKinds.AccessToken, rows.map((r) => ({ stored: r.value, scheme: r.scheme })));
 *   const sealed = await pool.protect(SecretKinds.AccessToken, read.flatMap((r) => (r.ok ? [r.plaintext] : [])));
 * } finally {
 *   await pool.close();
 * }
 * ```
 */
export class RsaWorkerPool {
  readonly processor: TokenProcessor;
  private readonly threads: PoolThread[];
  private failure: Error | undefined;

  private constructor(processor: TokenProcessor, threads: number) {
    this.processor = processor;
    const { cipher } = processor;
    const keys = cipher.keyring.rsaKeys.map((k) => ({ id: k.thumbprint, privateKey: k.privateKey }));
    // A keyring without RSA keys has no work for threads.
    const count = keys.length === 0 ? 0 : threads;
    const workerData = { keys, write: cipher.rsaWriteKey && { publicKeyDer: cipher.rsaWriteKey.publicKeyDer, oaepHash: cipher.rsaWriteKey.oaepHash } };
    this.threads = Array.from({ length: count }, () => new PoolThread(workerData, (e) => (this.failure ??= e)));
  }

  /**
   * A pool for `processor`.
   * @throws {@link CryptoError} `CIPHER_MALFORMED` when `threads` is not a whole number from 0 to 1,024.
   */
  static start(processor: TokenProcessor, options: RsaWorkerPoolOptions = {}): RsaWorkerPool {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 0 || threads > 1024) {
      throw new CryptoError('CIPHER_MALFORMED', `the RSA worker pool needs 0 to 1024 threads, not ${String(threads)}`);
    }
    return new RsaWorkerPool(processor, threads);
  }

  /** Worker threads running (0: everything runs on the calling thread). */
  get size(): number {
    return this.threads.length;
  }

  /** {@link TokenProcessor.reveal} of each value, in order; a value that cannot be read gets the error reveal throws. */
  async reveal(kind: SecretKind, values: readonly { stored: string; scheme: StorageScheme }[]): Promise<RevealResult[]> {
    const { cipher } = this.processor;
    return this.read(
      values,
      (v) => cipher.rsaOpening(v.stored, v.scheme),
      (v) => ({ ok: true, plaintext: this.processor.reveal(kind, v) }),
      (plaintext) => ({ ok: true, plaintext }),
    );
  }

  /** {@link SecretCipher.openAny} of each value, in order; a value that cannot be read gets the error openAny throws. */
  async openAny(values: readonly string[]): Promise<OpenAnyResult[]> {
    const { cipher } = this.processor;
    return this.read(
      values,
      (v) => cipher.rsaOpeningAny(v),
      (v) => ({ ok: true, ...cipher.openAny(v) }),
      (plaintext, opening) => ({ ok: true, plaintext, scheme: opening.scheme }),
    );
  }

  /**
   * {@link TokenProcessor.protect} of each secret, in order.
   * @throws {@link CryptoError} as protect does, for the first secret it refuses.
   */
  async protect(kind: SecretKind, secrets: readonly string[]): Promise<ProtectedSecret[]> {
    const { cipher } = this.processor;
    if (this.threads.length === 0 || !cipher.rsaWriteKey) return secrets.map((s) => this.processor.protect(kind, s));
    // A secret that is not well-formed Unicode stays here: the processor refuses it with its own error.
    const bytes = secrets.map((s) => (LONE_SURROGATE.test(s) ? undefined : Buffer.from(s, 'utf8')));
    const offloaded = bytes.flatMap((b, i) => (b ? [i] : []));
    const ciphertexts = new Map(zip(offloaded, await this.spread('encrypt', offloaded.map((i) => bytes[i]))));
    return secrets.map((secret, i) => {
      const ciphertext = ciphertexts.get(i);
      // None: not sent, or refused by the thread (too long for RSA): the processor decides, and throws its own error.
      if (!ciphertext) return this.processor.protect(kind, secret);
      const { stored, scheme } = cipher.storedFromCiphertext(toBuffer(ciphertext));
      return { stored, scheme, hash: this.processor.lookupHash(secret) };
    });
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    for (const t of threads) t.worker.removeAllListeners('exit');
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private async read<V, R extends { ok: boolean }>(
    values: readonly V[],
    openingOf: (value: V) => RsaOpening | undefined,
    inline: (value: V) => R,
    fromPlaintext: (plaintext: string, opening: RsaOpening) => R,
  ): Promise<(R | { ok: false; error: CryptoError })[]> {
    const here = (value: V): R | { ok: false; error: CryptoError } => {
      try {
        return inline(value);
      } catch (error) {
        if (error instanceof CryptoError) return { ok: false, error };
        throw error;
      }
    };
    if (this.threads.length === 0) return values.map(here);
    const openings = values.map(openingOf);
    const offloaded = openings.flatMap((o, i) => (o ? [i] : []));
    const decrypted = await this.spread(
      'decrypt',
      offloaded.map((i): DecryptItem => ({ keyId: openings[i]!.keyId, oaepHash: openings[i]!.oaepHash, ciphertext: openings[i]!.ciphertext })),
    );
    const bytes = new Map(zip(offloaded, decrypted));
    return values.map((value, i) => {
      const opening = openings[i];
      const plain = bytes.get(i);
      if (!opening || !plain) return here(value);
      try {
        return fromPlaintext(this.processor.cipher.plaintextOf(toBuffer(plain)), opening);
      } catch {
        return here(value);
      }
    });
  }

  /** Splits `items` into one contiguous share per thread and joins the answers in order. */
  private async spread(op: 'decrypt' | 'encrypt', items: unknown[]): Promise<(Uint8Array | null)[]> {
    if (this.failure) throw this.failure;
    if (items.length === 0) return [];
    const share = Math.ceil(items.length / this.threads.length);
    const parts = await Promise.all(this.threads.map((t, k) => (k * share < items.length ? t.run(op, items.slice(k * share, (k + 1) * share)) : Promise.resolve([]))));
    return parts.flat();
  }
}

const LONE_SURROGATE = /\p{Cs}/u;

function zip<A, B>(a: readonly A[], b: readonly B[]): [A, B][] {
  return a.map((x, i) => [x, b[i]!]);
}

/** A worker's Uint8Array as a Buffer, without copying. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
