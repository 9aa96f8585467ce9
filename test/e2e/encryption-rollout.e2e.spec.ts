/**
 * Issue #5: services refuse to disagree, stored data never breaks the system, and the documented change
 * procedure (`encryption rollout`, `tokens migrate`) refuses what would break it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { parse, stringify } from 'smol-toml';
import { loadKeystore } from '@app/crypto';
import { describeStartupFailure } from '@app/platform';
import { runCliForTest } from '../support/cli-runner.js';
import {
  devportalApi,
  devportalOverlay,
  signUpAndLogIn,
  startDevportalForTest,
  startStackForTest,
  writeDevportalOnlyConfig,
  type StackUnderTest,
} from '../support/devportal.js';
import { startKeyManagerForTest, TEST_SYMMETRIC_KEY } from '../support/key-manager.harness.js';
import { captureLogs } from '../support/log-capture.js';
import { keyManagerOAuth } from '../support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { parseMetrics, valueOf } from '../support/metrics-text.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(120_000);

type Toml = Record<string, unknown>;

let tmp: TestConfigDir;
let nats: PrivateNats;
let key1: TestKeystore;
let key2: TestKeystore;

beforeAll(async () => {
  tmp = await makeTempDir('rollout-');
  nats = await startPrivateNats();
  [key1, key2] = await Promise.all([createTestKeystore(tmp.dir, 'key1.p12'), createTestKeystore(tmp.dir, 'key2.p12')]);
});

afterAll(async () => {
  await nats?.stop();
  await tmp?.remove();
});

async function edit(file: string, change: (toml: Toml) => void): Promise<void> {
  const toml = parse(await readFile(file, 'utf8')) as Toml;
  change(toml);
  await writeFile(file, stringify(toml));
}

function table(toml: Toml, path: string): Record<string, unknown> {
  let node = toml;
  for (const segment of path.split('.')) node = (node[segment] ??= {}) as Toml;
  return node;
}

const keystoreTable = (k: TestKeystore) => ({ file_name: k.file, type: k.type, password: k.password, alias: k.alias });
const thumbprint = async (k: TestKeystore) => (await loadKeystore({ file: k.file, type: k.type, password: k.password, alias: k.alias })).thumbprint;

describe('a Key Manager restarted with other settings', () => {
  test('is caught on the next request: the portal answers 503 naming the setting, and both sides log it', async () => {
    const portalLogs = captureLogs();
    const stack = await startStackForTest({ dir: tmp.dir, keystore: key1, encryption: 'rsa-oaep', nats: nats.url, logs: { devportal: portalLogs } });
    const kmLogs = captureLogs();
    let restarted: Awaited<ReturnType<typeof startKeyManagerForTest>> | undefined;
    try {
      const token = await signUpAndLogIn(stack.devportal.apiUrl, 'restart-user', 'restart-password-1');
      const call = devportalApi(stack.devportal.apiUrl);
      const app = await call<{ applicationId: string }>('POST', '/applications', { token, json: { name: 'before-restart' } });
      expect(app.status).toBe(201);
      // The Key Manager comes back on the same data with AES-GCM instead of RSA-OAEP; the portal is not told.
      await stack.keyManager.stop({ keepSchema: true });
      restarted = await startKeyManagerForTest({
        dir: tmp.dir,
        keystore: key1,
        encryption: 'aes-gcm',
        nats: nats.url,
        schema: stack.keyManager.schema,
        configName: 'km-restarted.toml',
        logs: kmLogs,
      });
      const keys = await call<{ code: number; description: string }>('POST', `/applications/${app.body.applicationId}/generate-keys`, {
        token,
        json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] },
      });
      expect(keys.status).toBe(503);
      expect(keys.body.description).toContain('transformation: RSA/ECB/OAEPwithSHA1andMGF1Padding vs AES/GCM/NoPadding');
      expect(keys.text).not.toContain(TEST_SYMMETRIC_KEY);
      // Both sides logged the refusal with the differing settings.
      const kmRefusal = kmLogs.entries().find((l) => String(l['msg']).startsWith('refused request'));
      expect(kmRefusal?.['differences']).toEqual(expect.arrayContaining([expect.stringContaining('transformation')]));
      expect(portalLogs.text()).toContain('transformation: RSA/ECB/OAEPwithSHA1andMGF1Padding vs AES/GCM/NoPadding');
    } finally {
      await stack.devportal.stop();
      await restarted?.stop();
    }
  });
});

describe('stored data never breaks the system', () => {
  test('a service refuses to start when stored values are under a key it does not hold, saying which table, how many, which key and the fix', async () => {
    const km = await startKeyManagerForTest({ dir: tmp.dir, keystore: key1, encryption: 'rsa-oaep', nats: nats.url, configName: 'km-key1.toml' });
    const oauth = await keyManagerOAuth(km.baseUrl);
    const client = await oauth.registerClient(km.admin, { client_name: 'unreadable', grant_types: ['client_credentials'], token_type_extension: 'Default' });
    await oauth.clientCredentials(client.clientId, client.clientSecret);
    await oauth.clientCredentials(client.clientId, client.clientSecret);
    await km.stop({ keepSchema: true });
    const error = await startKeyManagerForTest({ dir: tmp.dir, keystore: key2, encryption: 'rsa-oaep', nats: nats.url, schema: km.schema, configName: 'km-key2.toml' }).then(
      async (started) => {
        await started.stop();
        return new Error('started');
      },
      (e: unknown) => e,
    );
    const message = describeStartupFailure(error);
    const id1 = await thumbprint(key1);
    expect(message).toContain('Refusing to start');
    expect(message).toMatch(new RegExp(`table oauth_tokens, column access_token: 2 value\\(s\\) stored under key id ${id1}`));
    expect(message).toMatch(new RegExp(`table oauth_clients, column client_secret: \\d+ value\\(s\\) stored under key id ${id1}`));
    expect(message).toContain('tokens migrate');
    // With the old keystore configured again as [[keystore.old]] it starts, reads everything, and reports what is left to migrate.
    const again = await startKeyManagerForTest({
      dir: tmp.dir,
      keystore: key2,
      encryption: 'rsa-oaep',
      nats: nats.url,
      schema: km.schema,
      configName: 'km-key2-old1.toml',
      toml: { keystore: { old: [keystoreTable(key1)] } },
    });
    const ready = (await (await fetch(`${again.managementUrl}/health/ready`)).json()) as { status: string; details: Record<string, { status: string; notCurrent?: number }> };
    expect(ready.details['storedSecrets']).toMatchObject({ status: 'degraded' });
    expect(ready.details['storedSecrets']?.notCurrent).toBeGreaterThanOrEqual(3);
    const metrics = await (await fetch(`${again.managementUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`token_encryption_stored_values\\{[^}]*table="oauth_tokens"[^}]*state="stale"[^}]*\\} 2`));
    await again.stop();
  });
});

describe('encryption rollout and tokens migrate refuse what would break the system', () => {
  let stack: StackUnderTest;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    stack = await startStackForTest({ dir: tmp.dir, keystore: key1, encryption: 'rsa-oaep', nats: nats.url });
    env = { DEPLOYMENT_CONFIG: stack.configFile };
  });
  afterAll(() => stack?.stop());

  test('status lists every instance; a dry run changes nothing', async () => {
    const status = await runCliForTest(['encryption', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/key-manager\s+key-manager-[0-9a-f]+/);
    expect(status.stdout).toMatch(/devportal\s+devportal-[0-9a-f]+/);
    expect(status.stdout).toContain('All instances write as deployment.toml says');
    const before = stack.keyManager.app;
    await edit(stack.configFile, (t) => {
      table(t, 'system.parameter')['org.wso2.CipherTransformation'] = 'AES/GCM/NoPadding';
      table(t, 'encryption').key = TEST_SYMMETRIC_KEY;
    });
    const dry = await runCliForTest(['encryption', 'rollout', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('Dry run');
    const after = await runCliForTest(['encryption', 'status', '--json'], env);
    const parsed = JSON.parse(after.stdout) as { nodes: Array<{ profile: { transformation: string }; transition: unknown }> };
    expect(parsed.nodes.map((n) => [n.profile.transformation, n.transition])).toEqual([
      ['RSA/ECB/OAEPwithSHA1andMGF1Padding', null],
      ['RSA/ECB/OAEPwithSHA1andMGF1Padding', null],
    ]);
    expect(stack.keyManager.app).toBe(before);
    // tokens migrate refuses: the running services don't write with the edited file yet.
    const migrate = await runCliForTest(['tokens', 'migrate'], env);
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toContain('running services write with other settings');
    expect(migrate.stderr).toContain('encryption rollout');
    // Put the file back.
    await edit(stack.configFile, (t) => {
      table(t, 'system.parameter')['org.wso2.CipherTransformation'] = 'RSA/ECB/OAEPwithSHA1andMGF1Padding';
    });
  });

  test('rotation keeps old JWTs valid; retiring the old keystore while it still signs live JWTs is refused everywhere', async () => {
    const oauth = await keyManagerOAuth(stack.keyManager.baseUrl);
    const rs = await oauth.registerClient(stack.keyManager.admin, { client_name: 'rs', grant_types: ['client_credentials'], ext_resource_server: true });
    const jwtClient = await oauth.registerClient(stack.keyManager.admin, { client_name: 'jwt', grant_types: ['client_credentials'], token_type_extension: 'JWT' });
    const jwt = (await oauth.clientCredentials(jwtClient.clientId, jwtClient.clientSecret)).access_token;
    const id1 = await thumbprint(key1);
    const id2 = await thumbprint(key2);

    // Rotate: the new keystore becomes primary, the old one stays readable as [[keystore.old]].
    await edit(stack.configFile, (t) => {
      Object.assign(table(t, 'keystore.primary'), keystoreTable(key2));
      (t['keystore'] as Toml)['old'] = [keystoreTable(key1)];
    });
    // Prepare reloads keystores on both nodes of this process: on a loaded machine more than the CLI's 5 s default.
    const rotated = await runCliForTest(['encryption', 'rollout', '--timeout', '30000'], env);
    expect({ code: rotated.code, stderr: rotated.code === 0 ? '' : rotated.stderr }).toEqual({ code: 0, stderr: '' });
    expect(rotated.stdout).toContain('tokens migrate');
    // Every service counts the steps it answered (the dry run above prepared and aborted), with no change open.
    const steps = async (url: string) => {
      const samples = parseMetrics(await (await fetch(`${url}/metrics`)).text());
      const count = (step: string, result: string) => valueOf(samples, 'token_encryption_rollout_steps_total', { step, result }) ?? 0;
      return {
        prepare: count('prepare', 'ok'),
        commit: count('commit', 'ok'),
        finish: count('finish', 'ok'),
        abort: count('abort', 'ok'),
        refused: count('prepare', 'refused'),
        none: valueOf(samples, 'token_encryption_transition_phase', { phase: 'none' }),
      };
    };
    for (const service of [stack.keyManager, stack.devportal]) {
      expect(await steps(service.managementUrl)).toEqual({ prepare: 2, commit: 1, finish: 1, abort: 1, refused: 0, none: 1 });
    }
    // Old and new keys are both published; the old token still verifies; new tokens are signed with the new key.
    const jwks = (await (await fetch(`${stack.keyManager.baseUrl}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual([id1, id2].sort());
    expect((await oauth.introspect(rs, jwt)).active).toBe(true);
    const fresh = (await oauth.clientCredentials(jwtClient.clientId, jwtClient.clientSecret)).access_token;
    expect(JSON.parse(Buffer.from(fresh.split('.')[0]!, 'base64url').toString()).kid).toBe(id2);
    expect((await runCliForTest(['tokens', 'migrate', '--verify'], env)).code).toBe(0);
    expect((await runCliForTest(['tokens', 'status', '--check'], env)).code).toBe(0);

    // Retiring the old keystore now would break the JWT it signed: refused, and nothing changes anywhere.
    await edit(stack.configFile, (t) => void delete (t['keystore'] as Toml)['old']);
    const refused = await runCliForTest(['encryption', 'rollout', '--timeout', '30000'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('rollout aborted');
    expect(refused.stderr).toContain(`the keystore with certificate thumbprint ${id1} still signs 1 live JWT access token(s)`);
    expect(await steps(stack.keyManager.managementUrl)).toEqual({ prepare: 2, commit: 1, finish: 1, abort: 2, refused: 1, none: 1 });
    expect((await oauth.introspect(rs, jwt)).active).toBe(true);
    const afterRefusal = (await (await fetch(`${stack.keyManager.baseUrl}/oauth2/jwks`)).json()) as { keys: Array<{ kid: string }> };
    expect(afterRefusal.keys).toHaveLength(2);
    await edit(stack.configFile, (t) => void ((t['keystore'] as Toml)['old'] = [keystoreTable(key1)]));
  });

  test('a node whose deployment.toml differs refuses to prepare, and the change is aborted on every node', async () => {
    // A second portal instance with its own copy of the file (same settings today).
    const overlay = await devportalOverlay();
    const ownFile = await writeDevportalOnlyConfig({ dir: tmp.dir, keystore: key2, encryption: 'rsa-oaep', nats: stack.keyManager.config.nats.servers[0]!, overlay, name: 'dp-own.toml', toml: { keystore: { old: [keystoreTable(key1)] } } });
    const second = await startDevportalForTest({ configFile: ownFile });
    try {
      await edit(stack.configFile, (t) => void (table(t, 'apim.oauth_config').enable_token_encryption = false));
      // All three nodes share this test's process, so each waits while another reloads its keystores
      // (synchronous PKCS#12 work) during prepare and abort: give the steps the time a node would have alone.
      const result = await runCliForTest(['encryption', 'rollout', '--timeout', '20000'], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('rollout aborted');
      expect(result.stderr).toContain('every node must have the same deployment.toml');
      const status = JSON.parse((await runCliForTest(['encryption', 'status', '--json', '--timeout', '10000'], env)).stdout) as { nodes: Array<{ profile: { enabled: boolean }; transition: unknown }> };
      expect(status.nodes).toHaveLength(3);
      expect(status.nodes.every((n) => n.profile.enabled && n.transition === null)).toBe(true);
    } finally {
      await edit(stack.configFile, (t) => void (table(t, 'apim.oauth_config').enable_token_encryption = true));
      await second.stop();
    }
  });
});
