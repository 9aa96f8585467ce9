import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPkcs12Keystore, CryptoError, loadKeystore } from './index.js';
import { hasTool, runTool, temporaryDirectory } from './test/crypto.fixtures.js';

const withOpenssl = hasTool('openssl', ['version']) ? it : it.skip;
const withKeytool = hasTool('keytool', ['-help']) ? it : it.skip;

const temp = temporaryDirectory();
afterAll(() => temp.cleanup());
const file = (name: string) => path.join(temp.dir, name);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return 'resolved';
}

describe('createPkcs12Keystore', () => {
  it('creates a keystore that loads back with the requested alias, subject, size and validity', async () => {
    const bytes = await createPkcs12Keystore({ alias: 'dev', password: 'dev-pass', keySizeBits: 3072, dname: 'CN=api.example.com, OU=APIM, O=Example\\, Inc., C=US', validityDays: 30 });
    writeFileSync(file('dev.p12'), bytes);
    const key = await loadKeystore({ file: file('dev.p12'), type: 'PKCS12', password: 'dev-pass', alias: 'dev' });
    expect(key.keySizeBits).toBe(3072);
    expect(key.subject).toBe('CN=api.example.com, OU=APIM, O=Example\\, Inc., C=US');
    expect(key.expired).toBe(false);
    const days = (key.notAfter.getTime() - key.notBefore.getTime()) / 86_400_000;
    expect(days).toBeCloseTo(30, 5);
    expect(await codeOf(loadKeystore({ file: file('dev.p12'), type: 'PKCS12', password: 'wrong', alias: 'dev' }))).toBe('KEYSTORE_BAD_PASSWORD');
  });

  it('rejects invalid options before generating anything', async () => {
    await expect(createPkcs12Keystore({ alias: '', password: 'x' })).rejects.toThrow(TypeError);
    await expect(createPkcs12Keystore({ alias: 'a', password: '' })).rejects.toThrow(TypeError);
    await expect(createPkcs12Keystore({ alias: 'a', password: 'x', keySizeBits: 1024 as 2048 })).rejects.toThrow(RangeError);
    await expect(createPkcs12Keystore({ alias: 'a', password: 'x', validityDays: 0 })).rejects.toThrow(RangeError);
    await expect(createPkcs12Keystore({ alias: 'a', password: 'x', dname: 'XX=nope' })).rejects.toThrow(TypeError);
  });

  describe('is readable by Java and OpenSSL', () => {
    let thumbprint: string;
    beforeAll(async () => {
      writeFileSync(file('java.p12'), await createPkcs12Keystore({ alias: 'wso2carbon', password: 'java-pass', dname: 'CN=localhost, O=Example, C=US' }));
      thumbprint = (await loadKeystore({ file: file('java.p12'), type: 'PKCS12', password: 'java-pass', alias: 'wso2carbon' })).thumbprint;
    });

    withKeytool('keytool lists the key entry with our thumbprint', () => {
      const out = runTool('keytool', ['-list', '-v', '-keystore', file('java.p12'), '-storetype', 'PKCS12', '-storepass', 'java-pass']);
      expect(out).toContain('Alias name: wso2carbon');
      expect(out).toContain('Entry type: PrivateKeyEntry');
      expect(out).toContain('Owner: CN=localhost, O=Example, C=US');
      expect(out.replace(/:/g, '')).toContain(`SHA1 ${thumbprint}`);
    }, 30_000);

    withOpenssl('openssl verifies the MAC and decrypts the key', () => {
      const out = runTool('openssl', ['pkcs12', '-in', file('java.p12'), '-passin', 'pass:java-pass', '-nodes', '-nocerts']);
      expect(out).toContain('BEGIN PRIVATE KEY');
    });
  });
});
