/**
 * Issue #5's proof under load: both services serve steady traffic — token issuance and introspection at the
 * Key Manager, key generation and key reads at the portal — while the deployment walks through
 * encryption off → RSA-OAEP → rotation to a new keystore → AES-GCM → off → hashing, each step done the
 * documented way (edit deployment.toml, `encryption rollout`, `tokens migrate`). Zero failed requests, and
 * every token issued before or during the walk still introspects as active at the end.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'smol-toml';
import { jest } from '@jest/globals';
import { HASHED_SCHEME, loadKeystore } from '@app/crypto';
import { runCliForTest } from '../support/cli-runner.js';
import { devportalApi, signUpAndLogIn, startStackForTest, type StackUnderTest } from '../support/devportal.js';
import { TEST_SYMMETRIC_KEY } from '../support/key-manager.harness.js';
import { keyManagerOAuth, type KeyManagerOAuth } from '../support/oauth-client.js';
import { startPrivateNats, type PrivateNats } from '../support/private-nats.js';
import { makeTempDir, type TestConfigDir } from '../support/test-config.js';
import { queryTestDatabase } from '../support/test-database.js';
import { createTestKeystore, type TestKeystore } from '../support/test-keystore.js';

jest.setTimeout(240_000);

type Toml = Record<string, Record<string, unknown> & { oauth_config?: Record<string, unknown> }> & Record<string, unknown>;

let dir: TestConfigDir;
let nats: PrivateNats;
let first: TestKeystore;
let second: TestKeystore;
let stack: StackUnderTest;
let km: KeyManagerOAuth;
let env: NodeJS.ProcessEnv;
let resourceServer: { clientId: string; clientSecret: string };

beforeAll(async () => {
  dir = await makeTempDir('walk-');
  nats = await startPrivateNats();
  first = await createTestKeystore(dir.dir, 'first.p12');
  // Made now, not during the walk: writing a PKCS#12 file is seconds of node-forge work on this process's event
  // loop under load, which would stall the services under test (they share it) for the test's own sake.
  second = await createTestKeystore(dir.dir, 'second.p12');
  stack = await startStackForTest({ dir: dir.dir, keystore: first, encryption: 'off', nats: nats.url, devportal: { tokenCacheTtlSec: 1 } });
  km = await keyManagerOAuth(stack.keyManager.baseUrl);
  env = { DEPLOYMENT_CONFIG: stack.configFile };
  resourceServer = await km.registerClient(stack.keyManager.admin, { client_name: 'walk-rs', grant_types: ['client_credentials'], ext_resource_server: true });
});

afterAll(async () => {
  await stack?.stop();
  await nats?.stop();
  await dir?.remove();
});

async function editConfig(change: (toml: Toml) => void | Promise<void>): Promise<void> {
  const toml = parse(await readFile(stack.configFile, 'utf8')) as Toml;
  await change(toml);
  await writeFile(stack.configFile, stringify(toml));
}

async function thumbprintOf(keystore: TestKeystore): Promise<string> {
  return (await loadKeystore({ file: keystore.file, type: keystore.type, password: keystore.password, alias: keystore.alias })).thumbprint;
}

function section(toml: Toml, path: string): Record<string, unknown> {
  let node = toml as Record<string, unknown>;
  for (const segment of path.split('.')) node = (node[segment] ??= {}) as Record<string, unknown>;
  return node;
}

async function cli(...argv: string[]): Promise<string> {
  const result = await runCliForTest(argv, env);
  if (result.code !== 0) throw new Error(`cli ${argv.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

/** The storage schemes of every stored secret in both schemas. */
async function storedSchemes(): Promise<Set<string>> {
  const km = stack.keyManager.schema;
  const dp = stack.devportal.schema;
  const rows = await queryTestDatabase<{ scheme: string }>(
    `SELECT client_secret_scheme AS scheme FROM "${km}".oauth_clients WHERE client_secret IS NOT NULL
     UNION SELECT access_token_scheme FROM "${km}".oauth_tokens
     UNION SELECT refresh_token_scheme FROM "${km}".oauth_tokens WHERE refresh_token IS NOT NULL
     UNION SELECT consumer_secret_scheme FROM "${dp}".application_keys`,
  );
  return new Set(rows.map((r) => r.scheme));
}

