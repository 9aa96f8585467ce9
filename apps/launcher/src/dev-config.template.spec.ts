import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, loadConfigFor } from '@app/config';
import { DevFiles, newDevSubjectPrefix, renderDevConfig, RunFiles, upgradeDevConfig, type RunValues } from './dev-config.template.js';
import { runFileContents } from './dev-workspace.store.js';

describe('the development deployment.toml', () => {
  let folder: string;
  const run: RunValues = { databaseUrl: 'postgres://postgres:pw@127.0.0.1:54329/apim', natsUrl: 'nats://127.0.0.1:4222', keyManagerPort: '18443', devportalPort: '18444' };
  const file = () => path.join(folder, DevFiles.config);

  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'dev-config-'));
    writeFileSync(file(), renderDevConfig('dev.0123456789'));
    writeFileSync(path.join(folder, DevFiles.keystorePassword), 'keystore-pw');
    writeFileSync(path.join(folder, DevFiles.adminPassword), 'admin-password\n');
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('is valid for both services with the values of a start still in memory, and reads no environment', () => {
    const km = loadConfig({ service: 'key-manager', file: file(), env: {}, files: runFileContents(folder, run) });
    const portal = loadConfigFor('devportal', km);
    expect(km.server).toMatchObject({ host: '127.0.0.1', port: 18443, publicUrl: 'http://localhost:18443' });
    expect(portal.server).toMatchObject({ host: '127.0.0.1', port: 18444 });
    expect([km.database.schema, portal.database.schema]).toEqual(['key_manager', 'devportal']);
    expect(km.database.url).toBe(run.databaseUrl);
    expect(km.nats).toMatchObject({ servers: [run.natsUrl], subjectPrefix: 'dev.0123456789' });
    expect(km.keystore.primary).toMatchObject({ file: path.join(folder, DevFiles.keystore), password: 'keystore-pw', alias: 'wso2carbon' });
    expect(km.superAdmin).toEqual({ username: 'admin', password: 'admin-password' });
  });

  it('is read by the CLI from the files alone once the launcher wrote them', () => {
    mkdirSync(path.join(folder, DevFiles.run), { recursive: true });
    for (const [key, relative] of Object.entries(RunFiles)) writeFileSync(path.join(folder, relative), `${run[key as keyof RunValues]}\n`);
    const cli = loadConfig({ service: 'cli', env: { DEPLOYMENT_CONFIG: file() } });
    expect(cli.database.url).toBe(run.databaseUrl);
    expect(cli.nats).toMatchObject({ servers: [run.natsUrl], subjectPrefix: 'dev.0123456789' });
  });

  it('turns token encryption on with WSO2 default transformation', () => {
    const km = loadConfig({ service: 'key-manager', file: file(), env: {}, files: runFileContents(folder, run) });
    expect(km.encryption).toMatchObject({ enabled: true, transformation: 'RSA/ECB/OAEPwithSHA1andMGF1Padding' });
  });

  it('holds no secret itself', () => {
    expect(renderDevConfig('dev.x')).not.toMatch(/password\s*=\s*"(?!\$file\{)/);
  });

  it('gives each workspace a subject prefix of its own', () => {
    const prefixes = new Set(Array.from({ length: 50 }, () => newDevSubjectPrefix(randomBytes)));
    expect(prefixes.size).toBe(50);
    for (const prefix of prefixes) expect(prefix).toMatch(/^dev\.[0-9a-f]{10}$/);
  });

  describe('a config written by an earlier launcher', () => {
    const legacy = [
      '[database]',
      'url = "$env{DATABASE_URL}"',
      '',
      '[transport.nats]',
      'servers = ["$env{NATS_URL}"]',
      '',
      '[keystore.primary]',
      'password = "$env{KEYSTORE_PASSWORD}"',
      '',
      '[apim.oauth_config]',
      'enable_token_encryption = false # edited by the operator',
      '',
      '[super_admin]',
      'password = "$env{ADMIN_PASSWORD}"',
      '[key_manager.server]',
      'port = "$env{KEY_MANAGER_PORT}"',
      '[devportal.server]',
      'port = "$env{DEVPORTAL_PORT}"',
      '',
    ].join('\n');

    it('gets $file{} references and a subject prefix, keeping the operator edits', () => {
      const upgraded = upgradeDevConfig(legacy, 'dev.aaaa');
      expect(upgraded).not.toContain('$env{');
      expect(upgraded).toContain(`url = "$file{${RunFiles.databaseUrl}}"`);
      expect(upgraded).toContain(`password = "$file{${DevFiles.keystorePassword}}"`);
      expect(upgraded).toMatch(/\[transport\.nats\]\n#[^\n]*\nsubject_prefix = "dev\.aaaa"\nservers = /);
      expect(upgraded).toContain('enable_token_encryption = false # edited by the operator');
    });

    it('is left alone once upgraded, and an operator-chosen prefix is kept', () => {
      const once = upgradeDevConfig(legacy, 'dev.aaaa');
      expect(upgradeDevConfig(once, 'dev.bbbb')).toBe(once);
      const chosen = legacy.replace('[transport.nats]', '[transport.nats]\nsubject_prefix = "mine"');
      expect(upgradeDevConfig(chosen, 'dev.bbbb')).toContain('subject_prefix = "mine"');
      expect(upgradeDevConfig(chosen, 'dev.bbbb')).not.toContain('dev.bbbb');
    });
  });
});
