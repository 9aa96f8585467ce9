// The RSA worker pool gives exactly what its TokenProcessor gives on one thread — values, and errors for
// what cannot be read or sealed — for every stored form, with the RSA work done in worker threads.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { CryptoError, formatWso2Hash, Keyring, loadKeystore, parseSymmetricKey, RsaWorkerPool, SecretCipher, SecretKinds, TokenProcessor, Transformations, type KeystoreKey, type Transformation } from './index.js';
import { PRIMARY, readVectors } from './test/crypto.fixtures.js';

const kind = SecretKinds.AccessToken;
const aes = parseSymmetricKey('0F'.repeat(32));
let primary: KeystoreKey;
const pools: RsaWorkerPool[] = [];

beforeAll(async () => {
  primary = await loadKeystore(PRIMARY.PKCS12);
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

function processor(transformation: Transformation | 'off', keys: { rsa?: boolean } = {}): TokenProcessor {
  const keyring = Keyring.create({ rsa: keys.rsa === false ? [] : [primary], symmetric: [aes] });
  return new TokenProcessor(new SecretCipher(keyring, { enabled: transformation !== 'off', transformation: transformation === 'off' ? Transformations.RsaOaepSha1 : transformation }));
}

function start(p: TokenProcessor, threads: number): RsaWorkerPool {
  const pool = RsaWorkerPool.start(p, { threads });
  pools.push(pool);
  return pool;
}

/** What a single-threaded processor says about each value: the plaintext, or the error's code and message. */
function outcome(action: () => string): { plaintext: string } | { code: string; message: string } {
  try {
    return { plaintext: action() };
  } catch (e) {
    if (!(e instanceof CryptoError)) throw e;
    return { code: e.code, message: e.message };
  }
}

function fromResult(r: { ok: true; plaintext: string } | { ok: false; error: CryptoError }) {
  return r.ok ? { plaintext: r.plaintext } : { code: r.error.code, message: r.error.message };
}

describe('RsaWorkerPool', () => {
  it('sizes itself to the machine by default, and starts no thread for a keyring without RSA keys', () => {
    expect(start(processor(Transformations.RsaOaepSha1), 3).size).toBe(3);
    const byDefault = RsaWorkerPool.start(processor(Transformations.AesGcm));
    pools.push(byDefault);
    expect(byDefault.size).toBeGreaterThanOrEqual(1);
    expect(start(processor(Transformations.AesGcm, { rsa: false }), 4).size).toBe(0);
    expect(() => RsaWorkerPool.start(processor('off'), { threads: -1 })).toThrow(CryptoError);
  });

  it.each([2, 0])('reveal with %i threads: the same plaintexts and errors as TokenProcessor.reveal, in order', async (threads) => {
    const writer = { sha1: processor(Transformations.RsaOaepSha1), sha256: processor(Transformations.RsaOaepSha256), aes: processor(Transformations.AesGcm) };
    const reader = processor(Transformations.AesGcm);
    const sealed = Array.from({ length: 41 }, (_, i) => {
      const w = [writer.sha1, writer.sha256, writer.aes][i % 3]!;
      const p = w.protect(kind, `token-${i}-ünï`);
      return { stored: p.stored, scheme: p.scheme };
    });
    const rsa = sealed[0]!;
    // An envelope that names the held key, with a ciphertext that key did not make: its decryption fails in a thread.
    const envelope = JSON.parse(Buffer.from(rsa.stored, 'base64').toString('latin1')) as { c: string };
    envelope.c = randomBytes(256).toString('base64');
    const forged = { stored: Buffer.from(JSON.stringify(envelope), 'latin1').toString('base64'), scheme: rsa.scheme };
    expect(reader.cipher.rsaOpening(forged.stored, forged.scheme)).toBeDefined();
    expect(reader.cipher.rsaOpening(sealed[1]!.stored, sealed[1]!.scheme)).toBeDefined();
    const values = [
      ...sealed,
      { stored: 'plain-value', scheme: 'plain' },
      forged,
      { stored: formatWso2Hash('ab'.repeat(32)), scheme: 'hash:SHA-256' },
      { stored: rsa.stored, scheme: `${Transformations.RsaOaepSha1}:${'0'.repeat(40)}` }, // a key not held
      { stored: rsa.stored, scheme: `${Transformations.RsaOaepSha256}:${primary.thumbprint}` }, // the envelope disagrees
      { stored: 'not base64!', scheme: rsa.scheme },
    ];
    const results = await start(reader, threads).reveal(kind, values);
    expect(results.map(fromResult)).toEqual(values.map((v) => outcome(() => reader.reveal(kind, v))));
    expect(results.slice(0, 42).every((r) => r.ok)).toBe(true);
    expect(results.slice(42).some((r) => r.ok)).toBe(false);
  });

  it("openAny: the same plaintexts, schemes and errors as SecretCipher.openAny, for each of WSO2's stored forms", async () => {
    const reader = processor(Transformations.RsaOaepSha1);
    const { vectors } = readVectors();
    const values = [...vectors.filter((v) => !v.symmetricKey).map((v) => v.stored), 'bm90IGEgY2lwaGVydGV4dA==', formatWso2Hash('cd'.repeat(32))];
    const results = await start(reader, 2).openAny(values);
    expect(results.map((r) => (r.ok ? { plaintext: r.plaintext, scheme: r.scheme } : { code: r.error.code, message: r.error.message }))).toEqual(
      values.map((v) => {
        try {
          return reader.cipher.openAny(v);
        } catch (e) {
          return { code: (e as CryptoError).code, message: (e as CryptoError).message };
        }
      }),
    );
    expect(results.filter((r) => r.ok).length).toBeGreaterThan(0);
  });

  it.each([
    ['RSA-OAEP', Transformations.RsaOaepSha1],
    ['RSA-OAEP SHA-256', Transformations.RsaOaepSha256],
    ['AES-GCM', Transformations.AesGcm],
    ['plaintext', 'off'],
  ] as const)('protect writing %s: each value opens to its secret, under the write scheme, with its lookup hash', async (_, transformation) => {
    const writer = processor(transformation);
    const secrets = Array.from({ length: 37 }, (_, i) => `secret-${i}-✓`);
    const sealed = await start(writer, 2).protect(kind, secrets);
    expect(sealed).toHaveLength(secrets.length);
    sealed.forEach((p, i) => {
      expect(p.scheme).toBe(writer.cipher.writeScheme);
      expect(p.hash).toBe(writer.lookupHash(secrets[i]!));
      expect(writer.reveal(kind, p)).toBe(secrets[i]);
    });
  });

  it('protect refuses what TokenProcessor.protect refuses, with its error', async () => {
    const writer = processor(Transformations.RsaOaepSha1);
    const pool = start(writer, 2);
    for (const bad of ['x'.repeat(300), 'lone \ud800 surrogate']) {
      const expected = outcome(() => writer.protect(kind, bad).stored);
      await expect(pool.protect(kind, ['fine', bad])).rejects.toMatchObject(expected);
    }
  });

  it('a thread that dies fails the calls after it, and never leaves a call waiting', async () => {
    const writer = processor(Transformations.RsaOaepSha1);
    const pool = start(writer, 1);
    const sealed = await pool.protect(kind, Array.from({ length: 400 }, (_, i) => `t${i}`));
    // Reach the one thread and stop it, as a crash would, while it works on a batch (≈ 0.1 s of decryption).
    const thread = (pool as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }).threads[0]!;
    const waiting = pool.reveal(kind, sealed).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    await thread.worker.terminate();
    const hung = new Promise((resolve) => setTimeout(() => resolve('hung'), 20_000).unref());
    expect(await Promise.race([waiting, hung])).toMatch(/answered|exited/);
    await expect(pool.reveal(kind, sealed.slice(0, 1))).rejects.toThrow(/an RSA worker thread exited/);
  });
});
