import { beforeAll, describe, expect, test } from '@jest/globals';
import { Keyring, loadKeystore, parseSymmetricKey, SecretCipher, TokenProcessor, Transformations, type KeystoreKey, type WriteSettings } from '@app/crypto';
import { WSO2_VECTOR_KEYSTORE } from '../../../../test/support/test-keystore.js';
import type { EncryptionMaterial } from './encryption-material.js';
import { EncryptionService } from './encryption.service.js';

const OLD_AES = parseSymmetricKey('0123456789abcdef0123456789abcdef');
const NEW_AES = parseSymmetricKey('fedcba9876543210fedcba9876543210');
let rsa: KeystoreKey;

function material(write: WriteSettings, symmetric = [OLD_AES]): EncryptionMaterial {
  const keyring = Keyring.create({ rsa: [rsa], symmetric });
  const processor = new TokenProcessor(new SecretCipher(keyring, write));
  return { keyring, primary: rsa, write, processor, profile: processor.profile };
}

beforeAll(async () => {
  rsa = await loadKeystore({ file: WSO2_VECTOR_KEYSTORE.file, type: 'PKCS12', password: 'wso2carbon', alias: 'wso2carbon' });
});

describe('EncryptionService: a declared change', () => {
  const rsaWrite = () => material({ enabled: true, transformation: Transformations.RsaOaepSha1, rsaKeyId: rsa.thumbprint });
  const aesWrite = () => material({ enabled: true, transformation: Transformations.AesGcm, rsaKeyId: rsa.thumbprint, symmetricKeyId: NEW_AES.keyId }, [NEW_AES, OLD_AES]);

  test('in steady state, only the same profile is accepted, and the refusal names the differing settings', () => {
    const service = new EncryptionService(rsaWrite());
    expect(service.check(rsaWrite().profile)).toEqual({ compatible: true });
    const refused = service.check(aesWrite().profile);
    expect(refused.compatible).toBe(false);
    expect(refused.compatible === false && refused.differences.join('\n')).toContain('transformation');
  });

  test('prepared: reads the new keys, still writes as before, accepts both sides', () => {
    const before = rsaWrite();
    const next = aesWrite();
    const service = new EncryptionService(before);
    const writtenByPeerAfterCommit = next.processor.protect('access_token', 'peer-value');
    expect(service.processor.cipher.canRead(writtenByPeerAfterCommit.scheme)).toBe(false);

    service.stage('t1', next);
    expect(service.transition).toMatchObject({ id: 't1', phase: 'prepared', from: before.profile, to: next.profile });
    expect(service.profile).toEqual(before.profile);
    expect(service.processor.protect('access_token', 'x').scheme).toBe(before.processor.cipher.writeScheme);
    expect(service.processor.reveal('access_token', writtenByPeerAfterCommit)).toBe('peer-value');
    expect(service.check(before.profile)).toEqual({ compatible: true });
    expect(service.check(next.profile)).toEqual({ compatible: true });
    expect(service.check(material({ enabled: false, transformation: Transformations.RsaOaepSha1 }).profile).compatible).toBe(false);
  });

  test('committed: writes with the new settings; finished: accepts only the new profile', () => {
    const before = rsaWrite();
    const next = aesWrite();
    const service = new EncryptionService(before);
    service.stage('t1', next);
    service.commit('t1');
    expect(service.profile).toEqual(next.profile);
    expect(service.processor.protect('access_token', 'x').scheme).toBe(next.processor.cipher.writeScheme);
    expect(service.check(before.profile)).toEqual({ compatible: true });
    service.finish('t1');
    expect(service.transition).toBeNull();
    expect(service.check(before.profile).compatible).toBe(false);
    expect(service.check(next.profile)).toEqual({ compatible: true });
  });

  test('abort returns to the settings in use before, even after commit', () => {
    const before = rsaWrite();
    const service = new EncryptionService(before);
    service.stage('t1', aesWrite());
    service.commit('t1');
    expect(service.abort('t1')).toBe(true);
    expect(service.profile).toEqual(before.profile);
    expect(service.transition).toBeNull();
    expect(service.abort('t1')).toBe(false);
  });

  test('a change whose keys cannot read what the node writes now is refused at stage', () => {
    const service = new EncryptionService(aesWrite());
    const withoutNewAes = material({ enabled: true, transformation: Transformations.RsaOaepSha1, rsaKeyId: rsa.thumbprint }, [OLD_AES]);
    expect(() => service.stage('t2', withoutNewAes)).toThrow(expect.objectContaining({ code: 'CIPHER_KEY_UNAVAILABLE' }));
    expect(service.transition).toBeNull();
  });

  test('commit and finish of an unknown change are refused', () => {
    const service = new EncryptionService(rsaWrite());
    expect(() => service.commit('nope')).toThrow(/no declared encryption change/);
    expect(() => service.finish('nope')).toThrow(/no declared encryption change/);
  });
});
