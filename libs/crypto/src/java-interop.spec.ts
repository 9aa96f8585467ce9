// "Data we write must be readable by WSO2": a Java program reads our PKCS#12 keystore with KeyStore and
// decrypts our values with JCE, using the parameters BouncyCastle gives these transformation names.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPkcs12Keystore, Keyring, loadKeystore, parseSymmetricKey, SecretCipher, Transformations } from './index.js';
import { hasTool, runTool, temporaryDirectory } from './test/crypto.fixtures.js';

const HAS_JAVA = hasTool('java', ['-version']);
if (!HAS_JAVA) console.warn('java-interop spec: java not on PATH; skipped');
const READER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'test', 'Wso2Reader.java');
const AES_HEX = '956bde61e39c9602e4043b11a648faf4c270f43c8c4925c7f202e0971d594b9b';
const PLAINTEXTS = ['6c4cec2a-851f-ff74-90f8-76f22b5b4142', '', 'ünïcødé-токен-🔑', 'x'.repeat(190)];

(HAS_JAVA ? describe : describe.skip)('Java reads what SecretCipher writes', () => {
  const temp = temporaryDirectory();
  afterAll(() => temp.cleanup());

  it('for every writeable transformation, with our keystore', async () => {
    const keystore = path.join(temp.dir, 'primary.p12');
    writeFileSync(keystore, await createPkcs12Keystore({ alias: 'wso2carbon', password: 'java-interop' }));
    const primary = await loadKeystore({ file: keystore, type: 'PKCS12', password: 'java-interop', alias: 'wso2carbon' });
    const aes = parseSymmetricKey(AES_HEX);
    const keyring = Keyring.create({ rsa: [primary], symmetric: [aes] });

    const expected: string[] = [];
    const values: string[] = [];
    for (const transformation of [Transformations.RsaOaepSha1, Transformations.RsaOaepSha256, Transformations.AesGcm]) {
      const cipher = new SecretCipher(keyring, { enabled: true, transformation });
      const id = transformation === Transformations.AesGcm ? aes.keyId : primary.thumbprint;
      for (const text of [...PLAINTEXTS, ...(transformation === Transformations.AesGcm ? ['y'.repeat(5000)] : [])]) {
        values.push(cipher.seal(text).stored);
        expected.push(`${id}\t${Buffer.from(text, 'utf8').toString('base64')}`);
      }
    }
    const input = path.join(temp.dir, 'values.txt');
    writeFileSync(input, values.join('\n') + '\n');
    const output = runTool('java', [READER, keystore, 'java-interop', 'wso2carbon', AES_HEX, input]);
    expect(output.trimEnd().split('\n')).toEqual(expected);
  }, 60_000);
});
