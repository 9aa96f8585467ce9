import { afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import pino from 'pino';
import { Writable } from 'node:stream';
import type { DeploymentConfig } from '@app/config';
import { Keyring, loadKeystore, parseSymmetricKey, SecretCipher, TokenProcessor, Transformations, type KeystoreKey, type WriteSettings } from '@app/crypto';
import { EncryptionService, MetricsRegistry, ProcessIdentity, type EncryptionMaterial } from '@app/platform';
import { WSO2_VECTOR_KEYSTORE } from '../../../../test/support/test-keystore.js';
import { KeyManagerMetrics } from '../common/key-manager.metrics.js';
import { FreshSecrets } from './fresh-secrets.service.js';

const AES = parseSymmetricKey('0123456789abcdef0123456789abcdef');
let rsa: KeystoreKey;
const started: FreshSecrets[] = [];

function material(write: WriteSettings): EncryptionMaterial {
  const keyring = Keyring.create({ rsa: [rsa], symmetric: [AES] });
  const processor = new TokenProcessor(new SecretCipher(keyring, write));
  return { keyring, primary: rsa, write, processor, profile: processor.profile };
}
const RSA_WRITE: WriteSettings = { enabled: true, transformation: Transformations.RsaOaepSha1 };
const AES_WRITE: WriteSettings = { enabled: true, transformation: Transformations.AesGcm };

function freshSecrets(encryption: EncryptionService, capacity: number) {
  const metrics = new KeyManagerMetrics(new MetricsRegistry(new ProcessIdentity('key-manager')));
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  const config = { encryption: { sealedSecretReserve: capacity } } as DeploymentConfig;
  const secrets = new FreshSecrets(encryption, metrics, config, logger);
  secrets.onModuleInit();
  started.push(secrets);
  const sealed = async () => Object.fromEntries((await metrics.secretsSealed.get()).values.map((v) => [v.labels.when, v.value]));
  return { secrets, sealed, lines };
}

beforeAll(async () => {
  rsa = await loadKeystore({ file: WSO2_VECTOR_KEYSTORE.file, type: 'PKCS12', password: 'wso2carbon', alias: 'wso2carbon' });
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.onModuleDestroy()));
});

describe('FreshSecrets', () => {
  test('with RSA-OAEP, serves secrets sealed ahead, and seals on the spot when none is ready', async () => {
    const encryption = new EncryptionService(material(RSA_WRITE));
    const { secrets, sealed } = freshSecrets(encryption, 4);
    await secrets.currentReserve!.filled();
    expect(secrets.currentReserve!.size).toBe(4);
    const issued = Array.from({ length: 6 }, () => secrets.next('access_token'));
    expect(await sealed()).toEqual({ ahead: 4, on_request: 2 });
    for (const { secret, protected: stored } of issued) {
      expect(encryption.processor.reveal('access_token', stored)).toBe(secret);
      expect(stored.hash).toBe(encryption.processor.lookupHash(secret));
    }
  });

  test('after a switch of settings, the next secret is sealed with the new ones; the old reserve is dropped', async () => {
    const before = material(RSA_WRITE);
    const encryption = new EncryptionService(before);
    const { secrets } = freshSecrets(encryption, 4);
    const oldReserve = secrets.currentReserve!;
    await oldReserve.filled();
    encryption.stage('t1', material(AES_WRITE));
    encryption.commit('t1');
    const next = secrets.next('refresh_token');
    expect(next.protected.scheme).toBe(encryption.processor.cipher.writeScheme);
    expect(next.protected.scheme).not.toBe(before.processor.cipher.writeScheme);
    expect(encryption.processor.reveal('refresh_token', next.protected)).toBe(next.secret);
    expect(oldReserve.size).toBe(0);
    expect(secrets.currentReserve).toBeUndefined(); // AES seals in microseconds: nothing to do ahead
  });

  test('with the reserve off, or encryption off, every secret is made on the spot', async () => {
    const off = freshSecrets(new EncryptionService(material(RSA_WRITE)), 0);
    expect(off.secrets.currentReserve).toBeUndefined();
    const plain = new EncryptionService(material({ enabled: false, transformation: Transformations.RsaOaepSha1 }));
    const { secrets } = freshSecrets(plain, 16);
    const issued = secrets.next('authorization_code');
    expect(issued.protected).toEqual({ stored: issued.secret, scheme: 'plain', hash: plain.processor.lookupHash(issued.secret) });
    expect(off.secrets.next('access_token').protected.scheme).toBe(new EncryptionService(material(RSA_WRITE)).processor.cipher.writeScheme);
  });
});
