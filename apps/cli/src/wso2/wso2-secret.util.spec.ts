import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatWso2Hash, HASHED_SCHEME, Keyring, loadKeystore, parseSymmetricKey, SecretCipher, TokenProcessor, Transformations, type KeystoreKey } from '@app/crypto';
import { REPO_ROOT, WSO2_VECTOR_KEYSTORE } from '../../../../test/support/test-keystore.js';
import { jtiOfStoredJwt } from './wso2-jwt.util.js';
import { readWso2Secret } from './wso2-secret.util.js';

interface Vector {
  id: string;
  transformation: string;
  plaintext: string;
  stored: string;
  symmetricKey?: string;
}

const { certificateThumbprintSha1: THUMBPRINT, vectors } = JSON.parse(readFileSync(resolve(REPO_ROOT, '../shared/vectors/wso2/vectors.json'), 'utf8')) as {
  certificateThumbprintSha1: string;
  vectors: Vector[];
};
const vector = (id: string) => vectors.find((v) => v.id === id)!;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
/** WSO2's hash column / hashed value form (HashingPersistenceProcessor since identity-inbound-auth-oauth 6.0.33). */
const wso2Hash = formatWso2Hash;

let key: KeystoreKey;
let processor: TokenProcessor;
beforeAll(async () => {
  key = await loadKeystore(WSO2_VECTOR_KEYSTORE);
  const symmetric = [...new Set(vectors.flatMap((v) => (v.symmetricKey ? [v.symmetricKey] : [])))].map(parseSymmetricKey);
  // The write settings do not matter here: nothing is re-encrypted.
  processor = new TokenProcessor(new SecretCipher(Keyring.create({ rsa: [key], symmetric }), { enabled: true, transformation: Transformations.AesGcm }));
});

