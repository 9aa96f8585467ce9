import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildPkcs12, parseDname } from './keystore.factory.js';
import { createPkcs12Keystore, CryptoError, inspectKeystore, loadKeystore, type CryptoErrorCode, type KeystoreOptions } from './index.js';
import { hasTool, PRIMARY, readVectors, runTool, temporaryDirectory } from './test/crypto.fixtures.js';

const { certificateThumbprintSha1 } = readVectors();
const HAS_OPENSSL = hasTool('openssl', ['version']);
const HAS_KEYTOOL = hasTool('keytool', ['-help']);
const withOpenssl = HAS_OPENSSL ? it : it.skip;
const withKeytool = HAS_KEYTOOL ? it : it.skip;
if (!HAS_OPENSSL || !HAS_KEYTOOL) {
  console.warn(`keystore specs: ${HAS_OPENSSL ? '' : 'openssl '}${HAS_KEYTOOL ? '' : 'keytool '}not on PATH; the tests needing it are skipped`);
}

const temp = temporaryDirectory();
afterAll(() => temp.cleanup());
const file = (name: string) => path.join(temp.dir, name);

async function failure(promise: Promise<unknown>): Promise<CryptoError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CryptoError) return error;
    throw error;
  }
  throw new Error('expected a CryptoError, but the promise resolved');
}

async function codeOf(promise: Promise<unknown>): Promise<CryptoErrorCode> {
  return (await failure(promise)).code;
}

