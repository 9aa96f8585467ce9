import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { Keyring, loadKeystore, parseSymmetricKey, SecretCipher, SELECTOR_SECRET_BYTES, selectorOfSecret, TokenProcessor, Transformations, type KeystoreKey, type WriteSettings } from '@app/crypto';
import { WSO2_VECTOR_KEYSTORE } from '../../../../test/support/test-keystore.js';
import { SealedSecretReserve } from './sealed-secret-reserve.js';

const AES = parseSymmetricKey('0123456789abcdef0123456789abcdef');
let rsa: KeystoreKey;
const open: SealedSecretReserve[] = [];

function processor(write: Partial<WriteSettings> = {}): TokenProcessor {
  const keyring = Keyring.create({ rsa: [rsa], symmetric: [AES] });
  return new TokenProcessor(new SecretCipher(keyring, { enabled: true, transformation: Transformations.RsaOaepSha1, ...write }));
}

function reserve(p: TokenProcessor, capacity: number, onFailure?: (error: Error) => void): SealedSecretReserve {
  const made = SealedSecretReserve.for(p, { capacity, secretBytes: SELECTOR_SECRET_BYTES, ...(onFailure ? { onFailure } : {}) });
  if (!made) throw new Error('expected a reserve');
  open.push(made);
  return made;
}

beforeAll(async () => {
  rsa = await loadKeystore({ file: WSO2_VECTOR_KEYSTORE.file, type: 'PKCS12', password: 'wso2carbon', alias: 'wso2carbon' });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

describe('SealedSecretReserve', () => {
  test.each([Transformations.RsaOaepSha1, Transformations.RsaOaepSha256])(
    '%s: fills up in a worker; each secret is new, a selector of the time it was made and 256 bits, and stored exactly as the processor stores it',
    async (transformation) => {
      const p = processor({ transformation });
      const before = Date.now();
      const r = reserve(p, 40);
      await r.filled();
      const after = Date.now();
      expect(r.size).toBe(40);
      const taken = Array.from({ length: 40 }, () => r.take()!);
      expect(new Set(taken.map((t) => t.secret)).size).toBe(40);
      for (const { secret, protected: stored } of taken) {
        expect(secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
        const selector = selectorOfSecret(secret)!;
        expect(selector).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        const madeAt = parseInt(selector.replace(/-/g, '').slice(0, 12), 16);
        expect(madeAt).toBeGreaterThanOrEqual(before);
        expect(madeAt).toBeLessThanOrEqual(after);
        expect(stored.scheme).toBe(p.cipher.writeScheme);
        expect(stored.hash).toBe(p.lookupHash(secret));
        expect(p.reveal('access_token', stored)).toBe(secret);
        expect(stored.stored).not.toContain(secret);
      }
    },
  );

  test('refills as secrets are taken, and says so when none is ready', async () => {
    const r = reserve(processor(), 8);
    await r.filled();
    for (let i = 0; i < 8; i++) expect(r.take()).toBeDefined();
    expect(r.take()).toBeUndefined(); // asked for, not made yet: the caller seals on the spot
    await r.filled();
    expect(r.size).toBe(8);
  });

  test('asks the worker for whole chunks, not after every take', async () => {
    const r = reserve(processor(), 64);
    await r.filled();
    expect(r.size).toBe(64);
    r.take();
    await r.filled();
    expect(r.size).toBe(63); // one taken: no request yet
    for (let i = 0; i < 31; i++) r.take();
    await r.filled();
    expect(r.size).toBe(64); // a chunk's worth taken: refilled
  });

  test('is made only for processors that write RSA-OAEP, and only with a capacity', () => {
    const options = { capacity: 16, secretBytes: SELECTOR_SECRET_BYTES };
    expect(SealedSecretReserve.for(processor({ enabled: false }), options)).toBeUndefined();
    expect(SealedSecretReserve.for(processor({ transformation: Transformations.AesGcm }), options)).toBeUndefined();
    expect(SealedSecretReserve.for(processor(), { ...options, capacity: 0 })).toBeUndefined();
  });

  test('close() forgets every secret it made', async () => {
    const r = reserve(processor(), 8);
    await r.filled();
    await r.close();
    expect(r.size).toBe(0);
    expect(r.take()).toBeUndefined();
  });

  test('a worker that fails is reported once, without secret material, and the reserve stays empty', async () => {
    const p = processor();
    const broken = Object.create(p, {
      cipher: { value: Object.create(p.cipher, { rsaWriteKey: { value: { ...p.cipher.rsaWriteKey!, publicKeyDer: Buffer.from('not a key') } } }) },
    }) as TokenProcessor;
    const failures: Error[] = [];
    const r = reserve(broken, 8, (error) => failures.push(error));
    await r.filled();
    for (let i = 0; i < 50 && failures.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).not.toMatch(/BEGIN|PRIVATE/);
    expect(r.take()).toBeUndefined();
  });
});