describe('readWso2Secret', () => {
  test.each(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v47', 'v48'])(
    'vector %s: kept exactly as WSO2 stored it, under the scheme it was made with, with the hash of its plaintext',
    (id) => {
      const v = vector(id);
      const reading = readWso2Secret(v.stored, { encrypted: true, processor }, sha256(v.plaintext));
      expect(reading).toMatchObject({ ok: true, plaintext: v.plaintext, secret: { stored: v.stored, hash: sha256(v.plaintext) } });
      const scheme = reading.ok ? reading.secret.scheme : '';
      expect(scheme.startsWith(`${v.transformation}:`)).toBe(true);
      if (v.transformation !== Transformations.AesGcm) expect(scheme).toBe(`${v.transformation}:${THUMBPRINT}`);
      // The Key Manager reads it back with the recorded scheme, never guessing.
      expect(processor.reveal('access_token', reading.ok ? reading.secret : { stored: '', scheme: '' })).toBe(v.plaintext);
    },
  );

  test('a value that does not decrypt is a failure, never taken for plaintext', () => {
    const v = vector('v0');
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(v.stored, 'base64').toString()), c: Buffer.alloc(256, 7).toString('base64') })).toString('base64');
    expect(readWso2Secret(altered, { encrypted: true, processor })).toMatchObject({ ok: false, failure: { code: 'WSO2_VALUE_UNDECRYPTABLE' } });
    expect(readWso2Secret('6c4cec2a-851f-ff74-90f8-76f22b5b4142', { encrypted: true, processor })).toMatchObject({ ok: false, failure: { code: 'WSO2_VALUE_UNDECRYPTABLE' } });
  });

  test('a value made with a key that is not configured says which key to configure', () => {
    const onlyAes = new TokenProcessor(new SecretCipher(Keyring.create({ rsa: [], symmetric: [parseSymmetricKey(vector('v4').symmetricKey!)] }), { enabled: false, transformation: Transformations.RsaOaepSha1 }));
    const reading = readWso2Secret(vector('v0').stored, { encrypted: true, processor: onlyAes });
    expect(reading).toMatchObject({ ok: false, failure: { code: 'WSO2_KEY_NOT_CONFIGURED' } });
    expect(reading.ok ? '' : reading.failure.message).toContain(THUMBPRINT);
  });

  test("checks WSO2's own hash, in both of WSO2's forms: a wrong plaintext is refused", () => {
    const v = vector('v3');
    for (const column of [sha256('something else'), wso2Hash(sha256('something else'))]) {
      expect(readWso2Secret(v.stored, { encrypted: true, processor }, column)).toMatchObject({ ok: false, failure: { code: 'WSO2_HASH_MISMATCH' } });
    }
    // WSO2's JSON form, as identity-inbound-auth-oauth 6.0.33 and later write it, is matched like bare hex.
    expect(readWso2Secret(v.stored, { encrypted: true, processor }, wso2Hash(sha256(v.plaintext)))).toMatchObject({ ok: true });
    expect(readWso2Secret('plain-token-1', { encrypted: false, processor }, wso2Hash(sha256('plain-token-2')))).toMatchObject({ ok: false, failure: { code: 'WSO2_HASH_MISMATCH' } });
    // A hash made with another algorithm cannot be compared: it is not checked (as a missing column).
    expect(readWso2Secret('plain-token-1', { encrypted: false, processor }, `{"hash":"${'ab'.repeat(64)}","algorithm":"SHA-512"}`)).toMatchObject({ ok: true });
  });

  describe("WSO2's hashed secrets (hash_tokens_and_secrets) stay hashes, never credentials", () => {
    const token = 'a-token-wso2-only-kept-the-hash-of';
    const hashOnly = { ok: true, plaintext: null, secret: { stored: wso2Hash(sha256(token)), scheme: HASHED_SCHEME, hash: sha256(token) } };

    test.each([true, false])('the JSON hash object, whatever --source-encrypted says (%s), and with or without its hash column', (encrypted) => {
      for (const column of [undefined, null, wso2Hash(sha256(token)), sha256(token)]) {
        expect(readWso2Secret(wso2Hash(sha256(token)), { encrypted, processor }, column)).toEqual(hashOnly);
      }
      // In any key order or case, as WSO2's isProcessed() accepts it.
      expect(readWso2Secret(`{"algorithm":"SHA-256","hash":"${sha256(token).toUpperCase()}"}`, { encrypted, processor })).toEqual(hashOnly);
    });

    test('bare hex (before 6.0.33) when it is the hash its row names, or when --source-hashed says so; never otherwise', () => {
      expect(readWso2Secret(sha256(token), { encrypted: false, processor }, sha256(token))).toEqual(hashOnly);
      expect(readWso2Secret(sha256(token), { encrypted: false, processor }, wso2Hash(sha256(token)))).toEqual(hashOnly);
      expect(readWso2Secret(sha256(token), { encrypted: false, hashed: true, processor })).toEqual(hashOnly);
      // A consumer secret that happens to be 64 hex digits, from a deployment that did not hash: a secret.
      expect(readWso2Secret(sha256(token), { encrypted: false, processor })).toMatchObject({ ok: true, plaintext: sha256(token), secret: { scheme: 'plain' } });
    });

    test("a hash that is not its row's, or not a SHA-256, is refused with a code that says so", () => {
      expect(readWso2Secret(wso2Hash(sha256(token)), { encrypted: false, processor }, sha256('another'))).toMatchObject({ ok: false, failure: { code: 'WSO2_HASH_MISMATCH' } });
      const sha512 = readWso2Secret(`{"hash":"${'ab'.repeat(64)}","algorithm":"SHA-512"}`, { encrypted: false, processor });
      expect(sha512).toMatchObject({ ok: false, failure: { code: 'WSO2_HASH_UNSUPPORTED', message: expect.stringContaining('"SHA-512"') } });
      expect(readWso2Secret('{"hash":"not-hex","algorithm":"SHA-256"}', { encrypted: false, processor })).toMatchObject({ ok: false, failure: { code: 'WSO2_HASH_UNSUPPORTED' } });
    });
  });

  test('plaintext sources are stored as plain; a WSO2 ciphertext there means --source-encrypted is wrong', () => {
    expect(readWso2Secret('plain-token-1', { encrypted: false, processor }, sha256('plain-token-1'))).toEqual({
      ok: true,
      plaintext: 'plain-token-1',
      secret: { stored: 'plain-token-1', scheme: 'plain', hash: sha256('plain-token-1') },
    });
    expect(readWso2Secret(vector('v5').stored, { encrypted: false, processor })).toMatchObject({ ok: false, failure: { code: 'WSO2_VALUE_LOOKS_ENCRYPTED' } });
  });

  test('an empty value, or one that decrypts to nothing, is refused', () => {
    expect(readWso2Secret('', { encrypted: false, processor })).toMatchObject({ ok: false, failure: { code: 'WSO2_VALUE_EMPTY' } });
    expect(readWso2Secret(vector('v40').stored, { encrypted: true, processor })).toMatchObject({ ok: false, failure: { code: 'WSO2_VALUE_EMPTY' } });
  });

  test('no failure message carries the value or its plaintext', () => {
    for (const v of vectors) {
      const reading = readWso2Secret(v.stored, { encrypted: false, processor });
      if (!reading.ok) {
        expect(reading.failure.message).not.toContain(v.stored);
        if (v.plaintext) expect(reading.failure.message).not.toContain(v.plaintext);
      }
    }
  });
});

describe('jtiOfStoredJwt', () => {
  const segment = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  test('finds the jti of a whole JWT, and leaves opaque tokens and bare jtis alone', () => {
    expect(jtiOfStoredJwt(`${segment({ alg: 'RS256' })}.${segment({ jti: 'a1b2', sub: 'x' })}.c2ln`)).toBe('a1b2');
    expect(jtiOfStoredJwt(`${segment({ alg: 'RS256' })}.${segment({ sub: 'x' })}.c2ln`)).toBeNull();
    expect(jtiOfStoredJwt('6c4cec2a-851f-ff74-90f8-76f22b5b4142')).toBeUndefined();
    expect(jtiOfStoredJwt('a.b.c')).toBeUndefined();
  });
});