interface Issued {
  token: string;
  clientId: string;
}

/** Steady traffic until stopped; every failure is recorded with what failed. */
class Load {
  readonly issued: Issued[] = [];
  readonly failures: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[] = [];
  counts = { issue: 0, introspect: 0, portal: 0 };

  constructor(
    private readonly clients: Array<{ clientId: string; clientSecret: string }>,
    private readonly portalToken: string,
  ) {}

  start(): void {
    for (const client of this.clients) this.loops.push(this.loop(() => this.issue(client)));
    this.loops.push(this.loop(() => this.introspect()), this.loop(() => this.introspect()));
    this.loops.push(this.loop(() => this.portal()));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(step: () => Promise<void>): Promise<void> {
    while (this.running) {
      try {
        await step();
      } catch (e) {
        this.failures.push(e instanceof Error ? e.message : String(e));
      }
    }
  }

  private async issue(client: { clientId: string; clientSecret: string }): Promise<void> {
    const response = await km.clientCredentials(client.clientId, client.clientSecret);
    this.issued.push({ token: response.access_token, clientId: client.clientId });
    this.counts.issue++;
  }

  private async introspect(): Promise<void> {
    if (this.issued.length === 0) return void (await new Promise((r) => setTimeout(r, 10)));
    const { token } = this.issued[Math.floor(Math.random() * this.issued.length)]!;
    const result = await km.introspect(resourceServer, token);
    if (!result.active) throw new Error('an issued token introspected as inactive');
    this.counts.introspect++;
  }

  private portalRound = 0;
  private async portal(): Promise<void> {
    const call = devportalApi(stack.devportal.apiUrl);
    const n = this.portalRound++;
    const app = await call<{ applicationId: string }>('POST', '/applications', { token: this.portalToken, json: { name: `walk-app-${n}` } });
    if (app.status !== 201) throw new Error(`create application answered ${app.status}: ${app.text}`);
    const keys = await call<{ consumerKey: string; consumerSecret: string }>('POST', `/applications/${app.body.applicationId}/generate-keys`, {
      token: this.portalToken,
      json: { keyType: 'PRODUCTION', grantTypesToBeSupported: ['client_credentials'] },
    });
    if (keys.status !== 200 && keys.status !== 201) throw new Error(`generate-keys answered ${keys.status}: ${keys.text}`);
    const listed = await call<{ list: Array<{ consumerSecret?: string }> }>('GET', `/applications/${app.body.applicationId}/oauth-keys`, { token: this.portalToken });
    if (listed.status !== 200) throw new Error(`oauth-keys answered ${listed.status}`);
    const shown = listed.body.list[0]?.consumerSecret;
    if (shown !== keys.body.consumerSecret) {
      // Only a secret stored as its hash is listed without it (it was shown once, by generate-keys).
      const [row] = await queryTestDatabase<{ scheme: string }>(`SELECT consumer_secret_scheme AS scheme FROM "${stack.devportal.schema}".application_keys WHERE consumer_key = $1`, [
        keys.body.consumerKey,
      ]);
      if (shown !== undefined || row?.scheme !== HASHED_SCHEME) throw new Error('oauth-keys did not give back the consumer secret');
    }
    const token = await km.clientCredentials(keys.body.consumerKey, keys.body.consumerSecret);
    this.issued.push({ token: token.access_token, clientId: keys.body.consumerKey });
    this.counts.portal++;
  }
}

test('off → RSA-OAEP → new keystore → AES-GCM → off → hashing under load: no failed request, every token still valid', async () => {
  const opaque = await km.registerClient(stack.keyManager.admin, { client_name: 'walk-opaque', grant_types: ['client_credentials'], token_type_extension: 'Default' });
  const jwt = await km.registerClient(stack.keyManager.admin, { client_name: 'walk-jwt', grant_types: ['client_credentials'], token_type_extension: 'JWT' });
  const portalToken = await signUpAndLogIn(stack.devportal.apiUrl, 'walker', 'walk-password-1');
  const firstThumbprint = await thumbprintOf(first);
  const secondThumbprint = await thumbprintOf(second);
  const load = new Load([opaque, jwt], portalToken);
  load.start();
  const settle = () => new Promise((r) => setTimeout(r, 1500));
  const steps: Array<{ name: string; edit: (toml: Toml) => void | Promise<void>; expect: (scheme: string) => boolean }> = [
    {
      name: 'encryption on (RSA-OAEP, the default)',
      edit: (t) => void (section(t, 'apim.oauth_config').enable_token_encryption = true),
      expect: (s) => s === `RSA/ECB/OAEPwithSHA1andMGF1Padding:${firstThumbprint}`,
    },
  ];
  steps.push(
    {
      name: 'rotation to a new keystore',
      edit: (t) => {
        const primary = section(t, 'keystore.primary');
        (t.keystore as Record<string, unknown>).old = [{ ...primary }];
        Object.assign(primary, { file_name: second.file, type: second.type, password: second.password, alias: second.alias });
      },
      expect: (s) => s === `RSA/ECB/OAEPwithSHA1andMGF1Padding:${secondThumbprint}`,
    },
    {
      name: 'AES-GCM',
      edit: (t) => {
        section(t, 'system.parameter')['org.wso2.CipherTransformation'] = 'AES/GCM/NoPadding';
        section(t, 'encryption').key = TEST_SYMMETRIC_KEY;
      },
      expect: (s) => s.startsWith('AES/GCM/NoPadding:'),
    },
    {
      name: 'encryption off',
      edit: (t) => void (section(t, 'apim.oauth_config').enable_token_encryption = false),
      expect: (s) => s === 'plain',
    },
    {
      // One way: every stored secret becomes its hash; all keep working, none can be read back.
      name: 'hashing',
      edit: (t) => void (section(t, 'apim.oauth_config').enable_token_hashing = true),
      expect: (s) => s === HASHED_SCHEME,
    },
  );

  await settle();
  for (const step of steps) {
    await editConfig(step.edit);
    // Each instance reloads its file and keystores on prepare: seconds on a loaded machine, more than the default 5 s.
    await cli('encryption', 'rollout', '--timeout', '30000');
    await settle();
    await cli('tokens', 'migrate', '--verify');
    await settle();
    // Everything stored — both schemas, every secret column — is now under the step's settings.
    const schemes = await storedSchemes();
    expect({ step: step.name, schemes: [...schemes].filter((s) => !step.expect(s)) }).toEqual({ step: step.name, schemes: [] });
    // …and both services already report it (the migration asked them to recount).
    for (const url of [stack.keyManager.managementUrl, stack.devportal.managementUrl]) {
      const ready = (await (await fetch(`${url}/health/ready`)).json()) as { details: Record<string, { status: string; notCurrent?: number }> };
      expect({ step: step.name, url, storedSecrets: ready.details['storedSecrets'] }).toMatchObject({ step: step.name, url, storedSecrets: { status: 'up', notCurrent: 0 } });
    }
  }
  await load.stop();

  process.stderr.write(`walk: ${JSON.stringify(load.counts)}, ${load.issued.length} tokens to introspect, failures ${JSON.stringify(load.failures)}\n`);
  expect(load.failures).toEqual([]);
  expect(load.counts.issue).toBeGreaterThan(20);
  expect(load.counts.introspect).toBeGreaterThan(20);
  expect(load.counts.portal).toBeGreaterThan(4);
  // Every token issued before or during the walk still introspects as active.
  // Eight at a time: one by one, the thousands a walk issues take minutes of the test's time on a loaded machine.
  const inactive: string[] = [];
  const queue = [...load.issued];
  const checker = async () => {
    for (let next = queue.pop(); next; next = queue.pop()) if (!(await km.introspect(resourceServer, next.token)).active) inactive.push(next.token.slice(0, 8));
  };
  await Promise.all(Array.from({ length: 8 }, checker));
  expect(inactive).toEqual([]);
  // And the status command agrees that nothing is left to migrate.
  expect(await cli('tokens', 'status', '--check')).toContain('Every stored value is under the current settings');
});
