// Two deployments on one NATS server, kept apart by `[transport.nats] subject_prefix`: a portal-side client
// reaches only the Key Manager of its own prefix, and the CLI's encryption broadcasts reach only the
// instances of its own prefix — with the same keystore and the same encryption settings on both sides,
// which is exactly when nothing else would tell the two deployments apart.
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import type { DeploymentConfig } from '@app/config';
import { KeyManagerPatterns } from '@app/contracts';
import { KeyManagerCallError, ProcessIdentity } from '@app/platform';
import { runCliForTest } from '../support/cli-runner.js';
import { startKeyManagerForTest, type KeyManagerUnderTest } from '../support/key-manager.harness.js';
import { createKeyManagerClientForTest } from '../support/key-manager-client.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { queryTestDatabase } from '../support/test-database.js';
import { createTestKeystore } from '../support/test-keystore.js';

jest.setTimeout(60_000);

let tmp: TestConfigDir;
let nats: PrivateNats;
let alpha: KeyManagerUnderTest;
let beta: KeyManagerUnderTest;

beforeAll(async () => {
  tmp = await makeTempDir('shared-nats-');
  const keystore = await createTestKeystore(tmp.dir);
  nats = await startPrivateNats();
  const start = (prefix: string, configName: string) =>
    startKeyManagerForTest({ dir: tmp.dir, keystore, nats: nats.url, encryption: 'rsa-oaep', configName, toml: { 'transport.nats': { subject_prefix: prefix } } });
  alpha = await start('alpha', 'alpha.toml');
  beta = await start('acme.beta', 'beta.toml');
});

afterAll(async () => {
  await alpha?.stop();
  await beta?.stop();
  await nats?.stop();
  await tmp?.remove();
});

function withPrefix(config: DeploymentConfig, subjectPrefix: string): DeploymentConfig {
  return { ...config, nats: { ...config.nats, subjectPrefix, requestTimeoutMs: 1000 } };
}

async function usernames(schema: string): Promise<string[]> {
  return (await queryTestDatabase<{ username: string }>('SELECT username FROM users ORDER BY username', [], schema)).map((r) => r.username);
}

test('a client reaches only the Key Manager of its own subject prefix', async () => {
  const toAlpha = await createKeyManagerClientForTest(alpha.config);
  const toBeta = await createKeyManagerClientForTest(beta.config);
  const toNobody = await createKeyManagerClientForTest(withPrefix(alpha.config, ''));
  try {
    await toAlpha.client.call(KeyManagerPatterns.UserCreate, { username: 'only.alpha', password: 'a long password 1' });
    await toBeta.client.call(KeyManagerPatterns.UserCreate, { username: 'only.beta', password: 'a long password 2' });
    // The same name in both: no conflict, they are two user stores.
    await toAlpha.client.call(KeyManagerPatterns.UserCreate, { username: 'both', password: 'a long password 3' });
    await toBeta.client.call(KeyManagerPatterns.UserCreate, { username: 'both', password: 'a long password 4' });
    expect(await usernames(alpha.schema)).toEqual(['both', 'only.alpha']);
    expect(await usernames(beta.schema)).toEqual(['both', 'only.beta']);

    // Without a prefix nobody answers: the call fails as "Key Manager unavailable", it is not served by either.
    const error = await toNobody.client.call(KeyManagerPatterns.ProfileGet, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KeyManagerCallError);
    expect((error as KeyManagerCallError).code).toMatch(/UNAVAILABLE|TIMEOUT/);
  } finally {
    await Promise.all([toAlpha.close(), toBeta.close(), toNobody.close()]);
  }
});

test('`encryption status` sees only the instances of its own subject prefix', async () => {
  const instance = (km: KeyManagerUnderTest) => km.app.get(ProcessIdentity).instanceId;
  const status = async (km: KeyManagerUnderTest) => {
    const run = await runCliForTest(['encryption', 'status', '--json'], { DEPLOYMENT_CONFIG: km.config.file });
    expect(run.code).toBe(0);
    return (JSON.parse(run.stdout) as { nodes: Array<{ instanceId: string }> }).nodes.map((n) => n.instanceId);
  };
  expect(await status(alpha)).toEqual([instance(alpha)]);
  expect(await status(beta)).toEqual([instance(beta)]);
});
