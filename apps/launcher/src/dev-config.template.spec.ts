import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, loadConfigFor } from '@app/config';
import { DevFiles, renderDevConfig, type DevConfigEnv } from './dev-config.template.js';

describe('the development deployment.toml', () => {
  let folder: string;
  const env: DevConfigEnv = {
    DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:54329/apim',
    NATS_URL: 'nats://127.0.0.1:4222',
    KEY_MANAGER_PORT: '18443',
    DEVPORTAL_PORT: '18444',
    KEYSTORE_PASSWORD: 'keystore-pw',
    ADMIN_PASSWORD: 'admin-password',
  };

  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'dev-config-'));
    writeFileSync(path.join(folder, DevFiles.config), renderDevConfig());
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('is valid for both services, with the values the launcher hands in', () => {
    const km = loadConfig({ service: 'key-manager', file: path.join(folder, DevFiles.config), env: { ...env } });
    const portal = loadConfigFor('devportal', km);
    expect(km.server).toMatchObject({ host: '127.0.0.1', port: 18443, publicUrl: 'http://localhost:18443' });
    expect(portal.server).toMatchObject({ host: '127.0.0.1', port: 18444 });
    expect([km.database.schema, portal.database.schema]).toEqual(['key_manager', 'devportal']);
    expect(km.database.url).toBe(env.DATABASE_URL);
    expect(km.nats.servers).toEqual([env.NATS_URL]);
    expect(km.keystore.primary).toMatchObject({ file: path.join(folder, DevFiles.keystore), password: 'keystore-pw', alias: 'wso2carbon' });
    expect(km.superAdmin).toEqual({ username: 'admin', password: 'admin-password' });
  });

  it('turns token encryption on with WSO2 default transformation', () => {
    const km = loadConfig({ service: 'key-manager', file: path.join(folder, DevFiles.config), env: { ...env } });
    expect(km.encryption).toMatchObject({ enabled: true, transformation: 'RSA/ECB/OAEPwithSHA1andMGF1Padding' });
  });

  it('holds no secret itself', () => {
    expect(renderDevConfig()).not.toMatch(/password\s*=\s*"(?!\$env\{)/);
  });
});
