import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSelfSignedTlsCertificate } from '@app/crypto';
import { loadConfig } from './index.js';

// The sample shipped for Docker Compose must keep loading: it is what operators copy.
const SAMPLE = fileURLToPath(new URL('../../../deploy/config/deployment.toml', import.meta.url));

// Its secrets are Compose secret files under /run/secrets/ (deploy/init-secrets.sh makes them); here they
// sit in a temporary folder that a copy of the sample points at. PUBLIC_URL comes from docker-compose.yml.
// nats_password is each container's own NATS password (docker-compose.yml mounts the service's secret there).
const SECRETS = { db_password: 'sample-db-pass', keystore_password: 'sample-keystore-pass', admin_password: 'sample-admin-pass', nats_password: 'sample-nats-pass' };
const ENV = { PUBLIC_URL: 'https://localhost:8443' };
// [database] ssl_ca_file: the certificate tls-init writes for the host "postgres", supplied as the file's content.
const POSTGRES_CA_FILE = '/etc/postgres-ca/postgres-ca.pem';
let files: ReadonlyMap<string, string>;
beforeAll(async () => {
  files = new Map([[POSTGRES_CA_FILE, (await createSelfSignedTlsCertificate({ hosts: ['postgres'], validityDays: 2 })).certificatePem]]);
});
const dir = mkdtempSync(join(tmpdir(), 'sample-config-'));
const file = join(dir, 'deployment.toml');
writeFileSync(file, readFileSync(SAMPLE, 'utf8').replaceAll('$file{/run/secrets/', `$file{${dir}/`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy/config/deployment.toml', () => {
  beforeEach(() => {
    for (const [name, value] of Object.entries(SECRETS)) writeFileSync(join(dir, name), `${value}\n`);
  });

  it('reads every secret from /run/secrets/ and the public URL from the environment', () => {
    const text = readFileSync(SAMPLE, 'utf8');
    expect([...text.matchAll(/^[^#\n]*\$file\{\/run\/secrets\/([a-z_]+)\}/gm)].map((m) => m[1]).sort()).toEqual(Object.keys(SECRETS).sort());
    expect([...text.matchAll(/^[^#\n]*\$env\{([A-Z_]+)\}/gm)].map((m) => m[1])).toEqual(['PUBLIC_URL']);
  });

  it('loads for the key manager', () => {
    const config = loadConfig({ service: 'key-manager', file, env: ENV, files });

    expect(config.server).toMatchObject({ port: 9443, publicUrl: 'https://localhost:8443', trustProxy: true });
    expect(config.database).toEqual({ url: 'postgres://apim:sample-db-pass@postgres:5432/apim', schema: 'key_manager', poolSize: 10, sslMode: 'verify-full', sslCaFile: POSTGRES_CA_FILE });
    expect(config.nats).toMatchObject({ servers: ['tls://nats:4222'], user: 'key-manager', password: 'sample-nats-pass', tlsCaFile: '/etc/nats-ca/nats-ca.pem' });
    expect(config.keystore.primary).toEqual({
      file: '/keystore/primary.p12',
      type: 'PKCS12',
      password: 'sample-keystore-pass',
      alias: 'wso2carbon',
      keyPassword: 'sample-keystore-pass',
    });
    expect(config.encryption).toEqual({ enabled: true, hashing: false, transformation: 'RSA/ECB/OAEPwithSHA1andMGF1Padding', sealedSecretReserve: 256 });
    expect(config.superAdmin).toEqual({ username: 'admin', password: 'sample-admin-pass' });
    expect(config.oauth.issuer).toBe('https://localhost:8443');
  });

  it('loads for the developer portal, with its port and schema', () => {
    const config = loadConfig({ service: 'devportal', file, env: ENV, files });

    expect(config.server.port).toBe(9444);
    expect(config.database.schema).toBe('devportal');
    expect(config.nats).toMatchObject({ user: 'devportal', password: 'sample-nats-pass' });
    expect(config.oauth.issuer).toBe('https://localhost:8443');
  });

  it('loads for the CLI', () => {
    const config = loadConfig({ service: 'cli', file, env: ENV, files });
    expect(config.database.schema).toBe('key_manager');
    expect(config.nats).toMatchObject({ user: 'cli', tlsCaFile: '/etc/nats-ca/nats-ca.pem' });
    expect(config.database).toMatchObject({ sslMode: 'verify-full', sslCaFile: POSTGRES_CA_FILE });
  });

  it('names the files and variables it needs when they are missing, never their contents', () => {
    rmSync(join(dir, 'keystore_password'));
    let message = '';
    try {
      loadConfig({ service: 'devportal', file, env: {} });
    } catch (error) {
      message = (error as Error & { format(): string }).format();
    }
    expect(message).toMatch(/\$file\{[^}]*keystore_password\}, which cannot be read \(ENOENT\)/);
    expect(message).toContain('$env{PUBLIC_URL}');
    expect(message).not.toContain('sample-db-pass');
  });
});
