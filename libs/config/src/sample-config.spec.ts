import { fileURLToPath } from 'node:url';
import { loadConfig } from './index.js';

// The sample shipped for Docker Compose must keep loading: it is what operators copy.
const SAMPLE = fileURLToPath(new URL('../../../deploy/config/deployment.toml', import.meta.url));

// The variables the sample references (deploy/.env.example lists them).
const ENV = {
  DB_PASSWORD: 'sample-db-pass',
  KEYSTORE_PASSWORD: 'sample-keystore-pass',
  ADMIN_PASSWORD: 'sample-admin-pass',
};

describe('deploy/config/deployment.toml', () => {
  it('loads for the key manager', () => {
    const config = loadConfig({ service: 'key-manager', file: SAMPLE, env: ENV });

    expect(config.server).toMatchObject({ port: 9443, publicUrl: 'http://localhost:9443' });
    expect(config.database).toEqual({ url: 'postgres://apim:sample-db-pass@postgres:5432/apim', schema: 'key_manager', poolSize: 10 });
    expect(config.nats.servers).toEqual(['nats://nats:4222']);
    expect(config.keystore.primary).toEqual({
      file: '/keystore/primary.p12',
      type: 'PKCS12',
      password: 'sample-keystore-pass',
      alias: 'wso2carbon',
      keyPassword: 'sample-keystore-pass',
    });
    expect(config.encryption).toEqual({ enabled: true, hashing: false, transformation: 'RSA/ECB/OAEPwithSHA1andMGF1Padding', sealedSecretReserve: 256 });
    expect(config.superAdmin).toEqual({ username: 'admin', password: 'sample-admin-pass' });
  });

  it('loads for the developer portal, with its port and schema', () => {
    const config = loadConfig({ service: 'devportal', file: SAMPLE, env: ENV });

    expect(config.server.port).toBe(9444);
    expect(config.database.schema).toBe('devportal');
    expect(config.oauth.issuer).toBe('http://localhost:9443');
  });

  it('loads for the CLI', () => {
    expect(loadConfig({ service: 'cli', file: SAMPLE, env: ENV }).database.schema).toBe('key_manager');
  });

  it('names the variables it needs when they are missing', () => {
    expect(() => loadConfig({ service: 'devportal', file: SAMPLE, env: {} })).toThrow(
      /\$env\{DB_PASSWORD\}[\s\S]*\$env\{KEYSTORE_PASSWORD\}[\s\S]*\$env\{ADMIN_PASSWORD\}/,
    );
  });
});