describe('loadKeystore', () => {
  it.each(['PKCS12', 'JKS'] as const)('opens the WSO2 %s keystore into node:crypto keys', async (type) => {
    const key = await loadKeystore(PRIMARY[type]);
    expect(key.privateKey.type).toBe('private');
    expect(key.publicKey.type).toBe('public');
    expect(key.thumbprint).toBe(certificateThumbprintSha1);
    expect(key.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(key.certificateDer.length).toBeGreaterThan(500);
    expect(key.notBefore.getTime()).toBeLessThan(key.notAfter.getTime());
  });

  it('decodes a PKCS#12 file off the event loop: the loop stays idle while its key derivations run', async () => {
    // createPkcs12Keystore's files take 10,000 rounds per key derivation, in node-forge's JavaScript: on the
    // event loop that stalled a service's requests while a rollout reloaded its keystores.
    const p12 = file('responsive.p12');
    writeFileSync(p12, await createPkcs12Keystore({ alias: 'responsive', password: 'responsive-pw' }));
    const options = { file: p12, type: 'PKCS12', password: 'responsive-pw', alias: 'responsive' } as const;
    await loadKeystore(options); // once first, so module loading and compilation are not measured
    const before = performance.eventLoopUtilization();
    await Promise.all([loadKeystore(options), loadKeystore(options)]);
    const { utilization } = performance.eventLoopUtilization(before);
    // Decoded on the loop, the loop is busy nearly all the time (utilization near 1); on worker threads it idles.
    expect(utilization).toBeLessThan(0.5);
  });

  it('matches aliases case-insensitively, as Java does', async () => {
    expect((await loadKeystore({ ...PRIMARY.JKS, alias: 'WSO2Carbon' })).alias).toBe('wso2carbon');
  });

  it('KEYSTORE_NOT_FOUND for a missing file', async () => {
    const error = await failure(loadKeystore({ ...PRIMARY.PKCS12, file: file('missing.p12') }));
    expect(error.code).toBe('KEYSTORE_NOT_FOUND');
    expect(error.message).toContain('missing.p12');
  });

  it.each(['PKCS12', 'JKS'] as const)('KEYSTORE_BAD_PASSWORD for a wrong %s store password, without showing it', async (type) => {
    const error = await failure(loadKeystore({ ...PRIMARY[type], password: 'Wr0ngPassw0rd' }));
    expect(error.code).toBe('KEYSTORE_BAD_PASSWORD');
    expect(error.message).not.toContain('Wr0ngPassw0rd');
    expect(JSON.stringify(error.details)).not.toContain('Wr0ngPassw0rd');
  });

  it.each(['PKCS12', 'JKS'] as const)('KEYSTORE_BAD_KEY_PASSWORD for a wrong %s key password, without showing it', async (type) => {
    const error = await failure(loadKeystore({ ...PRIMARY[type], keyPassword: 'Wr0ngKeyPassw0rd' }));
    expect(error.code).toBe('KEYSTORE_BAD_KEY_PASSWORD');
    expect(error.message).not.toContain('Wr0ngKeyPassw0rd');
  });

  it('KEYSTORE_ALIAS_NOT_FOUND lists the aliases that exist', async () => {
    const error = await failure(loadKeystore({ ...PRIMARY.PKCS12, alias: 'nope' }));
    expect(error.code).toBe('KEYSTORE_ALIAS_NOT_FOUND');
    expect(error.message).toContain('"nope"');
    expect(error.message).toContain('"wso2carbon"');
  });

  it('KEYSTORE_UNREADABLE for a damaged, truncated, empty or unknown file, or a directory', async () => {
    const p12 = readFileSync(PRIMARY.PKCS12.file);
    const jks = readFileSync(PRIMARY.JKS.file);
    writeFileSync(file('truncated.p12'), p12.subarray(0, 700));
    writeFileSync(file('truncated.jks'), jks.subarray(0, 700));
    writeFileSync(file('empty.p12'), Buffer.alloc(0));
    writeFileSync(file('text.p12'), 'not a keystore at all\n');
    mkdirSync(file('dir.p12'));
    for (const [name, type] of [
      ['truncated.p12', 'PKCS12'],
      ['truncated.jks', 'JKS'],
      ['empty.p12', 'PKCS12'],
      ['text.p12', 'PKCS12'],
      ['dir.p12', 'PKCS12'],
    ] as const) {
      expect([name, await codeOf(loadKeystore({ ...PRIMARY[type], file: file(name) }))]).toEqual([name, 'KEYSTORE_UNREADABLE']);
    }
  });

  it('KEYSTORE_UNSUPPORTED_TYPE for a type other than PKCS12/JKS, and for a JCEKS file', async () => {
    expect(await codeOf(loadKeystore({ ...PRIMARY.PKCS12, type: 'JCEKS' as KeystoreOptions['type'] }))).toBe('KEYSTORE_UNSUPPORTED_TYPE');
    const jceks = Buffer.from(readFileSync(PRIMARY.JKS.file));
    jceks.writeUInt32BE(0xcececece, 0);
    writeFileSync(file('store.jceks'), jceks);
    expect(await codeOf(loadKeystore({ ...PRIMARY.JKS, file: file('store.jceks') }))).toBe('KEYSTORE_UNSUPPORTED_TYPE');
  });

  it('reads the format from the content, as Java does (a PKCS#12 configured as JKS opens)', async () => {
    expect((await loadKeystore({ ...PRIMARY.PKCS12, type: 'JKS' })).thumbprint).toBe(certificateThumbprintSha1);
  });

  it('reports an expired certificate through `expired` (not an error)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const day = 24 * 60 * 60 * 1000;
    writeFileSync(
      file('expired.p12'),
      buildPkcs12({
        alias: 'old',
        password: 'pw-expired',
        privateKey,
        subject: parseDname('CN=expired'),
        notBefore: new Date(Date.now() - 400 * day),
        notAfter: new Date(Date.now() - 35 * day),
      }),
    );
    const key = await loadKeystore({ file: file('expired.p12'), type: 'PKCS12', password: 'pw-expired', alias: 'old' });
    expect(key.expired).toBe(true);
    expect(key.notAfter.getTime()).toBeLessThan(Date.now());
    const { entries } = await inspectKeystore(file('expired.p12'), 'pw-expired');
    expect(entries[0]?.expired).toBe(true);
  });

  withOpenssl('KEYSTORE_NOT_RSA for an EC key (PKCS#12 made by openssl)', async () => {
    runTool('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('ec.key')]);
    runTool('openssl', ['req', '-x509', '-new', '-key', file('ec.key'), '-subj', '/CN=ec', '-days', '2', '-out', file('ec.crt')]);
    runTool('openssl', ['pkcs12', '-export', '-inkey', file('ec.key'), '-in', file('ec.crt'), '-name', 'ec', '-passout', 'pass:ec-pass', '-out', file('ec.p12')]);
    const error = await failure(loadKeystore({ file: file('ec.p12'), type: 'PKCS12', password: 'ec-pass', alias: 'ec' }));
    expect(error.code).toBe('KEYSTORE_NOT_RSA');
    expect(error.message).toContain('EC');
    const { entries } = await inspectKeystore(file('ec.p12'), 'ec-pass');
    expect(entries).toEqual([expect.objectContaining({ alias: 'ec', hasPrivateKey: true, keyAlgorithm: 'EC', keySizeBits: 256, subject: 'CN=ec' })]);
  });

  withKeytool('JKS: a key password distinct from the store password; EC keys; trusted certificates (made by keytool)', async () => {
    const jks = file('distinct.jks');
    const common = ['-keystore', jks, '-storetype', 'JKS', '-storepass', 'store-pass'];
    runTool('keytool', ['-genkeypair', ...common, '-alias', 'rsa', '-keypass', 'key-pass', '-keyalg', 'RSA', '-keysize', '2048', '-dname', 'CN=rsa, O=Test', '-validity', '2']);
    runTool('keytool', ['-genkeypair', ...common, '-alias', 'ec', '-keypass', 'key-pass', '-keyalg', 'EC', '-groupname', 'secp256r1', '-dname', 'CN=ec', '-validity', '2']);
    runTool('keytool', ['-exportcert', '-keystore', PRIMARY.JKS.file, '-storepass', 'wso2carbon', '-alias', 'wso2carbon', '-file', file('wso2.cer')]);
    runTool('keytool', ['-importcert', ...common, '-alias', 'trusted', '-file', file('wso2.cer'), '-noprompt']);

    const options = { file: jks, type: 'JKS', password: 'store-pass', alias: 'rsa' } as const;
    const key = await loadKeystore({ ...options, keyPassword: 'key-pass' });
    expect(key.subject).toBe('CN=rsa, O=Test');
    expect(await codeOf(loadKeystore(options))).toBe('KEYSTORE_BAD_KEY_PASSWORD'); // key password defaults to the store's
    expect(await codeOf(loadKeystore({ ...options, alias: 'ec', keyPassword: 'key-pass' }))).toBe('KEYSTORE_NOT_RSA');
    const trusted = await failure(loadKeystore({ ...options, alias: 'trusted', keyPassword: 'key-pass' }));
    expect(trusted.code).toBe('KEYSTORE_ALIAS_NOT_FOUND');
    expect(trusted.message).toContain('trusted certificate');

    const { type, entries } = await inspectKeystore(jks, 'store-pass');
    expect(type).toBe('JKS');
    const byAlias = Object.fromEntries(entries.map((e) => [e.alias, e]));
    expect(byAlias['rsa']).toMatchObject({ hasPrivateKey: true, keyAlgorithm: 'RSA', keySizeBits: 2048, thumbprint: key.thumbprint });
    expect(byAlias['ec']).toMatchObject({ hasPrivateKey: true, keyAlgorithm: 'EC', keySizeBits: 256 });
    expect(byAlias['trusted']).toMatchObject({ hasPrivateKey: false, keyAlgorithm: 'RSA', thumbprint: certificateThumbprintSha1 });
  }, 30_000);
});

describe('inspectKeystore', () => {
  it.each(['PKCS12', 'JKS'] as const)('lists the WSO2 %s keystore, sniffing its type', async (type) => {
    const result = await inspectKeystore(PRIMARY[type].file, 'wso2carbon');
    expect(result).toEqual({
      type,
      entries: [
        {
          alias: 'wso2carbon',
          hasPrivateKey: true,
          keyAlgorithm: 'RSA',
          keySizeBits: 2048,
          thumbprint: certificateThumbprintSha1,
          subject: 'CN=localhost, O=Example, C=US',
          notBefore: expect.any(Date),
          notAfter: expect.any(Date),
          expired: false,
        },
      ],
    });
  });

  it('needs the right store password', async () => {
    expect(await codeOf(inspectKeystore(PRIMARY.JKS.file, 'nope'))).toBe('KEYSTORE_BAD_PASSWORD');
  });
});
